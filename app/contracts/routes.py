"""The contract page both sides share, its message thread and attachments, ratings, and
each side's list of contracts."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from app.auth.models import Role
from app.authz import access
from app.contracts import services
from app.contracts.forms import MessageForm, RatingForm
from app.contracts.models import ContractStatus
from app.errors import DomainError
from app.extensions import db, talisman
from app.forms import form_status, show_errors
from app.payments.queries import money_for_contracts, payment_failures
from app.uploads import upload_root

bp = Blueprint("contracts", __name__)


@bp.app_template_global()
def optional_url(endpoint: str, **values) -> str | None:
    """A link to another feature's page, or None while that page does not exist."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@bp.get("/contracts")
@access(Role.BRAND, Role.KOL)
def index():
    status = request.args.get("status") or ""
    page = services.contracts_page(
        user=current_user, status=status, page=request.args.get("page", 1, type=int)
    )
    return render_template(
        "contracts/index.html",
        page=page,
        status=status,
        counts=services.status_counts(user=current_user),
        names=services.names_for_contracts(page.items),
        statuses=[s.value for s in ContractStatus],
    )


@bp.get("/contracts/<int:contract_id>")
@access(Role.BRAND, Role.KOL, Role.ADMIN)
def detail(contract_id: int):
    return _render(contract_id, MessageForm(), RatingForm())


def _render(contract_id: int, message_form, rating_form, status: int = 200):
    contract = services.visible_contract(contract_id=contract_id, user=current_user)
    page = services.contract_page_data(contract=contract, viewer_id=current_user.id)
    return render_template(
        "contracts/detail.html",
        contract=contract,
        page=page,
        side=page.side,
        message_form=message_form,
        rating_form=rating_form,
        can_fund="payments.fund_contract" in current_app.view_functions,
        money=money_for_contracts([contract])[0],
        payment_failures=(
            payment_failures(contract.id)
            if page.side == "brand" and contract.status.value == "awaiting_funding"
            else []
        ),
    ), status


@bp.post("/contracts/<int:contract_id>/messages")
@access(Role.BRAND, Role.KOL)
def post_message(contract_id: int):
    form = MessageForm()
    if form.validate_on_submit():
        try:
            services.post_message(
                contract_id=contract_id,
                sender_id=current_user.id,
                body=form.body.data or "",
                attachment=request.files.get("attachment"),
            )
            db.session.commit()
            return redirect(url_for("contracts.detail", contract_id=contract_id) + "#messages")
        except DomainError as error:
            db.session.rollback()
            if error.status == 404:
                raise
            show_errors(form, error)
    return _render(contract_id, form, RatingForm(), form_status(form))


@bp.get("/contracts/<int:contract_id>/messages/<int:message_id>/attachment")
@access(Role.BRAND, Role.KOL, Role.ADMIN)
@talisman(content_security_policy="default-src 'none'; sandbox")
def attachment(contract_id: int, message_id: int):
    message = services.attachment_for(
        contract_id=contract_id, message_id=message_id, user=current_user
    )
    response = send_from_directory(
        upload_root(private=True),
        message.attachment,
        as_attachment=message.attachment.endswith(".pdf"),
        download_name=message.attachment_name or message.attachment,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/contracts/<int:contract_id>/rating")
@access(Role.BRAND, Role.KOL)
def rate(contract_id: int):
    form = RatingForm()
    if form.validate_on_submit():
        try:
            services.rate_contract(
                contract_id=contract_id,
                rater_id=current_user.id,
                stars=int(form.stars.data),
                comment=form.comment.data or "",
            )
            db.session.commit()
            flash(_("Thanks for your rating."), "success")
            return redirect(url_for("contracts.detail", contract_id=contract_id) + "#rating")
        except DomainError as error:
            db.session.rollback()
            if error.status == 404:
                raise
            show_errors(form, error)
            if not error.fields:
                flash(error.message, "error")  # e.g. already rated: the form is gone
    return _render(contract_id, MessageForm(), form, form_status(form))


CONTRACT_STATUS_LABELS = {
    "awaiting_funding": _l("Awaiting funding"),
    "funded": _l("Funded — note in progress"),
    "in_review": _l("In review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "released": _l("Payment released"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
    "disputed": _l("Disputed"),
    "resolved": _l("Resolved"),
    "frozen": _l("Frozen"),
}


DELIVERABLE_KINDS = {"note": _l("Image note"), "video": _l("Video note")}
DELIVERABLE_STATUS_LABELS = {
    "pending": _l("To deliver"),
    "in_review": _l("In review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved — share released"),
}


@bp.app_template_filter("deliverable_kind")
def deliverable_kind(kind: str) -> str:
    return str(DELIVERABLE_KINDS.get(str(kind), kind))


@bp.app_context_processor
def contract_labels():
    return {
        "CONTRACT_STATUS_LABELS": CONTRACT_STATUS_LABELS,
        "DELIVERABLE_KINDS": DELIVERABLE_KINDS,
        "DELIVERABLE_STATUS_LABELS": DELIVERABLE_STATUS_LABELS,
    }
