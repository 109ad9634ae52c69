"""The finance console. Finance acts; admins may look (every action answers them 403)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.auth.models import Role
from app.authz import access
from app.contracts.models import Contract
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.finance import exports, queries, reconcile, services
from app.finance.charts import line_chart
from app.finance.forms import (
    BulkForm,
    CorrectionForm,
    NoteForm,
    ReasonForm,
    ReconcileForm,
    ResolveForm,
)
from app.finance.models import DIFFERENCES, ITEM_KINDS, ReconciliationPeriod, ReconciliationRun
from app.forms import form_status, show_errors
from app.ledger.models import KINDS, JournalEntry
from app.money import CURRENCIES, MoneyError, parse_amount
from app.payments.models import PayoutStatus
from app.status import history
from app.text import local_path

bp = Blueprint("finance", __name__, url_prefix="/finance")
VIEW = (Role.FINANCE, Role.ADMIN)
MAX_BULK = 500


def _ip() -> str | None:
    return request.remote_addr


def _int_arg(name: str) -> int | None:
    value = (request.args.get(name) or "").strip()
    return int(value) if value.isdecimal() and len(value) < 18 else None


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat((request.args.get(name) or "").strip())
    except ValueError:
        return None


def _local(url: str | None) -> str | None:
    """A same-site path to go back to, never another site (no open redirect)."""
    return local_path(url)


def _page() -> int:
    return max(_int_arg("page") or 1, 1)


def _act(call: Callable[[], object], success: str | Callable[[object], tuple[str, str]], back: str):
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


def _csv(filename: str, header: list[str], rows) -> Response:
    response = Response(stream_with_context(exports.stream_csv(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- dashboard ------------------------------------------------------------------------------


@bp.get("")
@access(*VIEW)
def dashboard():
    board = queries.dashboard(_date_arg("from"), _date_arg("to"))
    charts = {
        currency: line_chart(board.days, series, ("held", *queries.CHART_SERIES))
        for currency, series in board.series.items()
    }
    return render_template("finance/dashboard.html", board=board, charts=charts)


@bp.get("/figures/<name>")
@access(*VIEW)
def figure(name: str):
    currency = request.args.get("currency", "")
    if name not in queries.FIGURES or currency not in CURRENCIES:
        abort(404)
    rows = queries.figure_contracts(name, currency, _date_arg("from"), _date_arg("to"))
    return render_template(
        "finance/figure.html",
        name=name,
        currency=currency,
        rows=rows,
        figure=queries.FIGURES[name],
        window=queries.window(_date_arg("from"), _date_arg("to")),
    )


# -- ledger explorer ------------------------------------------------------------------------


def _entry_filters() -> queries.EntryFilters:
    return queries.EntryFilters(
        account=(request.args.get("account") or "").strip()[:80],
        entry_kind=(request.args.get("kind") or "").strip()[:24],
        contract_id=_int_arg("contract"),
        campaign_id=_int_arg("campaign"),
        kol_id=_int_arg("kol"),
        brand_id=_int_arg("brand"),
        stripe_object_id=(request.args.get("stripe") or "").strip()[:80],
        date_from=_date_arg("from"),
        date_to=_date_arg("to"),
    )


@bp.get("/ledger")
@access(*VIEW)
def ledger():
    filters = _entry_filters()
    page = queries.entries_page(filters, _page())
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
    page = queries.accounts_page(**args, page=_page())
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
    return _csv("ledger-entries.csv", exports.LEDGER_HEADER, exports.ledger_rows(stmt))


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
                ip=_ip(),
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


# -- payouts --------------------------------------------------------------------------------


def _payout_filters() -> queries.PayoutFilters:
    status = request.args.get("status", "")
    currency = request.args.get("currency", "")
    return queries.PayoutFilters(
        status=status if status in {s.value for s in PayoutStatus} else "",
        currency=currency if currency in CURRENCIES else "",
        older_than_days=_int_arg("age"),
    )


@bp.get("/payouts")
@access(*VIEW)
def payouts():
    filters = _payout_filters()
    return render_template(
        "finance/payouts.html",
        page=queries.payouts_page(filters, _page()),
        filters=filters,
        counts=queries.status_counts(),
        statuses=list(PayoutStatus),
        bulk=BulkForm(),
        can_act=current_user.role == Role.FINANCE,
        now=utcnow(),
    )


@bp.get("/payouts/export.csv")
@access(*VIEW)
def payouts_csv():
    stmt = queries.payouts_statement(_payout_filters())
    return _csv("payouts.csv", exports.PAYOUT_HEADER, exports.payout_rows(stmt))


@bp.post("/payouts/<int:payout_id>/retry")
@access(Role.FINANCE)
def retry(payout_id: int):
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(
        lambda: services.retry_failed_payout(
            payout_id=payout_id, actor_id=current_user.id, reason=form.reason.data, ip=_ip()
        ),
        _retried,
        url_for("finance.payouts"),
    )


def _retried(payout) -> tuple[str, str]:
    if payout.status == PayoutStatus.WAITING_ONBOARDING:
        return (
            _(
                "Not sent: the KOL has no payout account that can receive transfers. The payout "
                "waits for their onboarding, and they were asked to finish it."
            ),
            "info",
        )
    return _("Transfer retried with its original key; it cannot pay twice."), "success"


@bp.post("/payouts/<int:payout_id>/hold")
@access(Role.FINANCE)
def hold(payout_id: int):
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the hold."), "error")
        return redirect(url_for("finance.payouts"))
    return _act(
        lambda: services.hold_payout(
            payout_id=payout_id, actor_id=current_user.id, reason=form.reason.data, ip=_ip()
        ),
        _("Payout put on hold."),
        url_for("finance.payouts"),
    )


@bp.post("/payouts/<int:payout_id>/release")
@access(Role.FINANCE)
def release_hold(payout_id: int):
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(
        lambda: services.release_payout_hold(
            payout_id=payout_id, actor_id=current_user.id, reason=form.reason.data, ip=_ip()
        ),
        _("Hold released."),
        url_for("finance.payouts"),
    )


def _selected_ids() -> list[int]:
    ids = {int(v) for v in request.form.getlist("payout_id") if v.isdecimal() and len(v) < 18}
    return sorted(ids)[:MAX_BULK]


@bp.post("/payouts/bulk")
@access(Role.FINANCE)
def bulk():
    """Step one: show what will happen (count and total per currency) before doing it."""
    form = BulkForm()
    ids = _selected_ids()
    if not form.validate_on_submit() or not ids:
        flash(_("Select at least one payout and an action."), "error")
        return redirect(url_for("finance.payouts"))
    rows = queries.payout_totals(ids)
    eligible = [(p, email) for p, email in rows if services.eligible(p, form.action.data)]
    totals: dict[str, int] = defaultdict(int)
    for payout, _email in eligible:
        totals[payout.currency] += payout.amount
    return render_template(
        "finance/bulk_confirm.html",
        form=form,
        eligible=eligible,
        skipped=len(rows) - len(eligible),
        totals=dict(sorted(totals.items())),
        action_label={c.value: c.label for c in form.action.choices}[form.action.data],
    )


@bp.post("/payouts/bulk/confirm")
@access(Role.FINANCE)
def bulk_confirm():
    form = BulkForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        done = services.bulk_payout_action(
            payout_ids=_selected_ids(),
            action=form.action.data,
            actor_id=current_user.id,
            reason=form.reason.data,
            ip=_ip(),
        )
        db.session.commit()
        flash(_("%(n)d payout(s) updated.", n=done), "success")
    except DomainError as error:
        db.session.rollback()
        if error.status == 403:
            abort(403)
        flash(error.message, "error")
    return redirect(url_for("finance.payouts"))


# -- failed refunds -------------------------------------------------------------------------


@bp.get("/refunds")
@access(*VIEW)
def refunds():
    return render_template(
        "finance/refunds.html",
        page=queries.failed_refunds_page(_page()),
        in_progress=queries.refunds_in_progress(),
        can_act=current_user.role == Role.FINANCE,
    )


@bp.post("/refunds/<int:refund_id>/retry")
@access(Role.FINANCE)
def retry_refund(refund_id: int):
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(
        lambda: services.retry_failed_refund(
            refund_id=refund_id, actor_id=current_user.id, reason=form.reason.data, ip=_ip()
        ),
        _("Refund retried under a new idempotency key; it cannot refund twice."),
        url_for("finance.refunds"),
    )


# -- reconciliation -------------------------------------------------------------------------


@bp.get("/reconciliation")
@access(*VIEW)
def reconciliation():
    form = ReconcileForm()
    form.date_from.data = form.date_to.data = queries.window(None, None)[1]
    return _reconciliation_page(form)


def _reconciliation_page(form: ReconcileForm):
    return render_template(
        "finance/reconciliation.html",
        form=form,
        runs=queries.recent_runs(),
        periods=queries.periods(),
        can_act=current_user.role == Role.FINANCE,
    ), form_status(form)


@bp.post("/reconciliation/start")
@access(Role.FINANCE)
def start_run():
    form = ReconcileForm()
    if form.validate_on_submit():
        try:
            run = reconcile.start_reconciliation(
                date_from=form.date_from.data,
                date_to=form.date_to.data,
                actor_id=current_user.id,
                ip=_ip(),
            )
            db.session.commit()
            flash(_("Reconciliation started."), "success")
            return redirect(url_for("finance.run", run_id=run.id))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return _reconciliation_page(form)


def _run_or_404(run_id: int) -> ReconciliationRun:
    return db.session.get(ReconciliationRun, run_id) or abort(404)


@bp.get("/reconciliation/runs/<int:run_id>")
@access(*VIEW)
def run(run_id: int):
    run = _run_or_404(run_id)
    kind = request.args.get("kind", "differences")
    kind = kind if kind in (*ITEM_KINDS, "differences", "") else "differences"
    return render_template(
        "finance/run.html",
        run=run,
        kind=kind,
        page=queries.run_items(run.id, kind=kind, page=_page()),
        counts=queries.item_counts(run.id),
        unresolved=services.unresolved_count(run.id),
        differences=DIFFERENCES,
        resolve_form=ResolveForm(),
        can_act=current_user.role == Role.FINANCE,
    )


@bp.get("/reconciliation/runs/<int:run_id>/status.json")
@access(*VIEW)
def run_status(run_id: int):
    run = _run_or_404(run_id)
    return jsonify(
        id=run.id,
        status=run.status,
        processed=run.processed,
        total=run.total,
        matched=run.matched_count,
        fees_matched=run.fee_matched_count,
        differences=run.difference_count,
        finished=run.status in ("done", "failed"),
    )


@bp.get("/reconciliation/runs/<int:run_id>/export.csv")
@access(*VIEW)
def run_csv(run_id: int):
    run = _run_or_404(run_id)
    return _csv(
        f"reconciliation-{run.id}.csv",
        exports.RECONCILIATION_HEADER,
        exports.reconciliation_rows(run.id),
    )


@bp.post("/reconciliation/items/<int:item_id>/resolve")
@access(Role.FINANCE)
def resolve(item_id: int):
    form = ResolveForm()
    back = _local(request.form.get("next")) or url_for("finance.reconciliation")
    if not form.validate_on_submit():
        flash(_("Write a resolution note (and a correcting entry id, if any)."), "error")
        return redirect(back)
    return _act(
        lambda: services.resolve_difference(
            item_id=item_id,
            actor_id=current_user.id,
            note=form.note.data,
            correction_entry_id=form.correction_entry_id.data,
            ip=_ip(),
        ),
        _("Difference resolved."),
        back,
    )


@bp.post("/reconciliation/periods/<int:period_id>/close")
@access(Role.FINANCE)
def close(period_id: int):
    if db.session.get(ReconciliationPeriod, period_id) is None:
        abort(404)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return _act(
        lambda: services.close_period(
            period_id=period_id, actor_id=current_user.id, reason=form.reason.data, ip=_ip()
        ),
        _("Period closed; its entries are locked."),
        url_for("finance.reconciliation"),
    )


# -- exports and audit ----------------------------------------------------------------------


@bp.get("/exports/campaign-pnl.csv")
@access(*VIEW)
def pnl_csv():
    _f, _t, start, end = queries.window(_date_arg("from"), _date_arg("to"))
    return _csv("campaign-pnl.csv", exports.PNL_HEADER, exports.campaign_pnl_rows(start, end))


def _audit_filters() -> dict:
    return {
        "action": (request.args.get("action") or "").strip()[:40],
        "actor_id": _int_arg("actor"),
        "object_type": (request.args.get("object") or "").strip()[:32],
    }


@bp.get("/audit")
@access(*VIEW)
def audit():
    filters = _audit_filters()
    page = queries.audit_page(_page(), **filters)
    actions = db.session.scalars(
        select(services.FinanceAuditLog.action).distinct().order_by(services.FinanceAuditLog.action)
    ).all()
    return render_template("finance/audit.html", page=page, filters=filters, actions=actions)


@bp.get("/audit/export.csv")
@access(*VIEW)
def audit_csv():
    stmt = queries.audit_statement(**_audit_filters())
    return _csv("finance-audit.csv", exports.AUDIT_HEADER, exports.audit_rows(stmt))
