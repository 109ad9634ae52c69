"""The demo brand's team and an agency (`flask seed`, after the brands exist): Blossom Skincare's
owner (brand@) has a manager and an analyst; the agency Bright Reach (owner agency@) has one member
(agent@) whom Blossom Skincare and Bean & Leaf Café both granted access. Idempotent."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import Role, User
from app.extensions import db
from app.orgs.models import MemberRole, Membership, Organisation, OrgKind
from app.orgs.services import create_agency, grant_agency, own_organisation

AGENCY_NAME = "Bright Reach Agency"


def _account(local: str) -> User | None:
    from app.seed import DOMAIN

    return db.session.scalar(select(User).where(User.email == f"{local}@{DOMAIN}"))


def seed_team() -> bool:
    """Create what is missing; True when anything was created."""
    from app.seed import _user

    brand, cafe = _account("brand"), _account("cafe")
    if brand is None or cafe is None:
        return False
    created = False
    team = own_organisation(person_id=brand.id)
    for local, role in (("manager", MemberRole.MANAGER), ("analyst", MemberRole.ANALYST)):
        person, new = _user(local, Role.BRAND)
        if new:
            db.session.add(Membership(organisation_id=team.id, user_id=person.id, role=role))
            created = True
    owner, new = _user("agency", Role.BRAND)
    agency = db.session.scalar(select(Organisation).where(
        Organisation.kind == OrgKind.AGENCY, Organisation.name == AGENCY_NAME))  # fmt: skip
    if agency is None:
        agency = create_agency(owner_id=owner.id, name=AGENCY_NAME)
        created = True
    agent, new = _user("agent", Role.BRAND)
    if new:
        db.session.add(
            Membership(organisation_id=agency.id, user_id=agent.id, role=MemberRole.MANAGER)
        )
        created = True
    db.session.flush()
    if created:  # a grant already there is kept as it is (grant_agency returns it)
        for account in (brand, cafe):
            grant_agency(organisation_id=own_organisation(person_id=account.id).id,
                         agency_email=owner.email, by=account.id)  # fmt: skip
    db.session.flush()
    return created
