"""Finance: every invoice and credit note of a period, on a page and as one ZIP archive, and
the yearly totals per KOL for filing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import render_template, request
from flask_babel import gettext as _

from app.auth.models import Role
from app.authz import access
from app.db_types import utcnow
from app.paperwork import statements
from app.paperwork.documents import archive, issued_between
from app.paperwork.render import document
from app.paperwork.routes import attachment, bp

VIEW = (Role.FINANCE, Role.ADMIN)


def _period() -> tuple[date, date, dict[str, list[str]]]:
    """[from, to] inclusive days from the query (default: this month so far)."""
    today = utcnow().date()
    errors: dict[str, list[str]] = {}
    start, end = today.replace(day=1), today
    for name in ("from", "to"):
        text = request.args.get(name)
        if not text:
            continue
        try:
            value = date.fromisoformat(text)
        except ValueError:
            errors[name] = [_("Enter a date like 2026-12-31.")]
            continue
        start, end = (value, end) if name == "from" else (start, value)
    if not errors and end < start:
        errors["to"] = [_("The end comes before the start.")]
    if not errors and (end - start).days > 366:
        errors["to"] = [_("Choose at most a year at a time.")]
    return start, end, errors


def _moments(start: date, end: date) -> tuple[datetime, datetime]:
    first = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return first, datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)


@bp.get("/finance/paperwork")
@access(*VIEW)
def finance_paperwork():
    start, end, errors = _period()
    year = statements.parse_year(request.args.get("year") or "") or utcnow().year
    docs = [] if errors else issued_between(*_moments(start, end))
    page = render_template(
        "paperwork/finance.html",
        start=start, end=end, errors=errors, year=year,
        rows=[(d, document(d)) for d in docs[:500]], count=len(docs),
    )  # fmt: skip
    return page, 400 if errors else 200


@bp.get("/finance/paperwork/archive.zip")
@access(*VIEW)
def finance_archive():
    start, end, errors = _period()
    if errors:
        return _invalid(errors)
    data, _count = archive(*_moments(start, end))
    name = f"invoices-{start.isoformat()}-to-{end.isoformat()}.zip"
    return attachment(data, "application/zip", name)


@bp.get("/finance/paperwork/kol-totals.csv")
@access(*VIEW)
def finance_kol_totals():
    year = statements.parse_year(request.args.get("year") or str(utcnow().year))
    if year is None:
        return _invalid({"year": [_("Choose a year like 2026.")]})
    return attachment(statements.kol_totals_csv(year), "text/csv", f"kol-totals-{year}.csv")


def _invalid(errors: dict[str, list[str]]):
    message = _("Some fields are not valid.")
    return {"error": {"code": "validation_failed", "message": message, "fields": errors}}, 400
