"""In-app notifications (the bell) and their e-mails."""

from app.notifications import models  # noqa: F401
