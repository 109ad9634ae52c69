"""Admin pages: accounts (disable, enable) and the KOL verification queue."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from app.admin.forms import DisableForm
from app.audit import audit
from app.auth import services as auth_services
from app.auth.models import Role, User
from app.authz import access
from app.errors import DomainError
from app.extensions import db
from app.forms import form_status, show_errors
from app.profiles import services as profile_services
from app.profiles.audience import kols_to_review
from app.profiles.forms import DecisionForm
from app.profiles.models import VerificationRequest
from app.text import local_path

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 25


@bp.get("/users")
@access(Role.ADMIN)
def users():
    query = (request.args.get("q") or "").strip().lower()
    role = request.args.get("role") or ""
    stmt = select(User).order_by(User.id.desc())
    if query:
        stmt = stmt.where(or_(func.lower(User.email).contains(query, autoescape=True)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render_template("admin/users.html", page=page, q=query, role=role, form=DisableForm())


@bp.post("/users/<int:user_id>/disable")
@access(Role.ADMIN)
def disable_user(user_id: int):
    form = DisableForm()
    if not form.validate_on_submit():
        abort(400)
    if user_id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for("admin.users"))
    auth_services.set_account_disabled(user_id=user_id, disabled=True, reason=form.reason.data)
    audit(
        actor_id=current_user.id,
        action="account.disable",
        object_type="user",
        object_id=user_id,
        reason=form.reason.data or "",
    )
    db.session.commit()
    flash(_("Account disabled; its sessions have ended."), "success")
    return redirect(local_path(request.referrer) or url_for("admin.users"))


@bp.post("/users/<int:user_id>/enable")
@access(Role.ADMIN)
def enable_user(user_id: int):
    if not DisableForm().validate_on_submit():
        abort(400)
    if user_id == current_user.id:
        return redirect(url_for("admin.users"))  # an admin who is signed in is enabled
    auth_services.set_account_disabled(user_id=user_id, disabled=False)
    audit(actor_id=current_user.id, action="account.enable", object_type="user", object_id=user_id)
    db.session.commit()
    flash(_("Account enabled."), "success")
    return redirect(local_path(request.referrer) or url_for("admin.users"))


@bp.get("/verifications")
@access(Role.ADMIN)
def verifications():
    pending = profile_services.pending_verifications()
    return render_template("admin/verifications.html", pending=pending, to_review=kols_to_review())


@bp.route("/verifications/<int:request_id>", methods=["GET", "POST"])
@access(Role.ADMIN)
def verification(request_id: int):
    item = db.session.get(VerificationRequest, request_id) or abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        approve = request.form.get("decision") == "approve"
        try:
            profile_services.decide_verification(
                request_id=request_id,
                admin_id=current_user.id,
                approve=approve,
                reason=form.reason.data,
            )
            audit(
                actor_id=current_user.id,
                object_type="verification",
                object_id=request_id,
                action="verification.approve" if approve else "verification.reject",
                reason=form.reason.data or "",
            )
            db.session.commit()
            flash(_("KOL verified.") if approve else _("Request rejected."), "success")
            return redirect(url_for("admin.verifications"))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
    return render_template("admin/verification.html", item=item, form=form), (form_status(form))
