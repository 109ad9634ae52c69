"""/api/v1 outcome deals: settlements and their statements, conversion reversals, promo codes."""

from __future__ import annotations

from app.analytics.api import conversion_json
from app.api.auth import api_access, api_user
from app.api.outcome_schemas import (
    PromoCodeInput,
    PromoCodeSchema,
    ReversalInput,
    ReversedConversion,
    SettlementList,
)
from app.api.routes import bp
from app.api.schemas import ErrorSchema
from app.auth.models import Role
from app.extensions import db
from app.outcomes import services
from app.outcomes.models import Settlement

_NOT_FOUND = {"schema": ErrorSchema, "description": "Not found, or not a party to it"}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def settlement_json(settlement: Settlement, contract) -> dict:
    return {
        "id": settlement.id,
        "contract_id": settlement.contract_id,
        "seq": settlement.seq,
        "final": settlement.final,
        "currency": settlement.currency,
        "window_start": _iso(settlement.window_start),
        "window_end": _iso(settlement.window_end),
        "as_of": _iso(settlement.as_of),
        "orders_counted": settlement.orders_counted,
        "order_value": settlement.order_value,
        "commission": settlement.commission,
        "bonus_metric": contract.bonus_metric,
        "metric_value": settlement.metric_value,
        "bonus": settlement.bonus,
        "cap": contract.outcome_cap,
        "earned": settlement.earned,
        "released_before": settlement.released_before,
        "released": settlement.released,
        "carried": settlement.carried,
        "brand_fee": settlement.brand_fee_part,
        "kol_fee": settlement.kol_fee_part,
        "kol_net": settlement.kol_net,
        "refunded": settlement.refunded,
        "created_at": _iso(settlement.created_at),
        "lines": [
            {
                "order_id": line.order_id,
                "value": line.value,
                "currency": line.currency,
                "occurred_at": _iso(line.occurred_at),
                "counted": line.counted,
                "commission": line.commission,
                "reason": line.reason,
                "reason_text": services.reason_text(line.reason),
            }
            for line in settlement.lines
        ],
    }


@bp.get("/contracts/<int:contract_id>/settlements")
@api_access(Role.BRAND, Role.KOL, Role.FINANCE, Role.ADMIN)
@bp.doc(
    operationId="listSettlements",
    summary="A contract's outcome settlements, newest first, each with its statement",
)
@bp.response(200, SettlementList)
@bp.alt_response(404, **_NOT_FOUND)
def list_settlements(contract_id: int):
    contract = services.readable_contract(contract_id=contract_id, user=api_user())
    return {"items": [settlement_json(s, contract) for s in services.settlements_of(contract.id)]}


@bp.post("/conversions/reversals")
@api_access(Role.BRAND)
@bp.doc(
    operationId="reverseConversion",
    summary="Reverse an order you reported (returned or refunded) within the return window",
)
@bp.arguments(ReversalInput)
@bp.response(200, ReversedConversion, description="Reversed (repeating it changes nothing)")
@bp.alt_response(404, schema=ErrorSchema, description="No such order of yours")
@bp.alt_response(409, schema=ErrorSchema, description="The return window closed")
def reverse_conversion(body: dict):
    conversion = services.reverse_conversion(brand_id=api_user().id, order_id=body["order_id"])
    db.session.commit()
    return conversion_json(conversion) | {"reversed_at": _iso(conversion.reversed_at)}


@bp.put("/contracts/<int:contract_id>/promo-code")
@api_access(Role.KOL)
@bp.doc(operationId="setPromoCode", summary="Choose (or remove) your promo code on a contract")
@bp.arguments(PromoCodeInput)
@bp.response(200, PromoCodeSchema)
@bp.alt_response(404, **_NOT_FOUND)
def set_promo_code(body: dict, contract_id: int):
    contract = services.set_promo_code(
        contract_id=contract_id,
        kol_id=api_user().id,
        code=body.get("promo_code"),
        missing="promo_code" not in body,
    )
    db.session.commit()
    services.forget_note_page(contract.id)
    return {"contract_id": contract.id, "promo_code": contract.promo_code}
