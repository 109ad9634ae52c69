"""Teams and agencies: invitations, roles, removal, agency grants. Services flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import audit
from app.auth.models import ApiKey, Role, User
from app.auth.services import create_user, end_sessions, find_user_by_email, normalise_email
from app.db_types import utcnow
from app.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.extensions import db
from app.links import absolute_url
from app.mail.services import queue_mail
from app.orgs.models import (
    AgencyGrant,
    Invitation,
    MemberRole,
    Membership,
    Organisation,
    OrgKind,
)
from app.profiles.models import BrandProfile

INVITABLE = (MemberRole.MANAGER, MemberRole.ANALYST, MemberRole.FINANCE, MemberRole.OWNER)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def own_organisation(*, person_id: int) -> Organisation:
    """The person's organisation; a brand account on its own gets its one-member brand
    organisation now (accounts made before organisations, or by tests, have none yet)."""
    membership = _active_membership(person_id)
    if membership is not None:
        return db.session.get(Organisation, membership.organisation_id)
    person = db.session.get(User, person_id)
    if person is None or person.role != Role.BRAND:
        raise NotFound(_("You belong to no brand or agency."))
    profile = db.session.get(BrandProfile, person_id)
    org = Organisation(
        kind=OrgKind.BRAND, name=profile.company_name if profile else person.email,
        brand_user_id=person_id,
    )  # fmt: skip
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(organisation_id=org.id, user_id=person_id, role=MemberRole.OWNER))
    db.session.flush()
    return org


def _active_membership(user_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.removed_at.is_(None))
    )


def create_agency(*, owner_id: int, name: str) -> Organisation:
    """A new agency with its first member as owner (registration as an agency)."""
    org = Organisation(kind=OrgKind.AGENCY, name=name[:120])
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(organisation_id=org.id, user_id=owner_id, role=MemberRole.OWNER))
    db.session.flush()
    return org


def _role(value: str | None) -> MemberRole:
    try:
        role = MemberRole(value or "")
    except ValueError:
        role = None
    if role not in INVITABLE:
        raise ValidationFailed({"role": [_("Choose owner, manager, analyst or finance.")]})
    return role


def invite_member(*, organisation_id: int, invited_by: int, email: str, role: str) -> Invitation:
    """Mail an invitation link that expires (ORG_INVITATION_DAYS); the link's secret is not kept."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise ValidationFailed({"email": [_("Enter an e-mail address.")]})
    chosen = _role(role)
    existing = find_user_by_email(email)
    if existing is not None and _active_membership(existing.id) is not None:
        member = _active_membership(existing.id)
        if member.organisation_id == organisation_id:
            raise ValidationFailed({"email": [_("This person is already in the team.")]})
    token = secrets.token_urlsafe(32)
    days = current_app.config["ORG_INVITATION_DAYS"]
    invitation = Invitation(
        organisation_id=organisation_id, email=email, role=chosen, token_hash=_hash(token),
        invited_by=invited_by, expires_at=utcnow() + timedelta(days=days),
    )  # fmt: skip
    db.session.add(invitation)
    db.session.flush()
    org = db.session.get(Organisation, organisation_id)
    link = absolute_url(url_for("orgs.accept", token=token))
    body = _(
        "You are invited to join %(name)s on KOL Market as %(role)s.\n\n"
        "Open this link within %(days)d days to accept:\n%(link)s\n\n"
        "If you did not expect this, ignore this mail.",
        name=org.name, role=role_label(chosen), days=days, link=link,
    )  # fmt: skip
    queue_mail(recipient=email, subject=_("Join %(name)s", name=org.name), body=body)
    audit(actor_id=invited_by, action="team.invited", object_type="organisation",
          object_id=organisation_id, after={"email": email, "role": chosen.value})  # fmt: skip
    return invitation


def role_label(role: MemberRole) -> str:
    return {
        MemberRole.OWNER: _("owner"),
        MemberRole.MANAGER: _("manager"),
        MemberRole.ANALYST: _("analyst"),
        MemberRole.FINANCE: _("finance"),
    }[role]


def pending_invitation(token: str) -> Invitation:
    """The invitation of a link, if it can still be accepted."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if invitation is None or not invitation.is_pending:
        raise DomainError(_("This invitation is not valid any more."), code="invalid_token")
    return invitation


def accept_invitation(*, token: str, password: str | None, signed_in_id: int | None) -> User:
    """Join the organisation: a new account (with ``password``) for an unknown e-mail, or the
    signed-in account the invitation was sent to."""
    invitation = pending_invitation(token)
    person = find_user_by_email(invitation.email)
    if person is None:
        person = create_user(email=invitation.email, password=password or "", role=Role.BRAND)
    elif signed_in_id != person.id:
        raise DomainError(
            _("Sign in as %(email)s to accept this invitation.", email=invitation.email),
            code="sign_in_first",
        )
    _check_may_join(person)
    db.session.add(
        Membership(organisation_id=invitation.organisation_id, user_id=person.id,
                   role=invitation.role)
    )  # fmt: skip
    invitation.accepted_at = utcnow()
    db.session.flush()
    audit(actor_id=person.id, action="team.joined", object_type="organisation",
          object_id=invitation.organisation_id, after={"role": invitation.role.value})  # fmt: skip
    return person


def _check_may_join(person: User) -> None:
    """One organisation at a time; KOL, shopper and staff accounts and brand accounts with
    their own brand stay what they are (they use another e-mail to join)."""
    if person.role != Role.BRAND or _active_membership(person.id) is not None:
        raise DomainError(_("This account already belongs to a team or is not a brand account."),
                          code="cannot_join")  # fmt: skip
    runs_a_brand = db.session.get(BrandProfile, person.id) is not None
    if runs_a_brand:
        raise DomainError(_("This account already runs a brand: use another e-mail to join."),
                          code="cannot_join")  # fmt: skip


def team(*, organisation_id: int) -> tuple[list[tuple[Membership, str]], list[Invitation]]:
    """Active members (with their e-mail) and pending invitations."""
    members = db.session.execute(
        select(Membership, User.email)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation_id, Membership.removed_at.is_(None))
        .order_by(Membership.id)
    ).all()
    invitations = db.session.scalars(
        select(Invitation)
        .where(
            Invitation.organisation_id == organisation_id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.id)
    ).all()
    return [(m, email) for m, email in members], list(invitations)


def _member(organisation_id: int, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if (
        membership is None
        or membership.organisation_id != organisation_id
        or membership.removed_at is not None
    ):
        raise NotFound(_("No such member."))
    return membership


def _owners(organisation_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Membership.organisation_id == organisation_id,
            Membership.role == MemberRole.OWNER,
            Membership.removed_at.is_(None),
        )
    )


def change_role(
    *, organisation_id: int, membership_id: int, role: str | None, by: int
) -> Membership:
    """A member's new role; the team keeps at least one owner."""
    membership = _member(organisation_id, membership_id)
    chosen = _role(role)
    org = db.session.get(Organisation, organisation_id)
    if org.brand_user_id == membership.user_id and chosen != MemberRole.OWNER:
        raise Conflict(_("The brand's own account stays an owner."))
    demoted = membership.role == MemberRole.OWNER and chosen != MemberRole.OWNER
    if demoted and _owners(organisation_id) <= 1:
        raise Conflict(_("A team keeps at least one owner."))
    before = membership.role.value
    membership.role = chosen
    audit(actor_id=by, action="team.role_changed", object_type="membership",
          object_id=membership.id, before={"role": before}, after={"role": chosen.value})  # fmt: skip
    return membership


def remove_member(*, organisation_id: int, membership_id: int, by: int) -> Membership:
    """Remove a member: their sessions end and their API keys stop working at once."""
    membership = _member(organisation_id, membership_id)
    org = db.session.get(Organisation, organisation_id)
    if org.brand_user_id == membership.user_id:
        raise Conflict(_("The brand's own account cannot leave its team."))
    if membership.role == MemberRole.OWNER and _owners(organisation_id) <= 1:
        raise Conflict(_("A team keeps at least one owner."))
    membership.removed_at = utcnow()
    end_sessions(user_id=membership.user_id)
    for key in db.session.scalars(
        select(ApiKey).where(ApiKey.user_id == membership.user_id, ApiKey.revoked_at.is_(None))
    ):
        key.revoked_at = utcnow()
    audit(actor_id=by, action="team.removed", object_type="membership", object_id=membership.id,
          before={"user_id": membership.user_id, "role": membership.role.value})  # fmt: skip
    return membership


def revoke_invitation(*, organisation_id: int, invitation_id: int, by: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation_id:
        raise NotFound(_("No such invitation."))
    invitation.revoked_at = invitation.revoked_at or utcnow()
    audit(actor_id=by, action="team.invitation_revoked", object_type="invitation",
          object_id=invitation.id)  # fmt: skip
    return invitation


def grant_agency(*, organisation_id: int, agency_email: str, by: int) -> AgencyGrant:
    """Let the agency whose owner has ``agency_email`` act for this brand."""
    org = db.session.get(Organisation, organisation_id)
    if org.kind != OrgKind.BRAND:
        raise Conflict(_("Only a brand grants agencies access."))
    agency = _agency_of_owner(agency_email)
    if agency is None:
        raise ValidationFailed({"agency_email": [_("No agency has an owner with this e-mail.")]})
    existing = db.session.scalar(
        select(AgencyGrant).where(
            AgencyGrant.brand_organisation_id == org.id,
            AgencyGrant.agency_id == agency.id,
            AgencyGrant.revoked_at.is_(None),
        )
    )
    if existing is not None:
        return existing
    grant = AgencyGrant(brand_organisation_id=org.id, agency_id=agency.id, granted_by=by)
    db.session.add(grant)
    db.session.flush()
    audit(actor_id=by, action="agency.granted", object_type="agency_grant", object_id=grant.id,
          after={"agency_id": agency.id, "brand_id": org.brand_user_id})  # fmt: skip
    return grant


def _agency_of_owner(email: str) -> Organisation | None:
    return db.session.scalar(
        select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .join(User, User.id == Membership.user_id)
        .where(
            Organisation.kind == OrgKind.AGENCY,
            func.lower(User.email) == normalise_email(email),
            Membership.role == MemberRole.OWNER,
            Membership.removed_at.is_(None),
        )
    )


def revoke_grant(*, organisation_id: int, grant_id: int, by: int) -> AgencyGrant:
    """End an agency's access to the brand; its members' next request acts for it no more."""
    grant = db.session.get(AgencyGrant, grant_id)
    if grant is None or grant.brand_organisation_id != organisation_id:
        raise NotFound(_("No such agency access."))
    grant.revoked_at = grant.revoked_at or utcnow()
    audit(actor_id=by, action="agency.revoked", object_type="agency_grant", object_id=grant.id)
    return grant


def grants(*, organisation_id: int) -> list[tuple[AgencyGrant, Organisation]]:
    """Active grants: for a brand, the agencies it let in; for an agency, the brands."""
    org = db.session.get(Organisation, organisation_id)
    mine, other = (
        (AgencyGrant.brand_organisation_id, AgencyGrant.agency_id)
        if org.kind == OrgKind.BRAND
        else (AgencyGrant.agency_id, AgencyGrant.brand_organisation_id)
    )
    rows = db.session.execute(
        select(AgencyGrant, Organisation)
        .join(Organisation, Organisation.id == other)
        .where(mine == organisation_id, AgencyGrant.revoked_at.is_(None))
        .order_by(Organisation.name)
    ).all()
    return [(grant, other_org) for grant, other_org in rows]


def existing_organisation(*, person_id: int) -> Organisation | None:
    """The person's organisation, without making one (pages that only read)."""
    membership = _active_membership(person_id)
    return db.session.get(Organisation, membership.organisation_id) if membership else None


def organisation(organisation_id: int) -> Organisation:
    return db.session.get(Organisation, organisation_id)


def find_account(email: str) -> User | None:
    return find_user_by_email(email)


def brands_of_agency(*, agency_id: int) -> list[Organisation]:
    """The brands that let this agency act for them now."""
    return [brand for _grant, brand in grants(organisation_id=agency_id)]


def email_of(user_id: int) -> str:
    return db.session.get(User, user_id).email
