"""Queue a mail in the caller's transaction; a job delivers it after commit."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from app.db_types import utcnow
from app.extensions import db
from app.jobs import job, stage_job
from app.mail.models import Mail

log = logging.getLogger(__name__)


def queue_mail(*, recipient: str, subject: str, body: str) -> Mail:
    """Record a mail and stage its delivery."""
    mail = Mail(recipient=recipient, subject=subject, body=body)
    db.session.add(mail)
    db.session.flush()
    stage_job("mail.deliver", mail_id=mail.id)
    return mail


@job("mail.deliver")
def deliver_mail(mail_id: int) -> None:
    mail = db.session.get(Mail, mail_id)
    if mail is None or mail.sent_at is not None:
        return
    if current_app.config["MAIL_BACKEND"] == "smtp":
        _send_smtp(mail)
    else:
        log.info("mail to %s: %s\n%s", mail.recipient, mail.subject, mail.body)
    mail.sent_at = utcnow()


def _send_smtp(mail: Mail) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
