"""The development outbox: mail the app would have sent, readable in the browser."""

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select

from app.authz import PUBLIC, access
from app.extensions import db
from app.mail.models import Mail

bp = Blueprint("mail", __name__, url_prefix="/dev")


@bp.get("/outbox")
@access(PUBLIC)
def outbox():
    config = current_app.config
    if config["MAIL_BACKEND"] != "outbox" or config["ENV_NAME"] == "production":
        abort(404)
    mails = db.session.scalars(select(Mail).order_by(Mail.id.desc()).limit(50)).all()
    return render_template("mail/outbox.html", mails=mails)
