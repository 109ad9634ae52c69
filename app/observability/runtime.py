"""Process hooks for gunicorn (see gunicorn.conf.py)."""

from __future__ import annotations

import sys


def dispose_inherited_connections() -> None:
    """After a fork: drop pooled connections copied from the master (preload) without closing
    them under the master's feet; the worker opens its own on first use."""
    wsgi = sys.modules.get("wsgi")
    app = getattr(wsgi, "app", None)
    if app is None:
        return
    from app.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
