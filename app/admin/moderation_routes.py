"""Admin pages for reported comments (/admin/comments): remove, dismiss the reports, or disable
the author, through engagement's moderation services."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin.forms import DisableForm
from app.admin.routes import bp
from app.audit import audit
from app.auth import services as auth_services
from app.auth.forms import ConfirmForm
from app.auth.models import Role
from app.authz import access
from app.engagement import comments, moderation
from app.engagement.models import NoteComment
from app.extensions import db


def _back():
    return redirect(url_for("admin.comment_reports", page=request.args.get("page", 1, int)))


@bp.get("/comments")
@access(Role.ADMIN)
def comment_reports():
    page = moderation.open_reports_page(page=request.args.get("page", 1, int))
    return render_template(
        "engagement/admin_reports.html", page=page, form=ConfirmForm(), disable_form=DisableForm()
    )


@bp.post("/comments/<int:comment_id>/remove")
@access(Role.ADMIN)
def remove_comment(comment_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    comments.remove_comment(comment_id=comment_id, admin_id=current_user.id)
    audit(
        actor_id=current_user.id,
        action="comment.remove",
        object_type="comment",
        object_id=comment_id,
    )
    db.session.commit()
    flash(_("Comment removed; its reports are closed."), "success")
    return _back()


@bp.post("/comments/<int:comment_id>/dismiss")
@access(Role.ADMIN)
def dismiss_comment_reports(comment_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = comments.dismiss_reports(comment_id=comment_id, admin_id=current_user.id)
    db.session.commit()
    flash(_("%(n)d report(s) dismissed; the comment stays.", n=count), "info")
    return _back()


@bp.post("/comments/<int:comment_id>/disable-author")
@access(Role.ADMIN)
def disable_comment_author(comment_id: int):
    form = DisableForm()
    if not form.validate_on_submit():
        abort(400)
    comment = db.session.get(NoteComment, comment_id) or abort(404)
    if comment.user_id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
        return _back()
    reason = form.reason.data or _("Comment #%(id)d", id=comment_id)
    auth_services.set_account_disabled(user_id=comment.user_id, disabled=True, reason=reason)
    audit(
        actor_id=current_user.id,
        action="account.disable",
        object_type="user",
        object_id=comment.user_id,
        reason=reason,
    )
    db.session.commit()
    flash(_("Account disabled; its sessions have ended."), "success")
    return _back()
