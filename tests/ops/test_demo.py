"""`make run` as a newcomer meets it: `flask seed` on a fresh SQLite leaves nothing in the outbox
and links in its mails absolute, `flask serve-demo` ends its output with every demo login (the
README lists exactly those) and stays healthy."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.jobs import StagedJob
from app.mail.models import Mail
from app.observability.health import health
from app.seed import DEMO_PASSWORD, demo_logins

# Its own SQLite file, as `make run`'s, whatever the suite's database: the SQLite pass only
# (conftest `once`).
pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parents[2]
README_LOGIN = re.compile(r"^\| (\w+)\s*\| `([^`]+@demo\.kol\.test)`", re.M)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, demo_seed):
    """A fresh SQLite file, migrated and seeded by the CLI as `make run` does (a copy of the
    run's one seeded file, tests/conftest.py ``demo_seed``)."""
    tmp = tmp_path_factory.mktemp("seeded")
    url, uploads, output = demo_seed(tmp)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=uploads, REDIS_URL=None)
    return app, output, url, tmp


def test_the_seed_leaves_no_job_staged_and_health_stays_ok(seeded):
    app, _output, _url, _tmp = seeded
    with app.app_context():
        waiting = db.session.scalars(select(StagedJob).where(StagedJob.status != "done")).all()
        assert [(job.name, job.kwargs) for job in waiting] == []
        app.config["HEALTH_OUTBOX_MAX_AGE"] = 0  # "five minutes later", now
        body, status = health()
    assert status == 200 and body["status"] == "ok"
    assert body["outbox"]["waiting"] == 0


def test_every_mail_the_seed_wrote_links_to_the_public_address(seeded):
    app = seeded[0]
    with app.app_context():
        bodies = db.session.scalars(select(Mail.body)).all()
    links = [
        line.rsplit(" ", 1)[-1] for body in bodies for line in body.splitlines() if ": " in line
    ]
    links = [link for link in links if "/" in link]
    assert len(links) >= 10
    assert [link for link in links if not link.startswith("http://127.0.0.1:5000/")] == []


def test_the_readme_lists_exactly_the_demo_accounts_the_seed_creates(seeded):
    app, output, _url, _tmp = seeded
    readme = (ROOT / "README.md").read_text("utf-8")
    listed = README_LOGIN.findall(readme)
    with app.app_context():
        created = demo_logins()
    assert listed == created
    assert len(created) == 16  # 12 accounts, a brand team (2) and an agency (2)
    assert f"password for all of them is `{DEMO_PASSWORD}`" in readme
    for role, email in created:  # `flask seed` prints them all too
        assert re.search(rf"^  {role}\s+{re.escape(email)}$", output, re.M)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_demo_prints_every_login_last_answers_healthy_and_stops_on_a_signal(seeded, stop):
    app, _output, url, tmp = seeded
    with app.app_context():
        created = demo_logins()
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DATABASE_URL": url, "INSTANCE_PATH": str(tmp), "FLASK_SKIP_DOTENV": "1",
        "FLASK_APP": "wsgi.py", "APP_ENV": "development", "UPLOAD_DIR": str(tmp / "up"),
        "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    flask = str(Path(sys.executable).parent / "flask")
    # Started as CI's runner or a script starts it (`cmd &` in a non-interactive shell): with SIGINT
    # ignored, which the child inherits through exec.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        server = subprocess.Popen(
            [flask, "serve-demo", "--port", str(port)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (lines and lines[-1].endswith(created[-1][1])):
            line = server.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
        block = lines[lines.index(f"Demo logins (password for all: {DEMO_PASSWORD}):") + 1 :]
        assert [tuple(line.split()) for line in block] == created
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert json.loads(answer.read())["status"] == "ok"
        server.send_signal(stop)  # Ctrl+C or a supervisor: the server and its scheduler stop
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=30)


def test_the_demo_has_published_notes_with_covers_and_weeks_of_traffic(seeded):
    """Enough to look at (issue 20): ~30 published notes across categories, each with a cover
    whose pixels are known, and views, clicks and orders spread over the last weeks."""
    from app.analytics.models import Conversion, HourlyRollup
    from app.campaigns.models import Campaign
    from app.notes.models import Note, NoteStatus

    app = seeded[0]
    with app.app_context():
        published = db.session.scalars(select(Note).where(Note.status == NoteStatus.PUBLISHED))
        published = published.all()
        assert len(published) >= 28
        assert len({note.category for note in published}) >= 5
        assert all(note.images and note.images[0].width for note in published)
        hours = db.session.scalars(select(HourlyRollup.hour).where(HourlyRollup.views > 0)).all()
        assert len({hour.date() for hour in hours}) >= 14
        assert db.session.scalar(select(func.count()).select_from(Conversion)) > 0
        # A skincare brand's campaigns ask for skincare hashtags, a café's for its own.
        campaigns = db.session.execute(select(Campaign.title, Campaign.required_hashtags)).all()
        for title, tags in campaigns:
            if "glowserum" in tags:
                assert "Glow" in title, title


def test_the_demo_brand_has_a_team_and_an_agency_two_brands_granted(seeded):
    from app.auth.models import User
    from app.orgs.models import AgencyGrant, Membership, Organisation, OrgKind

    app = seeded[0]
    with app.app_context():

        def role_of(local):
            user = db.session.scalar(select(User).where(User.email == f"{local}@demo.kol.test"))
            membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
            return db.session.get(Organisation, membership.organisation_id), membership.role.value

        blossom, owner = role_of("brand")
        assert (role_of("manager"), role_of("analyst")) == (
            (blossom, "manager"),
            (blossom, "analyst"),
        )
        assert owner == "owner"
        agency, _ = role_of("agent")
        assert agency.kind == OrgKind.AGENCY and role_of("agency") == (agency, "owner")
        granted = db.session.scalars(
            select(AgencyGrant.brand_organisation_id).where(AgencyGrant.agency_id == agency.id)
        ).all()
        names = {db.session.get(Organisation, org_id).name for org_id in granted}
        assert names == {"Blossom Skincare", "Bean & Leaf Café"}
