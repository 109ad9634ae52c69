"""Agencies (issue 22): members act for the brands that granted their agency access, say which
brand on every page and call, are audited with the agency and the brand, and lose access the
moment a grant is revoked."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.finance.models import FinanceAuditLog
from app.orgs.models import AgencyGrant, Membership, Organisation, OrgKind
from app.shortlists.models import Shortlist
from tests.conftest import post_form, signed_in
from tests.factories import make_agency, make_api_key, make_user


def test_an_agency_member_acts_for_two_brands_in_turn(app):
    glow, tea = make_user("brand", name="Glow Labs"), make_user("brand", name="Tea House")
    _owner, agent = make_agency(glow, tea)
    browser = signed_in(app, agent)
    header = browser.get("/").get_data(as_text=True)
    assert "Glow Labs" in header and "Tea House" in header  # the switcher's choices
    assert browser.get("/shortlists").status_code == 403  # no brand chosen yet

    for brand, name in ((glow, "Glow picks"), (tea, "Tea picks")):
        chosen = post_form(browser, "/act-for", {"brand_id": brand.id}, page="/")
        assert chosen.status_code == 302
        assert post_form(browser, "/shortlists", {"name": name}).status_code == 302
        page = browser.get("/shortlists").get_data(as_text=True)
        assert f'data-acting-brand="{brand.id}"' in page and name in page
    made = {s.name: s.brand_id for s in db.session.scalars(select(Shortlist))}
    assert made == {"Glow picks": glow.id, "Tea picks": tea.id}

    agency = db.session.scalar(select(Organisation).where(Organisation.kind == OrgKind.AGENCY))
    acted = db.session.scalars(
        select(FinanceAuditLog).where(FinanceAuditLog.action == "agency.acted")
    ).all()
    assert {(row.actor_id, row.agency_id, row.brand_id) for row in acted} >= {
        (agent.id, agency.id, glow.id),
        (agent.id, agency.id, tea.id),
    }
    finance = signed_in(app, make_user("finance"))
    audit_page = finance.get("/finance/audit").get_data(as_text=True)
    assert f"agency #{agency.id}" in audit_page and f"for brand #{tea.id}" in audit_page
    export = finance.get("/finance/audit/export.csv?action=agency.acted")
    assert export.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert {(r["actor_id"], r["agency_id"], r["brand_id"]) for r in rows} >= {
        (str(agent.id), str(agency.id), str(glow.id)),
        (str(agent.id), str(agency.id), str(tea.id)),
    }


def test_no_grant_no_access_and_revoking_ends_it_at_once(app):
    glow, other = make_user("brand"), make_user("brand")
    _owner, agent = make_agency(glow)
    browser = signed_in(app, agent)
    assert post_form(browser, "/act-for", {"brand_id": other.id}, page="/").status_code == 404
    post_form(browser, "/act-for", {"brand_id": glow.id}, page="/")
    assert browser.get("/shortlists").status_code == 200
    api = app.test_client()
    key = {"Authorization": f"Bearer {make_api_key(agent)}"}
    assert api.get("/api/v1/shortlists", headers=key).status_code == 403  # no Brand-Id
    refused = api.get("/api/v1/shortlists", headers=key | {"Brand-Id": str(other.id)})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "no_brand"
    as_glow = key | {"Brand-Id": str(glow.id)}
    assert api.get("/api/v1/shortlists", headers=as_glow).status_code == 200
    brands = api.get("/api/v1/brands", headers=key).get_json()["items"]
    assert [b["brand_id"] for b in brands] == [glow.id]

    grant = db.session.scalar(select(AgencyGrant))
    owner = signed_in(app, glow)
    assert post_form(owner, f"/team/agencies/{grant.id}/revoke", page="/team").status_code == 302
    assert browser.get("/shortlists").status_code == 403
    assert api.get("/api/v1/shortlists", headers=as_glow).status_code == 403


def test_an_agency_member_cannot_manage_the_brands_team(app):
    glow = make_user("brand")
    _owner, agent = make_agency(glow, role="owner")  # even the agency's owner: a manager here
    browser = signed_in(app, agent)
    post_form(browser, "/act-for", {"brand_id": glow.id}, page="/")
    assert browser.get("/payments").status_code == 403
    team = browser.get("/team")  # their own agency's team, not the brand's
    assert team.status_code == 200 and "Brands this agency acts for" in team.get_data(as_text=True)


def test_the_brand_owner_grants_on_the_team_page(app):
    glow = make_user("brand")
    owner_of_agency, _agent = make_agency()
    owner = signed_in(app, glow)
    bad = post_form(owner, "/team/agencies", {"agency_email": "nobody@example.com"}, page="/team")
    assert bad.status_code == 422 and "No agency" in bad.get_data(as_text=True)
    post_form(owner, "/team/agencies", {"agency_email": owner_of_agency.email}, page="/team")
    assert db.session.scalar(select(AgencyGrant)).revoked_at is None


def test_signing_up_as_an_agency(app):
    client = app.test_client()
    response = post_form(client, "/auth/register", {
        "role": "agency", "name": "Bright Agency", "email": "boss@bright.example",
        "password": "a long new passphrase", "confirm": "a long new passphrase",
    })  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"].endswith("/team")
    agency = db.session.scalar(select(Organisation).where(Organisation.name == "Bright Agency"))
    assert agency.kind == OrgKind.AGENCY
    assert db.session.scalar(select(Membership).where(Membership.organisation_id == agency.id))


@pytest.mark.redis
def test_a_kept_workbench_follows_the_brand_the_agency_member_switches_to(app, kept_keys, cache_on):
    """Pages kept per viewer in Redis (issue 26) are kept per brand acted for: after a switch,
    the workbench is the new brand's, never the last one's from the cache."""
    from tests.factories import make_campaign

    glow, tea = make_user("brand", name="Glow Labs"), make_user("brand", name="Tea House")
    make_campaign(glow, title="Glow launch")
    make_campaign(tea, title="Tea launch")
    _owner, agent = make_agency(glow, tea)
    browser = signed_in(app, agent)
    for brand, mine, theirs in ((glow, "Glow launch", "Tea launch"),
                                (tea, "Tea launch", "Glow launch"),
                                (glow, "Glow launch", "Tea launch")):  # fmt: skip
        post_form(browser, "/act-for", {"brand_id": brand.id}, page="/")
        browser.get("/")  # the switch's flash: not kept
        for _ in range(2):  # rendered, then kept
            page = browser.get("/").get_data(as_text=True)
            assert mine in page and theirs not in page
    assert any(kept_keys.scan_iter("pagecache:*"))  # the workbench was kept
