"""/api/v1 licence purchases: a brand buys a licence or an extension on its published note."""

from __future__ import annotations

from app.api.auth import api_access, api_user
from app.api.licence_schemas import LicencePurchaseInput, LicencePurchaseSchema
from app.api.routes import bp
from app.api.schemas import ErrorSchema
from app.auth.models import Role
from app.extensions import db
from app.licences.models import LicencePurchase
from app.licences.purchases import start_licence_purchase


def purchase_json(purchase: LicencePurchase, checkout_url: str | None) -> dict:
    def iso(value):
        return value.isoformat() if value is not None else None

    return {
        "id": purchase.id,
        "contract_id": purchase.contract_id,
        "status": purchase.status,
        "currency": purchase.currency,
        "licence_scope": purchase.licence_scope,
        "licence_days": purchase.licence_days,
        "licence_fee": purchase.licence_fee,
        "licence_brand_fee": purchase.licence_brand_fee,
        "licence_kol_fee": purchase.licence_kol_fee,
        "total": purchase.total,
        "starts_at": iso(purchase.starts_at),
        "ends_at": iso(purchase.ends_at),
        "checkout_url": checkout_url,
    }


@bp.post("/contracts/<int:contract_id>/licence-purchases")
@api_access(Role.BRAND)
@bp.doc(
    operationId="buyLicence",
    summary="Buy a usage licence (or an extension) on your contract's published note; pay it "
    "at checkout_url",
)
@bp.arguments(LicencePurchaseInput)
@bp.response(201, LicencePurchaseSchema)
@bp.alt_response(404, schema=ErrorSchema, description="Not found, or not yours")
@bp.alt_response(409, schema=ErrorSchema, description="The note is not published yet")
def buy_licence(body: dict, contract_id: int):
    purchase, checkout_url = start_licence_purchase(
        contract_id=contract_id, brand_id=api_user().id, values=body
    )
    db.session.commit()
    return purchase_json(purchase, checkout_url)
