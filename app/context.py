"""The app context for code that runs outside a request: jobs, scheduled steps, scripts.

A job run by an RQ work-horse of ``make worker`` (app/worker.py) already has the app's context;
the same job run by ``rq cron``, a plain ``rq worker`` or a script has none and builds the app
here (app/worker.py builds its app here too). The one place besides wsgi.py that calls
``create_app``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, has_app_context

P = ParamSpec("P")
R = TypeVar("R")


def new_app() -> Flask:
    """The app, configured from the environment."""
    # Imported here, not at the top: app/__init__.py imports app.jobs, which uses this module,
    # before create_app exists.
    from app import create_app

    return create_app()


def in_app_context(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` in the current app context, or in a new app's when there is none."""

    @wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if has_app_context():
            return func(*args, **kwargs)
        with new_app().app_context():
            return func(*args, **kwargs)

    return run
