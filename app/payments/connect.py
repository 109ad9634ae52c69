"""KOL payouts through Stripe Connect Express: onboarding and account status."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.catalog import COUNTRIES
from app.errors import DomainError
from app.extensions import db
from app.payments import gateway
from app.payments.models import ConnectAccount
from app.payments.release import release_waiting_payouts
from app.profiles.models import KolProfile


class PayoutCountryRefused(DomainError):
    code = "payout_country_unsupported"


def onboarding_link(*, user_id: int, country: str | None = None) -> str:
    """A fresh single-use onboarding link (created on demand, never stored or logged).

    ``country``: where the KOL's bank account is, for a first link (else their region)."""
    account = db.session.get(ConnectAccount, user_id)
    if account is None:
        stripe_id = _open_account(user_id=user_id, country=country)
        account = ConnectAccount(user_id=user_id, stripe_account_id=stripe_id)
        db.session.add(account)
        db.session.flush()
        # The key replays an account made before (a KOL whose row was removed links it again):
        # take Stripe's state now, as no account.updated comes for an account already done.
        sync_account(stripe_account=gateway.retrieve_account(stripe_id))
    return gateway.create_account_link(
        account_id=account.stripe_account_id,
        refresh_url=url_for("payments.payouts", refresh=1, _external=True),
        return_url=url_for("payments.payouts", returned=1, _external=True),
    )


def profile_country(user_id: int) -> str | None:
    """The country a KOL's payout account is opened in unless they choose: their region."""
    profile = db.session.get(KolProfile, user_id)
    return profile.region if profile else None


def _open_account(*, user_id: int, country: str | None) -> str:
    user = db.session.get(User, user_id)
    country = country or profile_country(user_id)
    try:
        return gateway.create_connect_account(
            user_id=user_id,
            key=str(int(user.created_at.timestamp() * 1000)),
            email=user.email,
            country=country,
        )
    except gateway.InvalidRequestError as error:
        if error.param != "country":
            raise
        # Stripe opens Express accounts only where the platform may pay out (docs/payments.md).
        name = str(COUNTRIES.get(country or "", country))
        raise PayoutCountryRefused(
            _(
                "Stripe cannot open payout accounts in %(country)s for this marketplace. Choose "
                "another country where you hold a bank account, or contact support.",
                country=name,
            ),
            field="country",
        ) from error


def sync_account(*, stripe_account: dict) -> ConnectAccount | None:
    """Apply Stripe's view of an account (account.updated); payouts start only from here."""
    account = db.session.scalar(
        select(ConnectAccount).where(ConnectAccount.stripe_account_id == stripe_account["id"])
    )
    if account is None:
        return None
    capabilities = stripe_account.get("capabilities") or {}
    account.details_submitted = bool(stripe_account.get("details_submitted"))
    account.payouts_enabled = bool(stripe_account.get("payouts_enabled"))
    account.transfers_active = capabilities.get("transfers") == "active"
    if account.transfers_active:
        release_waiting_payouts(kol_id=account.user_id)
    return account


def account_status(user_id: int) -> ConnectAccount | None:
    return db.session.get(ConnectAccount, user_id)
