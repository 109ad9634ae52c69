"""With Redis, a key's kept copy holds its team facts: a role change or a removal still
applies on the very next call (issue 22 with issue 26's key cache)."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.orgs.models import Membership
from app.orgs.services import change_role, own_organisation, remove_member
from tests.factories import make_api_key, make_member, make_user

pytestmark = pytest.mark.redis


def test_role_change_and_removal_apply_to_a_kept_key_at_once(client, kept_keys):
    brand = make_user("brand")
    analyst = make_member(brand, "analyst")
    headers = {"Authorization": f"Bearer {make_api_key(analyst)}"}
    for _ in range(2):  # the second call is answered from Redis
        assert (
            client.post("/api/v1/shortlists", headers=headers, json={"name": "x"}).status_code
            == 403
        )
    org = own_organisation(person_id=brand.id)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == analyst.id))
    change_role(organisation_id=org.id, membership_id=membership.id, role="manager", by=brand.id)
    db.session.commit()
    assert client.post("/api/v1/shortlists", headers=headers, json={"name": "y"}).status_code == 201
    remove_member(organisation_id=org.id, membership_id=membership.id, by=brand.id)
    db.session.commit()
    assert client.get("/api/v1/shortlists", headers=headers).status_code == 401
