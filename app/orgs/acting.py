"""Which brand the signed-in person acts for in this request, and with which role.

Resolved once per request: by the session loader for pages, by the key check for the API.
The brand account (the ``users`` row every campaign, contract and payment points at) becomes
``current_user`` / ``api_user()``, so every brand route reads and writes the brand's objects
whoever of its team signed in; the person stays in ``g.acting.person`` for their own settings,
API keys and the audit log. A brand owner with no team costs no query more than before (the
membership comes in the same query as the account).

- no membership row: a brand account on its own, its own owner (as before organisations);
- a membership of a brand organisation: acts for that brand with the membership's role;
- a membership of an agency: acts for the brand it chose (``Brand-Id`` header on the API, the
  header's switcher on pages), if that brand granted the agency access, as a manager at most;
- only removed memberships: acts for no brand.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_request_context, request, session
from sqlalchemy import select

from app.audit import audit
from app.auth.models import Role, User
from app.db_types import utcnow
from app.extensions import db
from app.orgs.models import AgencyGrant, MemberRole, Membership, Organisation, OrgKind
from app.orgs.permissions import ANYONE, SAFE_METHODS, TEAM, area_of, role_may

ACTING_BRAND_KEY = "acting_brand"  # the session's choice of brand, for agency members
BRAND_ID_HEADER = "Brand-Id"  # the API's choice of brand, per call


@dataclass(frozen=True)
class Acting:
    person: User
    account: User | None  # the brand account acted for; None: no brand (yet)
    role: MemberRole | None  # the role acted with (an agency's owner acts as a manager)
    own_role: MemberRole | None = None  # the role in their own organisation (its team page)
    organisation_id: int | None = None  # the person's own organisation (brand or agency)
    agency_id: int | None = None  # set when the person acts through an agency
    brand_name: str = ""

    @property
    def brand_id(self) -> int | None:
        return self.account.id if self.account is not None else None


Found = tuple[User, Membership | None, Organisation | None]


def load_person_and_membership(user_id: int) -> Found | None:
    """The account, its membership (an active one first) and organisation, in one query."""
    row = db.session.execute(
        select(User, Membership, Organisation)
        .outerjoin(Membership, Membership.user_id == User.id)
        .outerjoin(Organisation, Organisation.id == Membership.organisation_id)
        .where(User.id == user_id)
        .order_by(Membership.removed_at.is_not(None), Membership.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def resolve(
    person: User, membership: Membership | None, org: Organisation | None, chosen: str | int | None
) -> Acting:
    """Who ``person`` acts for (see the module's docstring)."""
    if person.role != Role.BRAND:
        return Acting(person, person, None)
    if membership is None:
        return Acting(person, person, MemberRole.OWNER, MemberRole.OWNER)
    if membership.removed_at is not None:
        return Acting(person, None, None)
    if org.kind == OrgKind.BRAND:
        account = (
            person if org.brand_user_id == person.id else db.session.get(User, org.brand_user_id)
        )
        return Acting(
            person, account, membership.role, membership.role, org.id, brand_name=org.name
        )
    role = MemberRole.MANAGER if membership.role == MemberRole.OWNER else membership.role
    brand = granted_brand(agency_id=org.id, brand_user_id=_as_id(chosen))
    if brand is None:
        return Acting(person, None, role, membership.role, org.id, agency_id=org.id)
    account = db.session.get(User, brand.brand_user_id)
    return Acting(
        person, account, role, membership.role, org.id, agency_id=org.id, brand_name=brand.name
    )


def granted_brand(*, agency_id: int, brand_user_id: int | None) -> Organisation | None:
    """The brand organisation of ``brand_user_id`` if it grants ``agency_id`` access now."""
    if brand_user_id is None:
        return None
    return db.session.scalar(
        select(Organisation)
        .join(AgencyGrant, AgencyGrant.brand_organisation_id == Organisation.id)
        .where(
            Organisation.brand_user_id == brand_user_id,
            AgencyGrant.agency_id == agency_id,
            AgencyGrant.revoked_at.is_(None),
        )
    )


def _as_id(value: str | int | None) -> int | None:
    if isinstance(value, int):
        return value
    value = (value or "").strip()
    return int(value) if value.isdecimal() and len(value) < 19 else None


def current_acting() -> Acting | None:
    """This request's resolution (None for visitors and people who are no brand)."""
    return g.get("acting") if has_request_context() else None


def signed_in_person(user: User) -> User:
    """The person behind ``user`` (``current_user`` or ``api_user()``) in this request: who
    signed in, also when they act for a brand account."""
    acting = current_acting()
    return acting.person if acting is not None else user


def denial(endpoint: str, method: str) -> str | None:
    """Why this request's person may not call ``endpoint`` for the brand: ``"no_brand"``,
    ``"role"``, or None when they may (and always for people who are no brand)."""
    acting = current_acting()
    if acting is None:
        return None
    area = area_of(endpoint)
    if area == ANYONE:
        return None
    if area == TEAM:
        return None if acting.own_role is MemberRole.OWNER else "role"
    if acting.account is None:
        return "no_brand"
    return None if role_may(acting.role, endpoint, method) else "role"


def load_signed_in(session_id: str) -> User | None:
    """Flask-Login's loader: "id:version" of the person; answers the account they act for."""
    user_id, _sep, version = session_id.partition(":")
    if not user_id.isdecimal() or not version.isdecimal():
        return None
    found = load_person_and_membership(int(user_id))
    if found is None:
        return None
    person, membership, org = found
    if person.is_disabled or person.session_version != int(version):
        return None
    if person.role != Role.BRAND:
        return person
    acting = resolve(person, membership, org, session.get(ACTING_BRAND_KEY))
    if acting.account is not None and acting.account.is_disabled:
        acting = Acting(person, None, None)  # a disabled brand's team acts for nobody
    g.acting = acting
    return acting.account or person


def team_facts(user_id: int) -> dict | None:
    """The membership and organisation acting depends on, as plain values an API caller's
    Redis copy can hold (dropped when a membership changes: app/viewer_cache.py)."""
    row = db.session.execute(
        select(Membership, Organisation)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user_id)
        .order_by(Membership.removed_at.is_not(None), Membership.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    membership, org = row
    return {"role": membership.role.value, "removed": membership.removed_at is not None,
            "organisation_id": org.id, "kind": org.kind.value,
            "brand_user_id": org.brand_user_id, "name": org.name}  # fmt: skip


def _from_facts(facts: dict | None) -> tuple[Membership | None, Organisation | None]:
    """Unsaved rows carrying ``team_facts`` (never added to the session)."""
    if facts is None:
        return None, None
    removed = utcnow() if facts["removed"] else None
    membership = Membership(organisation_id=facts["organisation_id"],
                            role=MemberRole(facts["role"]), removed_at=removed)  # fmt: skip
    org = Organisation(id=facts["organisation_id"], kind=OrgKind(facts["kind"]),
                       brand_user_id=facts["brand_user_id"], name=facts["name"])  # fmt: skip
    return membership, org


def acting_for_api(person: User, facts: dict | None, brand_id_header: str | None) -> User:
    """The API's resolution: the key's owner, their team facts and the ``Brand-Id`` header
    (agency members; the grant itself is read on every call, so revoking it ends access)."""
    if person.role != Role.BRAND:
        return person
    membership, org = _from_facts(facts)
    acting = resolve(person, membership, org, brand_id_header)
    if acting.account is not None and acting.account.is_disabled:
        acting = Acting(person, None, None)
    g.acting = acting
    return acting.account or person


def record_agency_action() -> None:
    """An agency member's change (any method but GET/HEAD) enters the audit log with the
    person, the agency and the brand, in the transaction of the change itself."""
    acting = current_acting()
    if acting is None or acting.agency_id is None or request.method in SAFE_METHODS:
        return
    audit(
        actor_id=acting.person.id,
        action="agency.acted",
        object_type="endpoint",
        object_id=request.endpoint,
        after={"method": request.method, "path": request.path[:200]},
    )
