"""The outage walk, run in a process of its own by tests/hardening/test_outages.py
(``python -m tests.hardening.outage_run '<settings json>'``; the rate limiter, the Redis
"down" memory and the tracking buffer are process-wide, so the test process is never left
with a dead address). Prints one JSON line: every answer, step by step.

The app reaches its database (and Redis, when the run has one) through a gate
(tests/hardening/gates.py) and its mail server at an address where nothing listens; it runs as
in production in one respect that matters here: PROPAGATE_EXCEPTIONS is off, so an error that
escapes every handler would be the server's bare 500 (recorded as ``escaped``).

Steps: ``up`` (everything answers), ``mail down`` (registration and a password reset, the two
pages that send mail), ``database down``, ``database and redis down``, ``redis down`` (the
database back).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from tests.hardening.gates import SqliteGate, TcpGate, free_port

WATCHED = (
    "Cache-Control",
    "Content-Security-Policy",
    "Referrer-Policy",
    "Retry-After",
    "X-Content-Type-Options",
    "X-Frame-Options",
)
TOKEN_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _token(client, page: str) -> str:
    return TOKEN_RE.search(client.get(page).get_data(as_text=True)).group(1)


def _answer(step: str, who: str, request: str, call) -> dict:
    try:
        response = call()
    except Exception as error:  # escaped every handler: gunicorn would send its bare 500
        return dict(step=step, who=who, request=request, status=500, escaped=repr(error))
    body = response.get_data(as_text=True)
    return dict(
        step=step,
        who=who,
        request=request,
        status=response.status_code,
        headers={name: response.headers.get(name) for name in WATCHED},
        mimetype=response.mimetype,
        json=response.get_json(silent=True) if response.is_json else None,
        traceback="Traceback" in body or "sqlalchemy" in body.lower(),
    )


class Walk:
    def __init__(self, app, accounts: dict):
        self.app, self.accounts, self.answers = app, accounts, []
        self.clients = {"visitor": app.test_client()}
        for who in ("kol", "finance"):
            client = app.test_client()
            login = {"email": accounts[who], "password": accounts["password"]}
            login["csrf_token"] = _token(client, "/auth/login")
            assert client.post("/auth/login", data=login).status_code == 302, who
            self.clients[who] = client
        self.kol_form_token = _token(self.clients["kol"], "/settings/api-keys")

    def get(self, step: str, who: str, url: str) -> None:
        if who == "api key":
            headers = {"Authorization": f"Bearer {self.accounts['api_key']}"}
            call = lambda: self.clients["visitor"].get(url, headers=headers)  # noqa: E731
        else:
            call = lambda: self.clients[who].get(url)  # noqa: E731
        self.answers.append(_answer(step, who, f"GET {url}", call))

    def post(self, step: str, who: str, url: str, data: dict, note: str = "") -> None:
        call = lambda: self.clients[who].post(url, data=data)  # noqa: E731
        self.answers.append(_answer(step, who, f"POST {url}{note}", call))

    def pages(self, step: str) -> None:
        """What the signed-in KOL, finance, an API key and a visitor ask for."""
        for url in ("/campaigns", "/contracts", "/notifications", "/settings/api-keys", "/nope"):
            self.get(step, "kol", url)
        for url in ("/finance/ledger", "/finance/ledger/export.csv"):
            self.get(step, "finance", url)
        for url in ("/api/v1/me", "/api/v1/contracts", "/api/v1/nope"):
            self.get(step, "api key", url)
        for url in ("/explore", "/campaigns", "/auth/login", "/api/v1/explore"):
            self.get(step, "visitor", url)
        forged = {"name": "k", "csrf_token": "forged"}
        self.post(step, "kol", "/settings/api-keys", forged, " (forged CSRF token)")
        form = {"name": "k", "csrf_token": self.kol_form_token}
        self.post(step, "kol", "/settings/api-keys", form)

    def mail(self, step: str) -> None:
        client = self.clients["visitor"]
        register = {
            "role": "shopper",
            "name": "New Shopper",
            "email": "new-shopper@example.com",
            "password": "a long passphrase 42",
            "confirm": "a long passphrase 42",
            "csrf_token": _token(client, "/auth/register"),
        }
        self.post(step, "visitor", "/auth/register", register)
        visitor = self.app.test_client()  # the registration signed the first one in
        self.clients["visitor"] = visitor
        forgot = {"email": self.accounts["kol"], "csrf_token": _token(visitor, "/auth/forgot")}
        self.post(step, "visitor", "/auth/forgot", forgot)

    def mail_waiting(self) -> int:
        """Reset mails to the KOL not sent (the server refused) whose delivery job waits."""
        from sqlalchemy import func, select

        from app.extensions import db
        from app.jobs import StagedJob
        from app.mail.models import Mail

        with self.app.app_context():
            unsent = select(Mail.id).where(
                Mail.recipient == self.accounts["kol"], Mail.sent_at.is_(None)
            )
            waiting = select(func.count()).where(
                StagedJob.name == "mail.deliver",
                StagedJob.status == "staged",
                StagedJob.kwargs["mail_id"].as_integer().in_(unsent),
            )
            return db.session.scalar(waiting)


def _accounts(app, sqlite: bool) -> dict:
    from app.extensions import db
    from tests.factories import PASSWORD, make_api_key, make_user

    with app.app_context():
        if sqlite:
            from flask_migrate import upgrade

            upgrade()
        kol, finance, brand = make_user("kol"), make_user("finance"), make_user("brand")
        accounts = dict(kol=kol.email, finance=finance.email, password=PASSWORD)
        accounts["api_key"] = make_api_key(brand)
        db.session.remove()
    return accounts


def main(settings: dict) -> dict:
    from app import create_app
    from app.extensions import db

    tmp = Path(settings["tmp"])
    sqlite = not settings["database"]
    database = SqliteGate(tmp / "db") if sqlite else TcpGate(settings["database"])
    redis = TcpGate(settings["redis"]) if settings["redis"] else None
    options = dict(
        SQLALCHEMY_DATABASE_URI=database.url,
        REDIS_URL=redis.url if redis else None,
        UPLOAD_DIR=str(tmp / "uploads"),
        PROPAGATE_EXCEPTIONS=False,
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=free_port(),
    )
    if not sqlite:
        options["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"connect_timeout": 2}}
    app = create_app("test", **options)
    walk = Walk(app, _accounts(app, sqlite))
    with app.app_context():
        database.engine = db.engine  # SQLite: its open handles are dropped with the file
    walk.pages("up")
    walk.mail("mail down")
    mail_waiting = walk.mail_waiting()
    database.close()
    walk.pages("database down")
    if redis:
        redis.close()
        walk.pages("database and redis down")
        database.reopen()
        walk.pages("redis down")
    return {"answers": walk.answers, "mail_waiting": mail_waiting}


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
