"""A burst of engagement from new accounts on one note (issue 24): flagged on the brand's
dashboard and notified once to the brand and every admin; ordinary engagement is not."""

from __future__ import annotations

from sqlalchemy import select

from app.analytics.bursts import BURST_MIN, notify_bursts
from app.auth.models import Role
from app.engagement import services
from app.extensions import db
from app.notifications.models import Notification
from app.scheduler import SCHEDULE
from tests.conftest import signed_in
from tests.engagement.support import member, published_note
from tests.factories import make_user


def _liked(note, people) -> None:
    for person in people:
        services.like(person, note.id)
    db.session.commit()


def _told(user) -> list[str]:
    rows = db.session.scalars(
        select(Notification).where(
            Notification.user_id == user.id, Notification.kind == "engagement.burst"
        )
    )
    return [n.message for n in rows]


def test_new_accounts_piling_on_one_note_are_flagged_to_the_brand_and_admin(app):
    admin = make_user(Role.ADMIN)
    note = published_note(title="Glow serum")
    _liked(note, [member(days_old=0) for _ in range(BURST_MIN)])
    assert "engagement-bursts" in {step.name for step in SCHEDULE}
    assert notify_bursts() == 1
    brand = db.session.get(type(admin), note.brand_id)
    assert len(_told(brand)) == 1 and "“Glow serum”" in _told(brand)[0]
    assert len(_told(admin)) == 1
    assert notify_bursts() == 0  # told once
    assert len(_told(brand)) == 1
    page = signed_in(app, brand).get(f"/analytics/campaigns/{note.campaign_id}")
    assert "Burst of engagement from new accounts" in page.get_data(as_text=True)


def test_a_few_new_accounts_among_many_trusted_ones_are_no_burst(app):
    admin = make_user(Role.ADMIN)
    note = published_note()
    _liked(note, [member() for _ in range(2 * BURST_MIN + 2)])
    _liked(note, [member(days_old=0) for _ in range(BURST_MIN)])
    assert notify_bursts() == 0
    assert _told(admin) == []
    brand = db.session.get(type(admin), note.brand_id)
    page = signed_in(app, brand).get(f"/analytics/campaigns/{note.campaign_id}")
    assert "Burst of engagement from new accounts" not in page.get_data(as_text=True)
