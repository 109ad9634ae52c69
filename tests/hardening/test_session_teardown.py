"""A database that goes away after the view built its answer (PostgreSQL restarted between the
view and the end of the request, as `make chaos` does) must not turn that answer into the
server's bare 500: the ROLLBACK that ends the request's session fails, and nothing is lost by
that. Here the ROLLBACK finds its connection gone, as psycopg's does when the server shuts
down ("terminating connection due to administrator command"): SQLAlchemy invalidates it."""

from __future__ import annotations

import sqlite3

from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.conftest import FreshContextClient


def test_a_rollback_failing_at_the_end_of_a_request_keeps_its_answer(tmp_path):
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'own.sqlite3'}",
        REDIS_URL=None,
        UPLOAD_DIR=str(tmp_path / "uploads"),
        SERVER_NAME="localhost",
    )
    app.test_client_class = FreshContextClient
    armed: list[bool] = []

    @app.after_request
    def server_shuts_down(response):  # the view is done, its answer built
        armed.append(True)
        return response

    with app.app_context():
        upgrade()
        dialect = db.engine.dialect
    client = app.test_client()
    real_rollback, failures = dialect.do_rollback, []

    def server_gone(connection):
        if armed and not failures:  # the first ROLLBACK after the view: the server is gone
            failures.append(connection)
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        real_rollback(connection)

    dialect.do_rollback = server_gone
    try:
        answer = client.get("/explore")  # reads the database: a transaction is open
    finally:
        dialect.do_rollback = real_rollback
    assert failures, "the request ended without a rollback: the test proves nothing"
    assert answer.status_code == 200
    assert "Traceback" not in answer.get_data(as_text=True)
    # The lost connection was released: the next requests are served as usual.
    assert [client.get(p).status_code for p in ("/explore", "/healthz")] == [200, 200]
