"""Recommendations from behaviour (issue 24): For you on the feed, related notes on a note
page, KOLs like the ones that sold for a brand, all served from rows the scheduled job wrote;
flagged engagement never feeds them; the offline evaluation beats the popularity baseline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.analytics.models import Conversion
from app.auth.models import Role
from app.db_types import utcnow
from app.engagement import services
from app.engagement.shoppers import update_shopper_profile
from app.extensions import db
from app.profiles.models import KolNiche, KolProfile
from app.recommend import evaluate
from app.recommend.jobs import recompute_recommendations
from app.recommend.models import NoteRecommendation, RelatedNote
from app.scheduler import SCHEDULE
from tests.analytics.support import campaign_for
from tests.conftest import sign_in
from tests.engagement.support import member, page, published_note
from tests.factories import make_kol, make_user


def note_in(category: str, title: str, *, campaign=None, kol=None):
    return published_note(campaign or campaign_for(category=category), kol, title=title)


def liked_by(people, *notes) -> None:
    for person in people:
        for note in notes:
            services.like(person, note.id)
    db.session.commit()


@pytest.fixture
def skincare():
    """Four beauty notes: serum and toner liked together by the same five people."""
    notes = {t: note_in("beauty", t) for t in ("Serum", "Toner", "Lipstick", "Perfume")}
    liked_by([member() for _ in range(5)], notes["Serum"], notes["Toner"])
    liked_by([member() for _ in range(2)], notes["Lipstick"])
    return notes


def recommended(user) -> list[int]:
    stmt = select(NoteRecommendation.note_id).where(NoteRecommendation.user_id == user.id)
    return list(db.session.scalars(stmt.order_by(NoteRecommendation.rank)))


def test_for_you_puts_what_people_with_the_same_taste_liked_first(client, skincare):
    viewer = member()
    liked_by([viewer], skincare["Serum"])
    recompute_recommendations()
    assert recommended(viewer)[0] == skincare["Toner"].id
    assert skincare["Serum"].id not in recommended(viewer)  # already liked
    sign_in(client, viewer)
    html = client.get("/feed?tab=foryou").get_data(as_text=True)
    assert "For you" in html
    assert html.index("Toner") < html.index("Lipstick")


def test_flagged_engagement_never_feeds_recommendations(client, skincare):
    viewer = member()
    liked_by([viewer], skincare["Serum"])
    # A burst of brand-new accounts liking serum and perfume together.
    liked_by([member(days_old=0) for _ in range(8)], skincare["Serum"], skincare["Perfume"])
    recompute_recommendations()
    related = db.session.scalars(
        select(RelatedNote.related_id).where(RelatedNote.note_id == skincare["Serum"].id)
    ).all()
    assert skincare["Toner"].id in related and skincare["Perfume"].id not in related
    assert skincare["Perfume"].id not in recommended(viewer)


def test_someone_without_history_gets_what_trends_in_their_interests(client):
    note_in("food", "Dumpling tour")
    note_in("fitness", "Leg day")
    viewer = member()
    update_shopper_profile(user_id=viewer.id, display_name="Me", interests=["food"])
    db.session.commit()
    recompute_recommendations()
    sign_in(client, viewer)
    html = client.get("/feed?tab=foryou").get_data(as_text=True)
    assert "Dumpling tour" in html and "Leg day" not in html


def test_the_note_page_shows_co_engaged_notes_first_then_its_category(client, skincare):
    other = note_in("beauty", "Sunscreen")
    recompute_recommendations()
    html = client.get(page(skincare["Serum"])).get_data(as_text=True)
    related = html[html.index("Related") :]
    assert related.index("Toner") < related.index("Sunscreen")
    # A note nobody engaged with still has related notes: its category.
    lonely = client.get(page(other)).get_data(as_text=True)
    assert "Serum" in lonely[lonely.index("Related") :]


def test_the_job_is_scheduled_and_gives_the_same_rows_twice(skincare):
    assert "recommendations" in {step.name for step in SCHEDULE}
    viewer = member()
    liked_by([viewer], skincare["Serum"])
    first = recompute_recommendations()
    rows = recommended(viewer)
    assert recompute_recommendations() == first and recommended(viewer) == rows


def _kol(niche: str, rate: int, name: str):
    kol = make_kol(verified=True, name=name)
    db.session.add(KolNiche(kol_id=kol.id, niche=niche))
    db.session.get(KolProfile, kol.id).rate_image = rate
    db.session.commit()
    return kol


def test_brands_see_kols_like_the_ones_that_sold_for_them_with_the_reason(client):
    brand = make_user(Role.BRAND)
    seller = _kol("beauty", 50_000, "Seller Sam")
    twin, _stranger = _kol("beauty", 60_000, "Twin Tia"), _kol("travel", 0, "Stranger Sid")
    sold = note_in(
        "beauty", "Seller note", campaign=campaign_for(brand, category="beauty"), kol=seller
    )
    twin_note = note_in("beauty", "Twin note", kol=twin)
    liked_by([member() for _ in range(3)], sold, twin_note)  # a shared audience
    for i in range(4):
        db.session.add(
            Conversion(
                brand_id=brand.id,
                order_id=f"o{i}",
                value=5000,
                currency="usd",
                occurred_at=utcnow() - timedelta(hours=i),
                note_id=sold.id,
                campaign_id=sold.campaign_id,
                attributed=True,
                confirmed=True,
            )
        )
    db.session.commit()
    recompute_recommendations()
    sign_in(client, brand)
    assert "/kols/like-sold" in client.get("/kols").get_data(as_text=True)
    section = client.get("/kols/like-sold").get_data(as_text=True)
    assert "Twin Tia" in section
    assert "3 people engage with both of them" in section
    assert "Like Seller Sam, whose notes brought you 4 orders" in section
    assert "Stranger Sid" not in section  # nothing in common with the KOL who sold


def test_a_brand_without_sales_is_told_why_the_list_is_empty(client):
    sign_in(client, make_user(Role.BRAND))
    html = client.get("/kols/like-sold").get_data(as_text=True)
    assert "once notes in your campaigns bring confirmed orders" in html


def test_the_recommender_beats_popularity_on_generated_taste_clusters():
    result = evaluate.evaluate(evaluate.generate(seed=7, users=150))
    assert result["people"] > 100
    assert result["recommender"].recall > result["popularity"].recall
    assert result["recommender"].ndcg > result["popularity"].ndcg


def test_the_evaluate_command_reports_both_figures(app):
    out = app.test_cli_runner().invoke(args=["recommend", "evaluate", "--users", "120"])
    assert out.exit_code == 0, out.output
    assert "recall@20" in out.output and "popularity" in out.output
    assert "recommender" in out.output


def test_the_evaluate_command_runs_on_the_stored_engagement(app, skincare):
    out = app.test_cli_runner().invoke(args=["recommend", "evaluate", "--real", "--holdout", "1"])
    assert out.exit_code == 0, out.output
    assert "the database" in out.output


def test_the_api_lists_related_notes_as_the_page_does(client, skincare):
    recompute_recommendations()
    answer = client.get(f"/api/v1/notes/{skincare['Serum'].id}/related")
    assert answer.status_code == 200
    titles = [n["title"] for n in answer.get_json()["items"]]
    assert titles[0] == "Toner" and "Serum" not in titles
    assert client.get("/api/v1/notes/999999/related").status_code == 404
    too_many = client.get(f"/api/v1/notes/{skincare['Serum'].id}/related?limit=13")
    assert too_many.status_code == 422 and "limit" in too_many.get_data(as_text=True)


def test_views_count_but_not_those_of_new_accounts_or_bots(client):
    from app.analytics.rollups import ingest_events
    from tests.analytics.support import event

    serum, toner, perfume, lipstick = (
        note_in("beauty", t) for t in ("Serum", "Toner", "Perfume", "Lipstick")
    )

    def viewed(person, *notes, bot=False):
        return [{**event(n, visitor=f"{person.id:032x}", bot=bot), "uid": person.id} for n in notes]

    hits = []
    for person in [member() for _ in range(4)]:
        hits += viewed(person, serum, toner)
    for person in [member(days_old=0) for _ in range(6)]:
        hits += viewed(person, serum, perfume)
    for person in [member() for _ in range(6)]:
        hits += viewed(person, serum, lipstick, bot=True)
    ingest_events(hits)
    db.session.commit()
    recompute_recommendations()
    related = db.session.scalars(
        select(RelatedNote.related_id).where(RelatedNote.note_id == serum.id)
    ).all()
    assert related == [toner.id]
