"""Social accounts and what an admin checked of them (issue 24).

Only counts an admin verified make a KOL's total followers and tier. A verified KOL who adds
an account, or changes a count, asks for a check in the same step: the request waits in the
admin's verification queue listing what changed. A changed verified count also sends the KOL
back to the queue (the badge waits for the check); a new account only waits, uncounted.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.catalog import tier_for
from app.db_types import utcnow
from app.errors import NotFound, ValidationFailed
from app.extensions import db
from app.profiles.models import KolProfile, SocialAccount, Verification, VerificationRequest


def refresh_reach(profile: KolProfile) -> None:
    """Total followers and tier from the checked counts only."""
    profile.total_followers = sum(a.counted_followers for a in profile.social_accounts)
    profile.tier = tier_for(profile.total_followers)


def mark_checked(profile: KolProfile) -> None:
    """An admin approved the profile: every account is checked at the count it shows now."""
    now = utcnow()
    for account in profile.social_accounts:
        account.verified_followers, account.verified_at = account.followers, now
    refresh_reach(profile)


def ask_for_check(profile: KolProfile, account: SocialAccount, *, back_to_queue: bool) -> None:
    """Put a verified KOL's new or changed account in front of an admin (one request waits
    at a time: a later change is added to it)."""
    if profile.verification not in (Verification.VERIFIED, Verification.PENDING):
        return  # not verified yet: the KOL's own request covers every account
    if profile.verified_at is None:
        return  # first request still waiting: the admin checks the accounts as they are then
    line = f"{account.platform}: @{account.handle} ({account.followers:,})"
    pending = db.session.scalar(
        select(VerificationRequest).where(
            VerificationRequest.kol_id == profile.user_id,
            VerificationRequest.status == Verification.PENDING,
        )
    )
    if pending is None:
        db.session.add(VerificationRequest(kol_id=profile.user_id, handles=line))
    else:
        pending.handles = f"{pending.handles}\n{line}"
    if back_to_queue:
        profile.verification = Verification.PENDING


def own_account(profile: KolProfile, account_id: int) -> SocialAccount:
    """One of the KOL's own accounts; another KOL's is as if it did not exist."""
    account = next((a for a in profile.social_accounts if a.id == account_id), None)
    if account is None:
        raise NotFound(_("No such social account."))
    return account


def change_followers(*, profile: KolProfile, account_id: int, followers: int) -> SocialAccount:
    """A KOL updates an account's follower count: the new count waits for an admin."""
    account = own_account(profile, account_id)
    if not isinstance(followers, int) or followers < 0:
        raise ValidationFailed({"followers": [_("Enter a whole number of followers.")]})
    if followers == account.followers:
        return account
    was_checked = account.verified_at is not None
    account.followers = followers
    if not account.is_verified:
        ask_for_check(profile, account, back_to_queue=was_checked)
    refresh_reach(profile)
    db.session.flush()
    return account
