"""Notifications: stored as codes with an e-mail in the recipient's language, read in the
reader's, the bell's unread count, marking read; a KOL hears the verification decision."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.mail.models import Mail
from app.notifications.messages import money
from app.notifications.models import Notification
from app.notifications.services import notify, unread_count
from app.profiles.services import submit_verification
from tests.conftest import post_form, signed_in
from tests.factories import make_kol, make_user
from tests.notifications.support import mailed_in, speaks, told


def test_notify_stores_the_notification_and_queues_an_email(app):
    user = make_user("brand")
    price = money(50000, "usd")
    notify(user_id=user.id, kind="bid.new", link="/bids/7", price=price, title="Serum")
    db.session.commit()
    stored = db.session.scalar(select(Notification).where(Notification.user_id == user.id))
    assert (stored.kind, stored.link, stored.read_at) == ("bid.new", "/bids/7", None)
    assert stored.params == {"price": {"amount": 50000, "currency": "usd"}, "title": "Serum"}
    mail = db.session.scalar(select(Mail).where(Mail.recipient == user.email))
    assert mail.subject == "New bid of $500.00 on “Serum”." and "/bids/7" in mail.body


def test_bell_counts_unread_and_the_page_marks_them_read(app):
    user, other = make_user("kol"), make_user("brand")
    for n in range(3):
        notify(
            user_id=user.id,
            kind="bid.counter",
            link=f"/bids/{n}",
            price=money(100 + n, "usd"),
            title=f"Serum {n} <script>x</script>",
        )
    theirs = notify(user_id=other.id, kind="bid.updated", link="/", t="Theirs")
    db.session.commit()
    client = signed_in(app, user)
    home = client.get("/notifications").get_data(as_text=True)
    assert 'class="bell-count">3<' in home
    assert "Serum 2 &lt;script&gt;" in home and "Theirs" not in home

    first = db.session.scalar(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    opened = post_form(
        client, f"/notifications/{first.id}/read", {"open": "1"}, page="/notifications"
    )
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/bids/0")
    assert unread_count(user.id) == 2
    assert (
        post_form(client, f"/notifications/{theirs.id}/read", page="/notifications").status_code
        == 404
    )
    post_form(client, "/notifications/read-all", page="/notifications")
    assert unread_count(user.id) == 0 and unread_count(other.id) == 1
    assert "bell-count" not in client.get("/notifications").get_data(as_text=True)


def test_notifications_page_paginates_and_has_an_empty_state(app):
    user = make_user("brand")
    client = signed_in(app, user)
    assert "No notifications yet" in client.get("/notifications").get_data(as_text=True)
    for n in range(30):
        notify(user_id=user.id, kind="contract.message", link="/", id=n + 100)
    db.session.commit()
    first_page = client.get("/notifications").get_data(as_text=True)
    assert "contract #129." in first_page and "contract #104." not in first_page
    assert "Page 1 of 2" in first_page
    assert "contract #104." in client.get("/notifications?page=2").get_data(as_text=True)
    assert db.session.scalar(select(func.count(Notification.id))) == 30


def test_the_bell_is_only_for_signed_in_users(app, client):
    assert "bell" not in client.get("/").get_data(as_text=True)
    assert client.get("/notifications").status_code == 302


def test_a_notification_reads_in_the_readers_language_whoever_caused_it(app):
    brand = speaks(make_user("brand"), "zh_Hans")
    price = money(123450, "cny")
    notify(user_id=brand.id, kind="bid.new", link="/bids/1", price=price, title="Serum")
    db.session.commit()
    mail = mailed_in(brand, "zh_Hans", "“Serum”", "¥1,234.50")  # the recipient's language
    assert "在 KOL 市集中查看" in mail.body
    client = signed_in(app, brand)
    assert "“Serum”收到新报价：¥1,234.50。" in client.get("/notifications").get_data(True)
    # The same stored row, read after switching to English: English, with the locale's symbol.
    post_form(client, "/lang/en", page="/notifications")
    assert "New bid of CN¥1,234.50 on “Serum”." in client.get("/notifications").get_data(True)


def test_a_row_stored_as_words_before_codes_still_shows(app):
    user = make_user("kol")
    db.session.add(Notification(user_id=user.id, kind="bid.new", text="Old words", link="/"))
    db.session.commit()
    assert "Old words" in signed_in(app, user).get("/notifications").get_data(as_text=True)


def test_an_unknown_kind_is_refused_before_anything_is_stored(app):
    user = make_user("kol")
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(user_id=user.id, kind="made.up", link="/")


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_the_kol_hears_the_verification_decision_in_their_language(app, decision):
    kol = speaks(make_kol(), "zh_Hans")
    request = submit_verification(user_id=kol.id, handles="xhs @lily", screenshot=None)
    db.session.commit()
    admin = signed_in(app, make_user("admin"))  # an admin reading English
    url = f"/admin/verifications/{request.id}"
    post_form(admin, url, {"decision": decision, "reason": "截图看不清"})
    [note] = told(kol)
    if decision == "approve":
        assert note.kind == "verification.approved" and note.link == "/campaigns"
        mailed_in(kol, "zh_Hans", "认证")
    else:
        assert note.kind == "verification.rejected" and note.params == {"reason": "截图看不清"}
        mailed_in(kol, "zh_Hans", "认证", "截图看不清")
