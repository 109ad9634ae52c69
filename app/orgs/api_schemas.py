"""The declared shapes of /api/v1/team (members, invitations, agencies) and /api/v1/brands."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.api.schemas import StrictSchema, text
from app.orgs.models import MemberRole, OrgKind

ROLES = [role.value for role in MemberRole]
_WHEN = {"format": "date-time"}


class TeamMemberSchema(Schema):
    id = fields.Integer(
        required=True, allow_none=True,
        metadata={"description": "The membership's id (null: a brand with no team yet)"},
    )  # fmt: skip
    user_id = fields.Integer(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    since = fields.String(required=True, metadata=_WHEN)


class TeamInvitationSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    expires_at = fields.String(required=True, metadata=_WHEN)


class AgencyGrantSchema(Schema):
    id = fields.Integer(required=True)
    organisation_id = fields.Integer(
        required=True,
        metadata={"description": "The agency (for a brand) or the brand (for an agency)"},
    )
    name = fields.String(required=True)
    brand_id = fields.Integer(
        required=True, allow_none=True,
        metadata={"description": "The brand account (Brand-Id header value) when it is a brand"},
    )  # fmt: skip
    since = fields.String(required=True, metadata=_WHEN)


class TeamSchema(Schema):
    organisation_id = fields.Integer(required=True, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in OrgKind]))
    name = fields.String(required=True)
    members = fields.List(fields.Nested(TeamMemberSchema), required=True)
    invitations = fields.List(fields.Nested(TeamInvitationSchema), required=True)
    grants = fields.List(fields.Nested(AgencyGrantSchema), required=True)


class TeamInviteInput(StrictSchema):
    email = text(254, min_length=3, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class MemberRoleInput(StrictSchema):
    # Not required by the schema: the member is found first (404), then the role checked (422).
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))


class AgencyGrantInput(StrictSchema):
    agency_email = text(
        254, min_length=3, required=True, metadata={"description": "E-mail of the agency's owner"}
    )


class ActingBrandSchema(Schema):
    brand_id = fields.Integer(required=True, metadata={"description": "Send as Brand-Id"})
    name = fields.String(required=True)
    team_role = fields.String(
        required=True, validate=validate.OneOf(ROLES),
        metadata={"description": "The role your calls for this brand carry"},
    )  # fmt: skip
    acting = fields.Boolean(
        required=True,
        metadata={"description": "This call acted for it (its Brand-Id, or your team's brand)"},
    )


class ActingBrandList(Schema):
    items = fields.List(fields.Nested(ActingBrandSchema), required=True)
