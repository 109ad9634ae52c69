"""`flask serve-demo`, the server of `make run` (the embedded default): Flask's development
server, the scheduled steps in a thread of this one process (app/scheduler.py), and the demo
logins printed once it listens, as the last lines before the request log."""

from __future__ import annotations

import signal

import click
from flask import current_app
from werkzeug.serving import make_server

from app.extensions import db


@click.command("serve-demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve_demo_command(host: str, port: int) -> None:
    """Serve the embedded default with its scheduler (`make run`; production: make serve)."""
    from app.scheduler import EmbeddedScheduler
    from app.seed import logins_block

    app = current_app._get_current_object()
    if app.config["ENV_NAME"] == "production":
        raise click.ClickException("production runs make serve and make scheduler (one each)")
    scheduler = EmbeddedScheduler(app)
    scheduler.run_due()  # catch up at once (a demo stopped for days), before the banner
    server = make_server(host, port, app, threaded=True)  # listening from here on
    scheduler.start()
    server.log_startup()
    click.echo(f"\nKOL Market is ready: http://{host}:{port}  (Ctrl+C stops it)")
    click.echo(logins_block() + "\n")
    db.session.remove()  # end this command's read: SQLite transactions lock the file for writes
    # Ctrl+C and a supervisor's SIGTERM both stop it cleanly, even when a non-interactive shell
    # started it in the background (which leaves SIGINT ignored, and Python then ignores it too).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        scheduler.stop()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
