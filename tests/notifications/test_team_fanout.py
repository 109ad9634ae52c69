"""A brand's team hears about the brand's deals by role (issue 22 follow-up): managers of bids,
notes and contracts, finance of payments and refunds, analysts of analytics, owners of all;
one notification and one e-mail each, in each reader's language, on their own bell."""

from __future__ import annotations

from sqlalchemy import select

from app.db_types import utcnow
from app.extensions import db
from app.notifications.messages import KIND_AREAS, MESSAGES, money
from app.notifications.services import notify
from app.orgs.models import Membership
from app.orgs.permissions import ANALYTICS, MONEY
from tests.conftest import post_form, signed_in
from tests.factories import make_kol, make_member, make_user
from tests.notifications.support import mailed_in, mails, speaks, told


def _team():
    brand = make_user("brand", name="Glow Labs")
    team = {role: make_member(brand, role) for role in ("manager", "analyst", "finance")}
    gone = make_member(brand, "manager")
    membership = db.session.scalar(select(Membership).where(Membership.user_id == gone.id))
    membership.removed_at = utcnow()
    db.session.commit()
    return brand, team, gone


def test_each_member_is_told_what_their_role_covers_once(app):
    brand, team, gone = _team()
    kol = make_kol()
    speaks(team["finance"], "zh_Hans")
    notify(user_id=brand.id, kind="bid.new", link="/bids/7", price=money(50_000, "usd"),
           title="Serum")  # fmt: skip
    notify(user_id=brand.id, kind="contract.paid", link="/contracts/3", id=3,
           amount=money(55_000, "usd"))  # fmt: skip
    notify(user_id=brand.id, kind="engagement.burst", link="/analytics", title="Serum", count=40)
    notify(user_id=kol.id, kind="contract.funded", link="/contracts/3", id=3, title="Serum")
    db.session.commit()

    def kinds(user):
        return sorted(n.kind for n in told(user))

    assert kinds(brand) == ["bid.new", "contract.paid", "engagement.burst"]  # the owner: all
    assert kinds(team["manager"]) == ["bid.new", "engagement.burst"]
    assert kinds(team["finance"]) == ["contract.paid"]
    assert kinds(team["analyst"]) == ["engagement.burst"]
    assert kinds(gone) == [] and mails(gone) == []  # removed: told nothing
    assert kinds(kol) == ["contract.funded"]  # not a brand: no team
    # Stored as code + params, the same facts for everyone; mailed in each reader's language.
    [for_brand] = told(brand, "contract.paid")
    [for_finance] = told(team["finance"], "contract.paid")
    assert for_finance.params == for_brand.params and for_finance.link == "/contracts/3"
    assert len(mails(team["manager"])) == 2 and len(mails(team["finance"])) == 1
    mailed_in(team["finance"], "zh_Hans", "#3")


def test_a_member_reads_their_own_bell_not_the_brand_accounts(app):
    brand, team, _gone = _team()
    notify(user_id=brand.id, kind="contract.paid", link="/contracts/3", id=3,
           amount=money(55_000, "usd"))  # fmt: skip
    db.session.commit()
    manager = signed_in(app, team["manager"])
    assert "#3" not in manager.get("/notifications").get_data(as_text=True)
    finance = signed_in(app, team["finance"])
    page = finance.get("/notifications").get_data(as_text=True)
    assert "#3" in page
    [mine] = told(team["finance"])
    post_form(finance, f"/notifications/{mine.id}/read", {}, page="/notifications")
    assert told(team["finance"])[0].read_at is not None
    assert told(brand)[0].read_at is None  # reading one's copy leaves the owner's unread


def test_every_area_named_is_a_known_kind_and_area():
    assert set(KIND_AREAS) <= set(MESSAGES)
    assert set(KIND_AREAS.values()) <= {MONEY, ANALYTICS}
