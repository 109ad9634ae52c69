"""The finance console: its blueprint, the request helpers its views share, the dashboard, the
ledger explorer, exports and the audit log. The payout queue is payout_routes.py, reconciliation
reconcile_routes.py. Finance acts; admins may look (every action answers them 403)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import stamps, viewer_cache
from app.auth.models import Role
from app.authz import access
from app.contracts.models import Contract
from app.csvsafe import stream_csv
from app.errors import DomainError
from app.extensions import db
from app.finance import exports, figures, queries, services
from app.finance.charts import line_chart
from app.finance.forms import CorrectionForm
from app.forms import form_status, show_errors
from app.ledger.models import KINDS, JournalEntry
from app.money import CURRENCIES, MoneyError, parse_amount
from app.status import history

bp = Blueprint("finance", __name__, url_prefix="/finance")
VIEW = (Role.FINANCE, Role.ADMIN)


def client_ip() -> str | None:
    return request.remote_addr


def int_arg(name: str) -> int | None:
    value = (request.args.get(name) or "").strip()
    return int(value) if value.isdecimal() and len(value) < 18 else None


def date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat((request.args.get(name) or "").strip())
    except ValueError:
        return None


def page_number() -> int:
    return max(int_arg("page") or 1, 1)


def act(call: Callable[[], object], success: str | Callable[[object], tuple[str, str]], back: str):
    """Run one finance action: commit and flash, or roll back and say why (403/404 as such).
    ``success`` is the message, or a function of the action's result → (message, category)."""
    try:
        result = call()
        db.session.commit()
        flash(*(success(result) if callable(success) else (success, "success")))
    except DomainError as error:
        db.session.rollback()
        if error.status in (403, 404):
            abort(error.status)
        flash(error.message, "error")
    return redirect(back)


def csv_download(filename: str, header: list[str], rows) -> Response:
    response = Response(stream_with_context(stream_csv(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- dashboard ------------------------------------------------------------------------------


def _dashboard_key() -> tuple:
    return ("finance.dashboard", request.query_string)


@bp.get("")
@viewer_cache.served_to_viewer_first(_dashboard_key)
@access(*VIEW)
def dashboard():
    """Cached for each finance reader up to ANALYTICS_DASHBOARD_SECONDS, as the brands'
    dashboards are (the page says so; "Refresh now" sums the ledger afresh)."""
    seconds = current_app.config["ANALYTICS_DASHBOARD_SECONDS"]
    if request.args.get("refresh") or not seconds:
        return _dashboard_page()
    html = viewer_cache.viewer_page(
        _dashboard_key(), _dashboard_page, ttl=seconds, shared=True, stamps=stamps.keys_for_ledger()
    )
    return html if html is not None else _dashboard_page()


def _dashboard_page() -> str:
    board = figures.dashboard(date_arg("from"), date_arg("to"))
    charts = {
        currency: line_chart(board.days, series, ("held", *figures.CHART_SERIES))
        for currency, series in board.series.items()
    }
    return render_template("finance/dashboard.html", board=board, charts=charts)


@bp.get("/figures/<name>")
@access(*VIEW)
def figure(name: str):
    currency = request.args.get("currency", "")
    if name not in figures.FIGURES or currency not in CURRENCIES:
        abort(404)
    rows = figures.figure_contracts(name, currency, date_arg("from"), date_arg("to"))
    return render_template(
        "finance/figure.html",
        name=name,
        currency=currency,
        rows=rows,
        figure=figures.FIGURES[name],
        window=figures.window(date_arg("from"), date_arg("to")),
    )


# -- ledger explorer ------------------------------------------------------------------------


def _entry_filters() -> queries.EntryFilters:
    return queries.EntryFilters(
        account=(request.args.get("account") or "").strip()[:80],
        entry_kind=(request.args.get("kind") or "").strip()[:24],
        contract_id=int_arg("contract"),
        campaign_id=int_arg("campaign"),
        kol_id=int_arg("kol"),
        brand_id=int_arg("brand"),
        stripe_object_id=(request.args.get("stripe") or "").strip()[:80],
        date_from=date_arg("from"),
        date_to=date_arg("to"),
    )


@bp.get("/ledger")
@access(*VIEW)
def ledger():
    filters = _entry_filters()
    page = queries.entries_page(filters, page_number(), request.args.get("cursor") or None)
    return render_template("finance/ledger.html", page=page, filters=filters, kinds=KINDS)


@bp.get("/ledger/accounts")
@access(*VIEW)
def accounts():
    args = {
        "kind": request.args.get("kind", "") if request.args.get("kind") in KINDS else "",
        "currency": request.args.get("currency", "")
        if request.args.get("currency") in CURRENCIES
        else "",
        "code": (request.args.get("code") or "").strip()[:80],
    }
    page = queries.accounts_page(**args, page=page_number())
    return render_template(
        "finance/accounts.html",
        page=page,
        args=args,
        kinds=KINDS,
        normal_balance=queries.normal_balance,
    )


@bp.get("/ledger/export.csv")
@access(*VIEW)
def ledger_csv():
    stmt = queries.entries_statement(_entry_filters())
    return csv_download("ledger-entries.csv", exports.LEDGER_HEADER, exports.ledger_rows(stmt))


@bp.get("/ledger/entries/<int:entry_id>")
@access(*VIEW)
def entry(entry_id: int):
    entry = db.session.get(JournalEntry, entry_id) or abort(404)
    return _entry_page(entry, CorrectionForm())


def _entry_page(entry: JournalEntry, form: CorrectionForm):
    corrected = db.session.get(JournalEntry, entry.corrects_id) if entry.corrects_id else None
    return render_template(
        "finance/entry.html",
        entry=entry,
        corrected=corrected,
        corrections=queries.corrections_of(entry.id),
        form=form,
        can_act=current_user.role == Role.FINANCE,
    ), form_status(form)


@bp.post("/ledger/entries/<int:entry_id>/correct")
@access(Role.FINANCE)
def correct(entry_id: int):
    entry = db.session.get(JournalEntry, entry_id) or abort(404)
    form = CorrectionForm()
    if form.validate_on_submit():
        currency = entry.lines[0].currency if entry.lines else "usd"
        legs = []
        try:
            for leg in form.legs.entries:
                if leg.form.kind.data and (leg.form.amount.data or "").strip():
                    amount = parse_amount(leg.form.amount.data, currency)
                    legs.append((leg.form.kind.data, amount, leg.form.owner.data))
            correction = services.correct_entry(
                entry_id=entry.id,
                actor_id=current_user.id,
                reason=form.reason.data,
                legs=legs,
                ip=client_ip(),
            )
            db.session.commit()
            flash(_("Correcting entry #%(id)d posted.", id=correction.id), "success")
            return redirect(url_for("finance.entry", entry_id=correction.id))
        except MoneyError:
            form.form_errors.append(_("Enter amounts like 12.50 or -12.50."))
            form.error_status = 422
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return _entry_page(entry, form)


@bp.get("/contracts/<int:contract_id>")
@access(*VIEW)
def contract(contract_id: int):
    contract = db.session.get(Contract, contract_id) or abort(404)
    return render_template(
        "finance/contract.html",
        contract=contract,
        entries=queries.contract_entries(contract.id),
        timeline=history("contract", contract.id),
    )


# -- exports and audit ----------------------------------------------------------------------


@bp.get("/exports/campaign-pnl.csv")
@access(*VIEW)
def pnl_csv():
    _f, _t, start, end = figures.window(date_arg("from"), date_arg("to"))
    return csv_download(
        "campaign-pnl.csv", exports.PNL_HEADER, exports.campaign_pnl_rows(start, end)
    )


def _audit_filters() -> dict:
    return {
        "action": (request.args.get("action") or "").strip()[:40],
        "actor_id": int_arg("actor"),
        "object_type": (request.args.get("object") or "").strip()[:32],
    }


@bp.get("/audit")
@access(*VIEW)
def audit():
    filters = _audit_filters()
    page = queries.audit_page(page_number(), **filters)
    actions = db.session.scalars(
        select(services.FinanceAuditLog.action).distinct().order_by(services.FinanceAuditLog.action)
    ).all()
    return render_template("finance/audit.html", page=page, filters=filters, actions=actions)


@bp.get("/audit/export.csv")
@access(*VIEW)
def audit_csv():
    stmt = queries.audit_statement(**_audit_filters())
    return csv_download("finance-audit.csv", exports.AUDIT_HEADER, exports.audit_rows(stmt))
