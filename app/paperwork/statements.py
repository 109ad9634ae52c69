"""A KOL's yearly earnings statement (what was paid to them, as their payouts add up) and
finance's yearly totals per KOL for filing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.csvsafe import decimal_amount, stream_csv
from app.extensions import db
from app.money import format_money
from app.paperwork.crypto import masked
from app.paperwork.models import KolTaxDetails
from app.paperwork.pdf import Sheet, write
from app.payments.models import Payout
from app.payments.queries import TRANSFERRED

FIRST_YEAR = 2000


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def parse_year(text: str | None) -> int | None:
    """'2026' → 2026; None for anything that is not a plausible year."""
    if not text or not text.isdecimal() or len(text) != 4:
        return None
    year = int(text)
    return year if FIRST_YEAR <= year <= 2999 else None


@dataclass(frozen=True)
class Statement:
    year: int
    payouts: list[Payout]
    totals: dict[str, int]  # currency → kept (paid less reversed)


def statement(*, kol_id: int, year: int) -> Statement:
    """The payouts transferred to the KOL in the (UTC) year, and what they kept per currency."""
    start, end = year_bounds(year)
    payouts = list(
        db.session.scalars(
            select(Payout)
            .where(
                Payout.kol_id == kol_id,
                Payout.status.in_(TRANSFERRED),
                Payout.paid_at >= start,
                Payout.paid_at < end,
            )
            .order_by(Payout.paid_at, Payout.id)
        )
    )
    totals: dict[str, int] = defaultdict(int)
    for payout in payouts:
        totals[payout.currency] += payout.amount - payout.amount_reversed
    return Statement(year, payouts, dict(totals))


def years_paid(kol_id: int) -> list[int]:
    """The years the KOL was paid in, newest first."""
    moments = db.session.scalars(
        select(Payout.paid_at).where(Payout.kol_id == kol_id, Payout.status.in_(TRANSFERRED))
    )
    return sorted({m.year for m in moments if m is not None}, reverse=True)


STATEMENT_HEADER = [
    "paid_at", "payout_id", "contract_id", "stage", "transfer_id", "currency",
    "paid_minor", "reversed_minor", "kept_minor", "paid", "reversed", "kept",
]  # fmt: skip


def statement_csv(result: Statement) -> str:
    rows = [
        [p.paid_at, p.id, p.contract_id, p.stage, p.transfer_id, p.currency, p.amount,
         p.amount_reversed, p.amount - p.amount_reversed, decimal_amount(p.amount, p.currency),
         decimal_amount(p.amount_reversed, p.currency),
         decimal_amount(p.amount - p.amount_reversed, p.currency)]
        for p in result.payouts
    ]  # fmt: skip
    return "".join(stream_csv(STATEMENT_HEADER, rows))


def statement_pdf(result: Statement, kol: User) -> bytes:
    from app.paperwork.documents import pdf_language

    with pdf_language():
        return write(_statement_sheet(result, kol))


def _statement_sheet(result: Statement, kol: User) -> Sheet:
    details = db.session.get(KolTaxDetails, kol.id)
    payee = [kol.email]
    if details is not None:
        payee = [details.legal_name, *details.address.splitlines(), details.tax_residence,
                 _("Tax ID") + ": " + masked(details.tin_last4), kol.email]  # fmt: skip
    return Sheet(
        title=_("Earnings statement %(year)s", year=result.year),
        facts=[(_("Period"), f"{result.year}-01-01 – {result.year}-12-31 (UTC)")],
        blocks=[(_("Paid to"), payee)],
        headings=[_("Paid on"), _("Contract"), _("Paid"), _("Reversed"), _("Kept")],
        rows=[
            [
                p.paid_at.strftime("%Y-%m-%d"),
                f"#{p.contract_id}",
                format_money(p.amount, p.currency),
                format_money(p.amount_reversed, p.currency),
                format_money(p.amount - p.amount_reversed, p.currency),
            ]
            for p in result.payouts
        ],
        totals=[(_("Total"), format_money(t, c)) for c, t in sorted(result.totals.items())],
        notes=[_("Payouts transferred to your Stripe account in the year, less reversals.")],
    )


TOTALS_HEADER = [
    "year", "kol_id", "email", "legal_name", "tax_form", "tax_residence", "tax_id_masked",
    "currency", "payouts", "paid_minor", "reversed_minor", "kept_minor", "kept",
]  # fmt: skip


def kol_totals_rows(year: int) -> list[list]:
    """One row per KOL and currency: what the year's payouts paid them."""
    start, end = year_bounds(year)
    payouts = db.session.execute(
        select(Payout.kol_id, Payout.currency, Payout.amount, Payout.amount_reversed).where(
            Payout.status.in_(TRANSFERRED), Payout.paid_at >= start, Payout.paid_at < end
        )
    ).all()
    sums: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for kol_id, currency, amount, reversed_ in payouts:
        row = sums[(kol_id, currency)]
        row[0] += 1
        row[1] += amount
        row[2] += reversed_
    kol_ids = {k for k, _c in sums}
    emails = dict(db.session.execute(select(User.id, User.email).where(User.id.in_(kol_ids))).all())
    details = {
        d.user_id: d
        for d in db.session.scalars(select(KolTaxDetails).where(KolTaxDetails.user_id.in_(kol_ids)))
    }
    rows = []
    for (kol_id, currency), (count, paid, reversed_) in sorted(sums.items()):
        d = details.get(kol_id)
        rows.append([
            year, kol_id, emails.get(kol_id), d.legal_name if d else "", d.form if d else "",
            d.tax_residence if d else "", masked(d.tin_last4) if d else "", currency, count,
            paid, reversed_, paid - reversed_, decimal_amount(paid - reversed_, currency),
        ])  # fmt: skip
    return rows


def kol_totals_csv(year: int) -> str:
    return "".join(stream_csv(TOTALS_HEADER, kol_totals_rows(year)))
