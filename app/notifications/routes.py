"""The notifications page, marking read, and the unread count for the bell."""

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.forms import ConfirmForm
from app.authz import SIGNED_IN, access
from app.extensions import db
from app.notifications import services
from app.orgs.acting import signed_in_person

bp = Blueprint("notifications", __name__)


def _reader_id() -> int:
    """The person signed in: a brand team member reads their own notifications (what their
    role covers), not the brand account's."""
    return signed_in_person(current_user).id


@bp.app_context_processor
def bell():
    """``unread_notifications()`` for the top bar: one COUNT, only when the layout asks."""

    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            g.unread_notifications = services.unread_count(_reader_id())
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}


@bp.get("/notifications")
@access(SIGNED_IN)
def index():
    unread_only = request.args.get("show") == "unread"
    page = services.notifications_page(
        user_id=_reader_id(), page=request.args.get("page", 1, type=int), unread_only=unread_only
    )
    return render_template(
        "notifications/index.html", page=page, unread_only=unread_only, form=ConfirmForm()
    )


@bp.post("/notifications/<int:notification_id>/read")
@access(SIGNED_IN)
def read(notification_id: int):
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("notifications.index"))
    notification = services.mark_read(user_id=_reader_id(), notification_id=notification_id)
    db.session.commit()
    link = notification.link or "/"
    if request.form.get("open") and link.startswith("/") and not link.startswith("//"):
        return redirect(link)
    return redirect(url_for("notifications.index"))


@bp.post("/notifications/read-all")
@access(SIGNED_IN)
def read_all():
    if ConfirmForm().validate_on_submit():
        services.mark_all_read(user_id=_reader_id())
        db.session.commit()
    return redirect(url_for("notifications.index"))
