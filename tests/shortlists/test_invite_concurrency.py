"""Two tabs inviting overlapping shortlists to one campaign at the same moment: every KOL is
invited and told exactly once (the campaign row lock serialises them; PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.notifications.models import Notification
from app.shortlists import services
from app.shortlists.models import Shortlist, ShortlistMember
from tests.factories import make_campaign, make_user
from tests.shortlists.support import invitations_of, named_kol


@pytest.mark.postgres
def test_overlapping_shortlists_invited_at_once_invite_nobody_twice(committing_app):
    app = committing_app
    with app.app_context():
        brand = make_user("brand")
        kols = [named_kol(f"Both {i}").id for i in range(6)]
        campaign_id = make_campaign(brand, invite_only=True).id
        lists = []
        for name, members in (("First", kols[:4]), ("Second", kols[2:])):
            shortlist = Shortlist(brand_id=brand.id, name=name)
            shortlist.members = [ShortlistMember(kol_id=k) for k in members]
            db.session.add(shortlist)
            db.session.commit()
            lists.append(shortlist.id)
        brand_id = brand.id
        db.session.remove()

    barrier = threading.Barrier(len(lists))
    results, lock = [], threading.Lock()

    def invite(shortlist_id: int) -> None:
        with app.test_request_context():
            barrier.wait()
            try:
                result = services.invite_shortlist(
                    brand_id=brand_id, shortlist_id=shortlist_id, campaign_id=campaign_id
                )
                db.session.commit()
                with lock:
                    results.append(result)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=invite, args=(i,)) for i in lists]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(results) == 2
    assert sorted(k for r in results for k in r.invited) == sorted(kols)
    assert sorted(k for r in results for k in r.already) == sorted(kols[2:4])
    with app.app_context():
        assert invitations_of(campaign_id) == {k: 1 for k in kols}
        told = (
            select(Notification.user_id, func.count())
            .where(Notification.kind == "invitation")
            .group_by(Notification.user_id)
        )
        assert dict(db.session.execute(told).all()) == {k: 1 for k in kols}
        db.session.remove()
