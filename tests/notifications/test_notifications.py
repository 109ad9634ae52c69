"""Notifications: stored with an e-mail, the bell's unread count, marking read."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.mail.models import Mail
from app.notifications.models import Notification
from app.notifications.services import notify, unread_count
from tests.conftest import post_form, signed_in
from tests.factories import make_user


def test_notify_stores_the_notification_and_queues_an_email(app):
    user = make_user("brand")
    notify(user_id=user.id, kind="bid.new", text="New bid of $500.00 on “Serum”.", link="/bids/7")
    db.session.commit()
    stored = db.session.scalar(select(Notification).where(Notification.user_id == user.id))
    assert (stored.kind, stored.link, stored.read_at) == ("bid.new", "/bids/7", None)
    mail = db.session.scalar(select(Mail).where(Mail.recipient == user.email))
    assert mail.subject.startswith("New bid of $500.00") and "/bids/7" in mail.body


def test_bell_counts_unread_and_the_page_marks_them_read(app):
    user, other = make_user("kol"), make_user("brand")
    for n in range(3):
        notify(
            user_id=user.id,
            kind="bid.counter",
            text=f"Counter-offer {n} <script>x</script>",
            link=f"/bids/{n}",
        )
    theirs = notify(user_id=other.id, kind="bid.new", text="Theirs", link="/")
    db.session.commit()
    client = signed_in(app, user)
    home = client.get("/notifications").get_data(as_text=True)
    assert 'class="bell-count">3<' in home
    assert "Counter-offer 2 &lt;script&gt;" in home and "Theirs" not in home

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
        notify(user_id=user.id, kind="contract.message", text=f"Message number {n}.", link="/")
    db.session.commit()
    first_page = client.get("/notifications").get_data(as_text=True)
    assert "Message number 29." in first_page and "Message number 4." not in first_page
    assert "Page 1 of 2" in first_page
    assert "Message number 4." in client.get("/notifications?page=2").get_data(as_text=True)
    assert db.session.scalar(select(func.count(Notification.id))) == 30


def test_the_bell_is_only_for_signed_in_users(app, client):
    assert "bell" not in client.get("/").get_data(as_text=True)
    assert client.get("/notifications").status_code == 302
