"""The counts beside the menu items that need the reader's action (like the bell's): one SQL
statement per request (scalar subqueries in one SELECT, the bell's unread count among them),
asked for only when the layout renders the menu, kept on ``g`` for the rest of the request. A workbench that has just read the same
lists hands its own counts in (``set_counts``) instead, so the landing page pays nothing."""

from __future__ import annotations

from flask import g
from flask_login import current_user
from sqlalchemy import ColumnElement, and_, distinct, exists, func, or_, select

from app.auth.models import Role
from app.bids.models import Bid, BidStatus
from app.campaigns.models import Campaign, CampaignStatus, Invitation
from app.contracts.models import Contract, ContractStatus
from app.db_types import utcnow
from app.engagement.models import CommentReport
from app.extensions import db
from app.finance.models import DIFFERENCES, ReconciliationItem, ReconciliationRun
from app.notifications.models import Notification
from app.payments.models import Payout, PayoutStatus
from app.profiles.models import Verification, VerificationRequest

UNREAD = "notifications.unread"
# Contract states in which the KOL owes a note (a first draft or the asked-for changes).
NOTE_OWED = (ContractStatus.FUNDED, ContractStatus.CHANGES_REQUESTED)


def _count(*where) -> ColumnElement[int]:
    return select(func.count()).where(*where).scalar_subquery()


def brand_bids_waiting(brand_id: int):
    """Bids on the brand's campaigns that the brand must answer."""
    return and_(
        Bid.campaign_id == Campaign.id,
        Campaign.brand_id == brand_id,
        or_(
            Bid.status == BidStatus.PENDING,
            and_(Bid.status == BidStatus.COUNTERED, Bid.turn == "brand"),
        ),
    )


def kol_counters_waiting(kol_id: int):
    """Counter-offers the KOL must answer."""
    return and_(Bid.kol_id == kol_id, Bid.status == BidStatus.COUNTERED, Bid.turn == "kol")


def invitations_waiting(kol_id: int):
    """Invitations to open campaigns the KOL has not bid on yet."""
    return and_(
        Invitation.kol_id == kol_id,
        Campaign.id == Invitation.campaign_id,
        Campaign.status == CampaignStatus.OPEN,
        Campaign.application_deadline > utcnow(),
        ~exists().where(Bid.campaign_id == Invitation.campaign_id, Bid.kol_id == kol_id),
    )


def _latest_run_id() -> ColumnElement[int]:
    return select(func.max(ReconciliationRun.id)).scalar_subquery()


# Per role: menu endpoint → the count of what waits there.
def _columns(role: str, user_id: int) -> dict[str, ColumnElement[int]]:
    if role == Role.BRAND.value:
        return {
            "bids.index": _count(brand_bids_waiting(user_id)),
            "contracts.index": _count(
                Contract.brand_id == user_id, Contract.status == ContractStatus.AWAITING_FUNDING
            ),
            "notes.brand_list": _count(
                Contract.brand_id == user_id, Contract.status == ContractStatus.IN_REVIEW
            ),
        }
    if role == Role.KOL.value:
        return {
            "campaigns.invitations": _count(invitations_waiting(user_id)),
            "bids.index": _count(kol_counters_waiting(user_id)),
            "notes.mine": _count(Contract.kol_id == user_id, Contract.status.in_(NOTE_OWED)),
        }
    if role == Role.FINANCE.value:
        return {
            "finance.payouts": _count(Payout.status == PayoutStatus.FAILED),
            "finance.reconciliation": _count(
                ReconciliationItem.run_id == _latest_run_id(),
                ReconciliationItem.kind.in_(DIFFERENCES),
                ReconciliationItem.resolved_at.is_(None),
            ),
        }
    if role == Role.ADMIN.value:
        return {
            "admin.verifications": _count(VerificationRequest.status == Verification.PENDING),
            "payments.disputes": _count(Contract.status == ContractStatus.DISPUTED),
            "admin.comment_reports": select(func.count(distinct(CommentReport.comment_id)))
            .where(CommentReport.resolved_at.is_(None))
            .scalar_subquery(),
        }
    return {}


def counts_for(role: str, user_id: int, *, unread: bool = False) -> dict[str, int]:
    """Endpoint → how many items wait there for this user, in one statement; with ``unread``
    also the bell's count (under ``UNREAD``), so the layout pays one query for both."""
    columns = _columns(role, user_id)
    if unread:
        columns[UNREAD] = _count(Notification.user_id == user_id, Notification.read_at.is_(None))
    if not columns:
        return {}
    row = db.session.execute(select(*(c.label(f"c{i}") for i, c in enumerate(columns.values()))))
    return {endpoint: int(n or 0) for endpoint, n in zip(columns, row.one(), strict=True)}


def set_counts(counts: dict[str, int]) -> None:
    """The workbench read these lists already: the menu shows its figures, with no query."""
    g.nav_counts = counts


def nav_counts() -> dict[str, int]:
    """The template global: the signed-in user's counts, read at most once per request. The
    same statement reads the bell's unread count and leaves it where the bell looks for it
    (``g.unread_notifications``, app/notifications/routes.py): the menu comes first in the
    layout, so the bell then costs no query of its own."""
    if not current_user.is_authenticated:
        return {}
    if "nav_counts" not in g:
        wants_unread = "unread_notifications" not in g
        counts = counts_for(current_user.role.value, current_user.id, unread=wants_unread)
        if wants_unread:
            g.unread_notifications = counts.pop(UNREAD)
        g.nav_counts = counts
    return g.nav_counts
