"""The finance console's payout queue (retry, hold, release, bulk actions) and failed refunds,
on the console's blueprint (app/finance/routes.py)."""

from __future__ import annotations

from collections import defaultdict

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import Role
from app.authz import access
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.finance import exports, queries, services
from app.finance.forms import BulkForm, NoteForm, ReasonForm
from app.finance.routes import VIEW, act, bp, client_ip, csv_download, int_arg, page_number
from app.money import CURRENCIES
from app.payments.models import PayoutStatus

MAX_BULK = 500


def _payout_filters() -> queries.PayoutFilters:
    status = request.args.get("status", "")
    currency = request.args.get("currency", "")
    return queries.PayoutFilters(
        status=status if status in {s.value for s in PayoutStatus} else "",
        currency=currency if currency in CURRENCIES else "",
        older_than_days=int_arg("age"),
    )


@bp.get("/payouts")
@access(*VIEW)
def payouts():
    filters = _payout_filters()
    return render_template(
        "finance/payouts.html",
        page=queries.payouts_page(filters, page_number()),
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
    return csv_download("payouts.csv", exports.PAYOUT_HEADER, exports.payout_rows(stmt))


@bp.post("/payouts/<int:payout_id>/retry")
@access(Role.FINANCE)
def retry(payout_id: int):
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return act(
        lambda: services.retry_failed_payout(
            payout_id=payout_id, actor_id=current_user.id, reason=form.reason.data, ip=client_ip()
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
    return act(
        lambda: services.hold_payout(
            payout_id=payout_id, actor_id=current_user.id, reason=form.reason.data, ip=client_ip()
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
    return act(
        lambda: services.release_payout_hold(
            payout_id=payout_id, actor_id=current_user.id, reason=form.reason.data, ip=client_ip()
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
            ip=client_ip(),
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
        page=queries.failed_refunds_page(page_number()),
        in_progress=queries.refunds_in_progress(),
        can_act=current_user.role == Role.FINANCE,
    )


@bp.post("/refunds/<int:refund_id>/retry")
@access(Role.FINANCE)
def retry_refund(refund_id: int):
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    return act(
        lambda: services.retry_failed_refund(
            refund_id=refund_id, actor_id=current_user.id, reason=form.reason.data, ip=client_ip()
        ),
        _("Refund retried under a new idempotency key; it cannot refund twice."),
        url_for("finance.refunds"),
    )
