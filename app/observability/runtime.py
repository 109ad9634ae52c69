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


def warm_up(app) -> dict[str, int]:
    """Do once, in the gunicorn master before it forks, what every worker would otherwise do on
    its first requests: compile every template and load every language's catalogue. Workers
    inherit the result (copy-on-write), so a fresh or recycled worker serves its first page as
    fast as its thousandth instead of stalling its connections for hundreds of milliseconds.
    Opens no database or Redis connection."""
    from flask_babel import get_translations

    templates = 0
    for name in app.jinja_env.list_templates(extensions=("html", "txt", "xml", "js")):
        app.jinja_env.get_template(name)
        templates += 1
    languages = 0
    for code in app.config["LANGUAGES"]:
        with app.test_request_context("/", headers={"Cookie": f"lang={code}"}):
            get_translations()  # flask-babel keeps each language's catalogue per process
            languages += 1
    return {"templates": templates, "languages": languages}
