"""Audience quality from our own data (issue 24): engagement rate on the KOL's notes here
against their verified followers and the share of it that is flagged, shown in Find KOLs, on
the KOL's page and in the media kit; a KOL whose engagement is mostly flagged is listed for
review in the admin's queue."""

from app.analytics.rollups import hour_of
from app.auth.models import Role
from app.db_types import utcnow
from app.engagement import pipeline, services
from app.extensions import db
from app.profiles.audience import audience_quality
from tests.analytics.support import published_note
from tests.conftest import sign_in, signed_in
from tests.engagement.support import member
from tests.factories import make_kol, make_user


def _rolled(note, **counters) -> None:
    """Engagement already counted into the note's rollup (as the engagement writer does)."""
    pipeline.add_to_rollups(
        [{"note_id": note.id, "hour": hour_of(utcnow()), "contract_id": note.contract_id,
          "campaign_id": note.campaign_id, "kol_id": note.kol_id,
          **dict.fromkeys(pipeline.ENGAGEMENT_COUNTERS, 0), **counters}]
    )  # fmt: skip
    db.session.commit()


def test_engagement_rate_and_flagged_share_from_likes_here(app, client):
    kol = make_kol(verified=True, followers=1_000)
    note = published_note(kol=kol)
    for user in [member(), member(), member(), member(Role.SHOPPER, days_old=0)]:
        services.like(user, note.id)
    db.session.commit()
    quality = audience_quality([kol.id])[kol.id]
    assert (quality.engagements, quality.flagged) == (4, 1)
    assert quality.engagement_rate == 3 / 1_000 and quality.flagged_share == 0.25
    page = client.get(f"/kols/{kol.id}").get_data(as_text=True)
    assert "0.3%" in page and "flagged 25%" in page
    brand = signed_in(app, make_user("brand"))
    assert "flagged 25%" in brand.get("/kols").get_data(as_text=True)
    sign_in(client, kol)
    assert "flagged 25%" in client.get("/analytics/media-kit").get_data(as_text=True)


def test_the_flagged_share_counts_the_same_things_as_the_engagements(app, client):
    """New accounts' purchases are flagged too: the whole counts them, so it stays <= 100 %."""
    kol = make_kol(verified=True, followers=1_000)
    note = published_note(kol=kol)
    _rolled(note, likes=10, bought=6, flagged_engagements=16)  # all from brand-new accounts
    quality = audience_quality([kol.id])[kol.id]
    assert (quality.engagements, quality.flagged) == (16, 16)
    assert quality.flagged_share == 1.0 and quality.engagement_rate == 0
    assert "flagged 100%" in client.get(f"/kols/{kol.id}").get_data(as_text=True)


def test_mostly_flagged_engagement_is_marked_for_review(app, client):
    bought = make_kol(verified=True, followers=50_000)
    honest = make_kol(verified=True, followers=50_000)
    _rolled(published_note(kol=bought), likes=30, saves=10, flagged_engagements=31)
    _rolled(published_note(kol=honest), likes=30, saves=10, flagged_engagements=2)
    admin = signed_in(app, make_user("admin"))
    queue = admin.get("/admin/verifications").get_data(as_text=True)
    review = queue[queue.index('id="audience-review"') :]
    assert f"/kols/{bought.id}" in review and f"/kols/{honest.id}" not in review
    assert "under review" in client.get(f"/kols/{bought.id}").get_data(as_text=True)
    assert "under review" not in client.get(f"/kols/{honest.id}").get_data(as_text=True)


def test_a_kol_without_notes_here_has_no_figures(client):
    kol = make_kol(verified=True)
    assert audience_quality([kol.id]) == {}
    assert "No engagement on our notes yet" in client.get(f"/kols/{kol.id}").get_data(as_text=True)


def _bought(user, *notes) -> None:
    for note in notes:
        services.save(user, note.id, None)
        services.mark_bought(user, note.id)
    db.session.commit()


def test_share_of_engagers_who_are_repeat_genuine_shoppers(app, client):
    kol = make_kol(verified=True, followers=1_000)
    note, elsewhere = published_note(kol=kol), published_note()
    repeat, once, lurker = member(), member(), member()
    newcomer = member(days_old=0)  # buys twice, but as an account too new to trust
    _bought(repeat, note, elsewhere)
    _bought(once, note)
    _bought(newcomer, note, elsewhere)
    services.like(lurker, note.id)
    db.session.commit()
    quality = audience_quality([kol.id])[kol.id]
    # Engagers not flagged: repeat, once, lurker (the newcomer's engagement is flagged).
    assert (quality.engagers, quality.repeat_shoppers) == (3, 1)
    assert "repeat shoppers 33%" in client.get(f"/kols/{kol.id}").get_data(as_text=True)
    brand = signed_in(app, make_user("brand"))
    assert "repeat shoppers 33%" in brand.get("/kols").get_data(as_text=True)
