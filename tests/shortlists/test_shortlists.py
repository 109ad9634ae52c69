"""Brands save KOLs into named shortlists from Find KOLs and KOL pages, compare them side by
side, and invite a whole shortlist to a campaign at once (issue 22)."""

from __future__ import annotations

import re

from app.campaigns.invitations import invite_kol
from app.extensions import db
from app.shortlists.models import Shortlist
from tests.conftest import csrf_token, post_form, sign_in
from tests.factories import make_campaign, make_user
from tests.shortlists.support import invitations_of, named_kol, times_told


def _save(client, kol_id: int, *, shortlist_id: int | None = None, name: str = "",
          referrer: str = "/kols"):  # fmt: skip
    data = {"kol_id": kol_id, "shortlist_id": shortlist_id or "", "name": name,
            "csrf_token": csrf_token(client, "/shortlists")}  # fmt: skip
    return client.post(
        "/shortlists/save", data=data, headers={"Referer": f"http://localhost{referrer}"}
    )


def test_brand_saves_kols_from_search_and_kol_page_and_compares_them(client):
    amy, bo = named_kol("Amy Glow", followers=30_000), named_kol("Bo Travels", followers=90_000)
    brand = make_user("brand")
    sign_in(client, brand)
    search = client.get("/kols").get_data(as_text=True)
    assert search.count("Save to shortlist") == 2  # one control per KOL card

    saved = _save(client, amy.id, name="Summer skincare", referrer="/kols?niche=beauty")
    assert saved.status_code == 302 and saved.headers["Location"] == "/kols?niche=beauty"
    [shortlist] = db.session.query(Shortlist).filter_by(brand_id=brand.id).all()
    page = client.get(f"/kols/{bo.id}").get_data(as_text=True)
    assert "Save to shortlist" in page and "Summer skincare (1)" in page
    _save(client, bo.id, shortlist_id=shortlist.id, referrer=f"/kols/{bo.id}")
    again = _save(client, bo.id, shortlist_id=shortlist.id, referrer=f"/kols/{bo.id}")
    assert "Already on" in client.get(again.headers["Location"]).get_data(as_text=True)

    html = client.get(f"/shortlists/{shortlist.id}").get_data(as_text=True)
    assert "Amy Glow" in html and "Bo Travels" in html
    assert 'class="table card shortlist-compare"' in html  # stacks into cards on a phone
    assert "30,000" in html and "90,000" in html and "$300.00" in html
    assert "Summer skincare" in client.get("/shortlists").get_data(as_text=True)


def test_a_shortlist_is_its_brands_alone(client):
    kol = named_kol("Cy")
    owner, other = make_user("brand"), make_user("brand")
    sign_in(client, owner)
    _save(client, kol.id, name="Mine")
    shortlist = db.session.query(Shortlist).filter_by(brand_id=owner.id).one()
    client.delete_cookie("session")
    sign_in(client, other)
    assert client.get(f"/shortlists/{shortlist.id}").status_code == 404
    assert _save(client, kol.id, shortlist_id=shortlist.id).status_code == 302
    db.session.expire_all()
    assert db.session.get(Shortlist, shortlist.id).kol_ids == [kol.id]  # nothing added
    assert "Mine" not in client.get("/shortlists").get_data(as_text=True)


def test_names_are_checked_inline(client):
    brand = make_user("brand")
    sign_in(client, brand)
    assert post_form(client, "/shortlists", {"name": "Picks"}).status_code == 302
    twice = post_form(client, "/shortlists", {"name": "Picks"})
    assert twice.status_code == 422 and "already have a shortlist" in twice.get_data(as_text=True)
    empty = post_form(client, "/shortlists", {"name": "  "})
    assert empty.status_code == 422 and "Name the shortlist" in empty.get_data(as_text=True)


def test_rename_remove_and_delete(client):
    kol = named_kol("Dee")
    brand = make_user("brand")
    sign_in(client, brand)
    _save(client, kol.id, name="Old name")
    shortlist = db.session.query(Shortlist).filter_by(brand_id=brand.id).one()
    page = f"/shortlists/{shortlist.id}"
    post_form(client, f"{page}/rename", {"name": "New name"}, page=page)
    assert "New name" in client.get(page).get_data(as_text=True)
    post_form(client, f"{page}/kols/{kol.id}/remove", page=page)
    assert "This shortlist is empty" in client.get(page).get_data(as_text=True)
    post_form(client, f"{page}/delete", page=page)
    assert client.get(page).status_code == 404


def test_invite_a_whole_shortlist_once_each(client):
    """Five KOLs invited at once to an invite-only campaign: one invitation and one
    notification each; inviting the list again invites nobody twice, and a KOL invited on
    their own before is not invited (or told) again."""
    brand = make_user("brand")
    kols = [named_kol(f"Five {i}") for i in range(5)]
    campaign = make_campaign(brand, title="Secret launch", invite_only=True)
    invite_kol(brand_id=brand.id, campaign_id=campaign.id, kol_id=kols[0].id)
    db.session.commit()
    sign_in(client, brand)
    for kol in kols:
        _save(client, kol.id, name="The five")
    shortlist = db.session.query(Shortlist).filter_by(brand_id=brand.id).one()
    page = f"/shortlists/{shortlist.id}"
    assert "Invite 5 KOLs" in client.get(page).get_data(as_text=True)

    sent = post_form(client, f"{page}/invite", {"campaign_id": campaign.id}, page=page)
    html = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "4 KOLs invited." in html and "1 was invited before" in html
    assert invitations_of(campaign.id) == {k.id: 1 for k in kols}
    assert [times_told(k.id) for k in kols] == [1, 1, 1, 1, 1]

    again = post_form(client, f"{page}/invite", {"campaign_id": campaign.id}, page=page)
    html = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "0 KOLs invited." in html and "5 were invited before" in html
    assert [times_told(k.id) for k in kols] == [1, 1, 1, 1, 1]


def test_only_own_open_campaigns_take_a_shortlist(client):
    brand = make_user("brand")
    kol = named_kol("Eve")
    foreign = make_campaign(make_user("brand"))
    sign_in(client, brand)
    _save(client, kol.id, name="List")
    shortlist = db.session.query(Shortlist).filter_by(brand_id=brand.id).one()
    page = f"/shortlists/{shortlist.id}"
    assert "no open campaigns" in client.get(page).get_data(as_text=True)
    refused = post_form(client, f"{page}/invite", {"campaign_id": foreign.id}, page=page)
    assert refused.status_code == 422
    assert invitations_of(foreign.id) == {}


def test_visitors_search_public_profiles_without_brand_controls(client):
    named_kol("Fay Public")
    named_kol("Hidden Unverified", verified=False)
    html = client.get("/kols?q=Fay").get_data(as_text=True)
    assert "Fay Public" in html
    assert "Save to shortlist" not in html and "/invite" not in html
    html = client.get("/kols").get_data(as_text=True)
    names = re.findall(r'<a href="/kols/\d+">(?:<strong>)?([^<]+)<', html)
    assert "Fay Public" in names and "Hidden Unverified" not in names
