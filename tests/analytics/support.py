"""Builders for the analytics tests: published notes inserted directly, events, requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time

from sqlalchemy import func, select

from app.analytics.models import HourlyRollup
from app.auth.models import Role
from app.db_types import utcnow
from app.extensions import db
from app.notes.models import Note, NoteStatus
from tests.factories import make_campaign, make_deal, make_user

BROWSER = {
    "User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Accept-Language": "en-GB,en;q=0.9",
}


def campaign_for(brand=None, **overrides):
    brand = brand or make_user(Role.BRAND)
    values = dict(budget=2_000_000, notes_wanted=20)
    values.update(overrides)
    return make_campaign(brand, **values)


def published_note(campaign=None, kol=None, *, brand=None, funded=True, title="My glow routine"):
    campaign = campaign or campaign_for(brand)
    extra = {"funded_at": utcnow()} if funded else {}
    stage = "funded" if funded else "awaiting_funding"
    deal = make_deal(stage, campaign=campaign, kol=kol, contract_fields=extra)
    contract, kol = deal.contract, deal.kol
    note = Note(
        contract_id=contract.id,
        campaign_id=campaign.id,
        kol_id=kol.id,
        brand_id=campaign.brand_id,
        category=campaign.category,
        title=title,
        body="Three weeks with the serum. #ad",
        hashtags="#glowserum",
        slug="my-glow-routine",
        tracking_code=secrets.token_hex(5),
        status=NoteStatus.PUBLISHED,
        published_at=utcnow(),
    )
    db.session.add(note)
    db.session.commit()
    return note


def event(note, kind="view", *, visitor="a" * 32, at=None, bot=False, event_id=None) -> dict:
    return {
        "id": event_id or secrets.token_hex(12),
        "k": kind,
        "t": at if at is not None else time.time(),
        "n": note.id,
        "c": note.contract_id,
        "p": note.campaign_id,
        "u": note.kol_id,
        "v": visitor,
        "b": 1 if bot else 0,
    }


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def random_drains(rng, notes, visitors, *, sizes: tuple[int, int], when) -> list[list[dict]]:
    """Four drains of random traffic: views and some clicks and bots on ``notes`` by
    ``visitors`` at ``when(minute offset drawn by rng)``, with ids repeated or replayed."""
    drains, made = [], []
    for _drain in range(4):
        events = []
        for _ in range(rng.randrange(*sizes)):
            if made and rng.random() < 0.1:
                events.append(rng.choice(made))  # a repeated or replayed id
                continue
            kind = "click" if rng.random() < 0.1 else "view"
            made.append(
                event(rng.choice(notes), kind, visitor=rng.choice(visitors), at=when(rng),
                      bot=rng.random() < 0.1)
            )  # fmt: skip
            events.append(made[-1])
        drains.append(events)
    return drains


def fail_acks(client, monkeypatch):
    """The client's pipelines fail on execute from now on, as if the writer was killed after
    its commit and before its XACK; returns the real ``client.pipeline`` to put back."""
    real_pipeline = client.pipeline

    class AckFails:
        def __init__(self, *a, **k):
            self.inner = real_pipeline(*a, **k)

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def execute(self):
            raise ConnectionError("killed before XACK")

    monkeypatch.setattr(client, "pipeline", AckFails)
    return real_pipeline


def crash_after_ingest(monkeypatch):
    """The writer stores a chunk and dies before it commits (rolled back, nothing
    acknowledged); returns the real ``rollups.ingest_rows`` to put back."""
    from app.analytics import rollups

    real = rollups.ingest_rows

    def crash(rows):
        real(rows)
        raise RuntimeError("writer killed mid-batch")

    monkeypatch.setattr(rollups, "ingest_rows", crash)
    return real


def totals(note_id):
    row = db.session.execute(
        select(
            func.coalesce(func.sum(HourlyRollup.views), 0),
            func.coalesce(func.sum(HourlyRollup.uniques), 0),
            func.coalesce(func.sum(HourlyRollup.clicks), 0),
            func.coalesce(func.sum(HourlyRollup.bot_views), 0),
        ).where(HourlyRollup.note_id == note_id)
    ).one()
    return dict(zip(("views", "uniques", "clicks", "bot_views"), map(int, row), strict=True))


def signed_post(client, payload, secret="edge-secret", **headers):  # noqa: S107
    body = json.dumps(payload).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        "/api/v1/events/batch",
        data=body,
        content_type="application/json",
        headers={"X-Signature": f"sha256={signature}", **headers},
    )


def hit(code, n, kind="view", **extra):
    return {"type": kind, "event_id": f"edge-{n:06d}", "code": code, "visitor": f"v{n}", **extra}
