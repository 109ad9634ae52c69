"""The finance console's reconciliation against Stripe: runs, their differences and how each
was resolved, and closing a period, on the console's blueprint (app/finance/routes.py)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.models import Role
from app.authz import access
from app.errors import DomainError
from app.extensions import db
from app.finance import exports, queries, reconcile, services
from app.finance.figures import window
from app.finance.forms import NoteForm, ReconcileForm, ResolveForm
from app.finance.models import DIFFERENCES, ITEM_KINDS, ReconciliationPeriod, ReconciliationRun
from app.finance.routes import VIEW, act, bp, client_ip, csv_download, page_number
from app.forms import form_status, show_errors
from app.text import local_path


@bp.get("/reconciliation")
@access(*VIEW)
def reconciliation():
    form = ReconcileForm()
    form.date_from.data = form.date_to.data = window(None, None)[1]
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
                ip=client_ip(),
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
        page=queries.run_items(run.id, kind=kind, page=page_number()),
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
    return csv_download(
        f"reconciliation-{run.id}.csv",
        exports.RECONCILIATION_HEADER,
        exports.reconciliation_rows(run.id),
    )


@bp.post("/reconciliation/items/<int:item_id>/resolve")
@access(Role.FINANCE)
def resolve(item_id: int):
    form = ResolveForm()
    back = local_path(request.form.get("next")) or url_for("finance.reconciliation")
    if not form.validate_on_submit():
        flash(_("Write a resolution note (and a correcting entry id, if any)."), "error")
        return redirect(back)
    return act(
        lambda: services.resolve_difference(
            item_id=item_id,
            actor_id=current_user.id,
            note=form.note.data,
            correction_entry_id=form.correction_entry_id.data,
            ip=client_ip(),
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
    return act(
        lambda: services.close_period(
            period_id=period_id, actor_id=current_user.id, reason=form.reason.data, ip=client_ip()
        ),
        _("Period closed; its entries are locked."),
        url_for("finance.reconciliation"),
    )
