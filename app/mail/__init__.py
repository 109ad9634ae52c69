"""Outgoing e-mail: staged as a job after commit; an outbox in development."""

from app.mail import models  # noqa: F401
