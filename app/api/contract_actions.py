"""/api/v1 contract actions: rate the other party once the contract completed, cancel before
submission (anything paid is refunded in full), open a dispute. The same services, rules and
notifications as the buttons on the contract page."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from app.api.auth import api_access, api_user
from app.api.contract_schemas import ContractSchema
from app.api.contracts import contract_json
from app.api.routes import bp
from app.api.schemas import ErrorSchema, StrictInteger, StrictSchema, text
from app.auth.models import Role
from app.contracts import services
from app.errors import ValidationFailed
from app.extensions import db
from app.payments.disputes import open_dispute
from app.payments.refunds import cancel_contract, party_contract
from app.text import clean_text

_NOT_FOUND = {"schema": ErrorSchema, "description": "Not found, or not a party to it"}
_STATE = {"schema": ErrorSchema, "description": "Not in a state this applies to"}


# Required values are checked by the services, after the caller is known to be a party: a
# stranger's call is a 404 whatever it sends.
class NewRating(StrictSchema):
    stars = StrictInteger(load_default=None, validate=validate.Range(min=1, max=5),
                          metadata={"description": "Needed: 1 to 5"})  # fmt: skip
    comment = text(2000, load_default="")


class RatingSchema(Schema):
    id = fields.Integer(required=True)
    contract_id = fields.Integer(required=True)
    rater_id = fields.Integer(required=True)
    ratee_id = fields.Integer(required=True)
    stars = fields.Integer(required=True)
    comment = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class CancelReason(StrictSchema):
    reason = text(2000, load_default="", metadata={"description": "Needed: why you cancel"})


class DisputeReason(StrictSchema):
    reason = text(2000, load_default="", metadata={"description": "Needed: what went wrong"})


@bp.post("/contracts/<int:contract_id>/rating")
@api_access(Role.BRAND, Role.KOL)
@bp.doc(operationId="rateContract",
        summary="Rate the other party, once, after the contract completed")  # fmt: skip
@bp.arguments(NewRating)
@bp.response(201, RatingSchema)
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, schema=ErrorSchema, description="Not completed yet, or already rated")
def rate_contract(payload: dict, contract_id: int):
    rating = services.rate_contract(contract_id=contract_id, rater_id=api_user().id, **payload)
    db.session.commit()
    return {"id": rating.id, "contract_id": rating.contract_id, "rater_id": rating.rater_id,
            "ratee_id": rating.ratee_id, "stars": rating.stars, "comment": rating.comment,
            "created_at": rating.created_at.isoformat()}  # fmt: skip


@bp.post("/contracts/<int:contract_id>/cancel")
@api_access(Role.BRAND, Role.KOL)
@bp.doc(
    operationId="cancelContract",
    summary="Cancel before the note is submitted: anything paid is refunded in full",
)
@bp.arguments(CancelReason)
@bp.response(200, ContractSchema)
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_STATE)
def contract_cancel(payload: dict, contract_id: int):
    party_contract(contract_id, api_user().id)  # others: 404, whatever they send
    if not clean_text(payload["reason"], 2000):
        raise ValidationFailed({"reason": [_("Say why you cancel.")]})
    contract = cancel_contract(contract_id=contract_id, actor_id=api_user().id,
                               reason=payload["reason"])  # fmt: skip
    db.session.commit()
    return contract_json(contract)


@bp.post("/contracts/<int:contract_id>/dispute")
@api_access(Role.BRAND, Role.KOL)
@bp.doc(
    operationId="disputeContract",
    summary="Open a dispute: an admin reviews it, the money stays held meanwhile",
)
@bp.arguments(DisputeReason)
@bp.response(200, ContractSchema)
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_STATE)
def contract_dispute(payload: dict, contract_id: int):
    contract = open_dispute(contract_id=contract_id, user_id=api_user().id,
                            reason=payload["reason"])  # fmt: skip
    db.session.commit()
    return contract_json(contract)
