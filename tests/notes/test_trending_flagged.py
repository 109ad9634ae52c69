"""Trending excludes flagged engagement (issue 24): likes, saves and comments from new
accounts are counted on the note but never lift it in /explore's Trending tab or the feed."""

from datetime import timedelta

from app.auth.models import Role
from app.db_types import utcnow
from app.engagement import comments, services
from app.extensions import db
from app.notes import queries
from tests.engagement.support import member
from tests.factories import make_user
from tests.notes.support import funded_contract, published_note


def _publish(brand, title: str, published_at):
    note = published_note(funded_contract(brand=brand), title=title)
    note.published_at = published_at
    db.session.commit()
    return note


def _engage(note, users, *, comment: bool = True) -> None:
    for user in users:
        services.like(user, note.id)
        services.save(user, note.id)
        if comment:
            comments.add_comment(note_id=note.id, user_id=user.id, body="so good")
    db.session.commit()


def test_a_burst_from_new_accounts_does_not_lift_a_note(client):
    brand = make_user("brand")
    at = utcnow() - timedelta(hours=5)
    botted = _publish(brand, "Botted", at)
    genuine = _publish(brand, "Genuine", at)
    _publish(brand, "Quiet", at)
    _engage(botted, [member(Role.SHOPPER, days_old=0) for _ in range(6)])  # flagged
    _engage(genuine, [member()], comment=False)
    ranked = [n.title for n in queries.explore_page(tab="trending").items]
    assert ranked[0] == "Genuine"
    assert ranked.index("Botted") > ranked.index("Genuine")
    html = client.get("/explore?tab=trending").get_data(as_text=True)
    assert html.index("Genuine") < html.index("Botted")
