"""The end of a request's database session when the database went away under it.

Flask-SQLAlchemy ends every app context with ``db.session.remove()``, which rolls back the
transaction still open. When PostgreSQL shuts down (a restart, a failover) after the view has
built its answer, that ROLLBACK raises, the error escapes Flask after every error handler, and
gunicorn sends its bare 500 page instead of the answer (found by `make chaos`). A rollback that
fails loses nothing: the server has already ended the transaction. So the answer stands and the
broken connection is discarded (invalidated), never handed to another request.
"""

from __future__ import annotations

import contextlib
import logging

from flask import Flask
from sqlalchemy.exc import DBAPIError

from app.extensions import db

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Call after ``db.init_app``: teardowns run in reverse order of registration, so this one
    ends the session first and Flask-SQLAlchemy's own ``remove()`` finds nothing left to do."""
    app.teardown_appcontext(end_session)


def end_session(_error: BaseException | None = None) -> None:
    try:
        db.session.remove()
    except DBAPIError as error:
        log.warning("the database connection was lost at the end of the request: %s", error.orig)
        with contextlib.suppress(DBAPIError):
            db.session.registry().invalidate()  # discarded, never handed to the next request
        db.session.registry.clear()
