"""/api/v1/team: an owner's members, invitations and agency grants, as the Team page has them;
/api/v1/brands: the brands an agency's member may act for (the ``Brand-Id`` header)."""

from __future__ import annotations

from typing import Any

from app.api.auth import api_access, api_person
from app.api.routes import bp
from app.api.schemas import ErrorSchema
from app.auth.models import Role
from app.extensions import db
from app.orgs import services
from app.orgs.acting import current_acting
from app.orgs.api_schemas import (
    ActingBrandList,
    AgencyGrantInput,
    AgencyGrantSchema,
    MemberRoleInput,
    TeamInvitationSchema,
    TeamInviteInput,
    TeamMemberSchema,
    TeamSchema,
)


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _invitation_json(invitation) -> dict[str, Any]:
    return {"id": invitation.id, "email": invitation.email, "role": invitation.role.value,
            "expires_at": _iso(invitation.expires_at)}  # fmt: skip


def _member_json(membership, email: str) -> dict[str, Any]:
    return {"id": membership.id, "user_id": membership.user_id, "email": email,
            "role": membership.role.value, "since": _iso(membership.created_at)}  # fmt: skip


def _grant_json(grant, other) -> dict[str, Any]:
    return {"id": grant.id, "organisation_id": other.id, "name": other.name,
            "brand_id": other.brand_user_id, "since": _iso(grant.created_at)}  # fmt: skip


def _own_org_id() -> int:
    return services.own_organisation(person_id=api_person().id).id


@bp.get("/team")
@api_access(Role.BRAND)
@bp.doc(
    operationId="getTeam", summary="Your organisation's members, invitations and agencies (owners)"
)
@bp.response(200, TeamSchema)
def team_get():
    person = api_person()
    org = services.existing_organisation(person_id=person.id)
    if org is None:  # a brand account on its own: itself, the owner
        return {"organisation_id": None, "kind": "brand", "name": person.email, "grants": [],
                "invitations": [], "members": [{"id": None, "user_id": person.id, "email": person.email,
                "role": "owner", "since": _iso(person.created_at)}]}  # fmt: skip
    members, invitations = services.team(organisation_id=org.id)
    return {
        "organisation_id": org.id, "kind": org.kind.value, "name": org.name,
        "members": [_member_json(m, email) for m, email in members],
        "invitations": [_invitation_json(i) for i in invitations],
        "grants": [_grant_json(g, o) for g, o in services.grants(organisation_id=org.id)],
    }  # fmt: skip


@bp.post("/team/invitations")
@api_access(Role.BRAND)
@bp.doc(operationId="inviteMember", summary="E-mail an invitation to join with a role (owners)")
@bp.arguments(TeamInviteInput)
@bp.response(201, TeamInvitationSchema)
def team_invite(body: dict):
    invitation = services.invite_member(organisation_id=_own_org_id(), invited_by=api_person().id,
                                        email=body["email"], role=body["role"])  # fmt: skip
    db.session.commit()
    return _invitation_json(invitation)


@bp.delete("/team/invitations/<int:invitation_id>")
@api_access(Role.BRAND)
@bp.doc(operationId="revokeInvitation", summary="Withdraw an invitation (its link stops working)")
@bp.response(204)
@bp.alt_response(404, schema=ErrorSchema, description="No such invitation")
def team_revoke_invitation(invitation_id: int):
    services.revoke_invitation(organisation_id=_own_org_id(), invitation_id=invitation_id,
                               by=api_person().id)  # fmt: skip
    db.session.commit()
    return ""


@bp.patch("/team/members/<int:membership_id>")
@api_access(Role.BRAND)
@bp.doc(
    operationId="changeMemberRole", summary="Give a member another role (a team keeps an owner)"
)
@bp.arguments(MemberRoleInput)
@bp.response(200, TeamMemberSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such member")
@bp.alt_response(409, schema=ErrorSchema, description="The brand's own account stays an owner")
def team_change_role(body: dict, membership_id: int):
    membership = services.change_role(organisation_id=_own_org_id(), membership_id=membership_id,
                                      role=body["role"], by=api_person().id)  # fmt: skip
    db.session.commit()
    return _member_json(membership, services.email_of(membership.user_id))


@bp.delete("/team/members/<int:membership_id>")
@api_access(Role.BRAND)
@bp.doc(operationId="removeMember", summary="Remove a member: their sessions and API keys end")
@bp.response(204)
@bp.alt_response(404, schema=ErrorSchema, description="No such member")
@bp.alt_response(409, schema=ErrorSchema, description="The brand's own account stays in its team")
def team_remove_member(membership_id: int):
    services.remove_member(organisation_id=_own_org_id(), membership_id=membership_id,
                           by=api_person().id)  # fmt: skip
    db.session.commit()
    return ""


@bp.post("/team/agencies")
@api_access(Role.BRAND)
@bp.doc(operationId="grantAgency", summary="Let an agency act for your brand (brand owners)")
@bp.arguments(AgencyGrantInput)
@bp.response(201, AgencyGrantSchema)
@bp.alt_response(409, schema=ErrorSchema, description="Only a brand grants agencies access")
def agency_grant(body: dict):
    grant = services.grant_agency(organisation_id=_own_org_id(), agency_email=body["agency_email"],
                                  by=api_person().id)  # fmt: skip
    db.session.commit()
    return _grant_json(grant, services.organisation(grant.agency_id))


@bp.delete("/team/agencies/<int:grant_id>")
@api_access(Role.BRAND)
@bp.doc(operationId="revokeAgencyGrant", summary="End an agency's access to your brand at once")
@bp.response(204)
@bp.alt_response(404, schema=ErrorSchema, description="No such agency access")
def agency_revoke(grant_id: int):
    services.revoke_grant(organisation_id=_own_org_id(), grant_id=grant_id, by=api_person().id)
    db.session.commit()
    return ""


@bp.get("/brands")
@api_access(Role.BRAND)
@bp.doc(operationId="listActingBrands", summary="The brands you may act for (send one as Brand-Id)")
@bp.response(200, ActingBrandList)
def acting_brands():
    acting = current_acting()
    role = acting.role.value if acting.role else None
    if acting.agency_id is not None:
        brands = [
            (b.brand_user_id, b.name) for b in services.brands_of_agency(agency_id=acting.agency_id)
        ]
    elif acting.account is not None:
        brands = [(acting.account.id, acting.brand_name or acting.account.email)]
    else:
        brands = []
    return {"items": [{"brand_id": brand_id, "name": name, "team_role": role,
                       "acting": brand_id == acting.brand_id} for brand_id, name in brands]}  # fmt: skip
