"""/api/v1 billing and tax details: who a brand's invoices are made out to, and a KOL's W-9 or
W-8BEN facts (the tax id is write-only, read back masked). The same services as the settings
pages: saving tax details releases the payouts that waited for them."""

from __future__ import annotations

from app.api.auth import api_access, api_user
from app.api.paperwork_schemas import BillingDetails, BillingDetailsIn, TaxDetails, TaxDetailsIn
from app.api.routes import bp
from app.api.schemas import ErrorSchema
from app.auth.models import Role
from app.errors import json_error
from app.extensions import db
from app.paperwork import billing
from app.paperwork.crypto import masked
from app.paperwork.models import BrandBilling, KolTaxDetails
from app.paperwork.taxinfo import save_tax_details

_NONE_YET = {"schema": ErrorSchema, "description": "None given yet"}


def _when(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def billing_json(row: BrandBilling) -> dict:
    return {"legal_name": row.legal_name, "address": row.address, "country": row.country,
            "tax_id": row.tax_id, "updated_at": _when(row.updated_at)}  # fmt: skip


def tax_json(row: KolTaxDetails) -> dict:
    names = ("form", "legal_name", "address", "tax_residence", "citizenship", "tin_type",
             "treaty_country", "treaty_article", "treaty_rate_bps", "certified_name")  # fmt: skip
    return {name: getattr(row, name) for name in names} | {
        "tin_masked": masked(row.tin_last4),
        "certified_at": _when(row.certified_at),
    }


@bp.get("/billing-details")
@api_access(Role.BRAND)
@bp.doc(operationId="getBillingDetails", summary="Who the brand's invoices are made out to")
@bp.response(200, BillingDetails)
@bp.alt_response(404, **_NONE_YET)
def get_billing_details():
    row = billing.billing_of(api_user().id)
    if row is None:
        return json_error(404, "not_found", "No billing details yet.")
    return billing_json(row)


@bp.put("/billing-details")
@api_access(Role.BRAND)
@bp.doc(
    operationId="putBillingDetails",
    summary="Set the brand's billing details (invoices already issued keep the old ones)",
)
@bp.arguments(BillingDetailsIn)
@bp.response(200, BillingDetails)
def put_billing_details(payload: dict):
    row = billing.save_billing(brand_id=api_user().id, **payload)
    db.session.commit()
    return billing_json(row)


@bp.get("/tax-details")
@api_access(Role.KOL)
@bp.doc(operationId="getTaxDetails", summary="The KOL's tax details (the tax id masked)")
@bp.response(200, TaxDetails)
@bp.alt_response(404, **_NONE_YET)
def get_tax_details():
    row = db.session.get(KolTaxDetails, api_user().id)
    if row is None:
        return json_error(404, "not_found", "No tax details yet.")
    return tax_json(row)


@bp.put("/tax-details")
@api_access(Role.KOL)
@bp.doc(
    operationId="putTaxDetails",
    summary="Give or replace the KOL's tax details; payouts that waited for them go out",
)
@bp.arguments(TaxDetailsIn)
@bp.response(200, TaxDetails)
def put_tax_details(payload: dict):
    us_person = payload.pop("us_person")
    rate = payload.pop("treaty_rate_bps")
    facts = payload | {"treaty_rate": "" if rate is None else f"{rate / 100:g}"}
    row = save_tax_details(kol_id=api_user().id, us_person=us_person, facts=facts)
    db.session.commit()
    return tax_json(row)
