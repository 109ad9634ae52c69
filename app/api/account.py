"""/api/v1: the caller's own account — its language and time zone, and its notifications (the
same services as Settings and the notifications page)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from app.api.auth import api_access, api_person
from app.api.routes import MeSchema, bp, me_json
from app.api.schemas import ErrorSchema, PageArgs, StrictSchema, page_of, text
from app.auth import services as accounts
from app.authz import SIGNED_IN
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.models import Notification
from app.pagination import page_json


class MeUpdate(StrictSchema):
    """Omitted fields keep their value."""

    locale = text(10, metadata={"description": "en or zh_Hans"})
    time_zone = text(64, metadata={"description": "An IANA zone, e.g. Asia/Shanghai"})


class NotificationQuery(PageArgs):
    unread = fields.Boolean(load_default=False, metadata={"description": "Only unread ones"})


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    message = fields.String(required=True, metadata={"description": "In the caller's language"})
    link = fields.String(required=True, metadata={"description": "Where to act, on the site"})
    created_at = fields.String(required=True)
    read_at = fields.String(required=True, allow_none=True)


class ReadAllResult(Schema):
    marked = fields.Integer(required=True, validate=validate.Range(min=0))


NotificationList = page_of(NotificationSchema, "NotificationList")


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def notification_json(notification: Notification) -> dict[str, Any]:
    return {"id": notification.id, "kind": notification.kind, "message": notification.message,
            "link": notification.link, "created_at": _iso(notification.created_at),
            "read_at": _iso(notification.read_at)}  # fmt: skip


@bp.patch("/me")
@api_access(SIGNED_IN)
@bp.doc(operationId="updateMe", summary="Change your language or time zone (as Settings does)")
@bp.arguments(MeUpdate)
@bp.response(200, MeSchema)
def update_me(body: dict):
    user = api_person()
    if "locale" in body:
        accounts.set_locale(user_id=user.id, locale=body["locale"])
    if "time_zone" in body:
        accounts.set_time_zone(user_id=user.id, time_zone=body["time_zone"])
    db.session.commit()
    return me_json(user)


@bp.get("/notifications")
@api_access(SIGNED_IN)
@bp.doc(operationId="listNotifications", summary="Your notifications, newest first")
@bp.arguments(NotificationQuery, location="query")
@bp.response(200, NotificationList)
def list_notifications(args: dict):
    stmt = select(Notification).where(Notification.user_id == api_person().id)
    if args["unread"]:
        stmt = stmt.where(Notification.read_at.is_(None))
    page = db.paginate(stmt.order_by(Notification.id.desc()), page=args["page"],
                       per_page=args["per_page"], error_out=False)  # fmt: skip
    return page_json(page, [notification_json(n) for n in page.items])


@bp.post("/notifications/<int:notification_id>/read")
@api_access(SIGNED_IN)
@bp.doc(operationId="markNotificationRead", summary="Mark one of your notifications read")
@bp.response(200, NotificationSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such notification (or not yours)")
def mark_notification_read(notification_id: int):
    notification = notifications.mark_read(user_id=api_person().id, notification_id=notification_id)
    db.session.commit()
    return notification_json(notification)


@bp.post("/notifications/read-all")
@api_access(SIGNED_IN)
@bp.doc(operationId="markAllNotificationsRead", summary="Mark all your notifications read")
@bp.response(200, ReadAllResult)
def mark_all_notifications_read():
    marked = notifications.mark_all_read(user_id=api_person().id)
    db.session.commit()
    return {"marked": marked}
