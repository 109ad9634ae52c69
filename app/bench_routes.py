"""The yardstick of `make bench`: a hello-world route served by the same app, configuration and
middleware as every other page. Registered only when the BENCH setting is on."""

from __future__ import annotations

from flask import Blueprint

from app.authz import PUBLIC, access

bp = Blueprint("bench", __name__)


@bp.get("/bench/hello")
@access(PUBLIC)
def hello():
    return "hello"
