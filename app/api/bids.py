"""/api/v1 endpoints for bids (same services and rules as the web pages).

Prices are integers in the campaign's minor unit, like every amount of the API and like the
services take them: the validated integer goes straight through.
"""

from __future__ import annotations

from app.api import deal_lists
from app.api.auth import api_access, api_user
from app.api.bid_schemas import (
    BidList,
    BidQuery,
    BidSchema,
    CampaignBidQuery,
    Counter,
    NewBid,
    Rejection,
)
from app.api.contract_schemas import ContractSchema
from app.api.contracts import contract_json
from app.api.outcome_schemas import terms_json
from app.api.routes import bp
from app.api.schemas import ErrorSchema
from app.auth.models import Role
from app.bids import queries, services
from app.bids.fees import bid_fees
from app.bids.models import Bid
from app.extensions import db
from app.pagination import Page, page_json

_NOT_FOUND = {"schema": ErrorSchema, "description": "Not found, or not yours"}
_MOVED_ON = {
    "schema": ErrorSchema,
    "description": "The bid moved on: not your turn, already decided, budget spent",
}


def bid_json(bid: Bid) -> dict:
    fees = bid_fees(bid)
    return {
        "id": bid.id,
        "campaign_id": bid.campaign_id,
        "kol_id": bid.kol_id,
        "status": bid.status.value,
        "turn": bid.turn if bid.is_active else None,
        "price": bid.price,
        "currency": bid.currency,
        "fees": fees.as_dict(),
        "terms": terms_json(bid),
        "pitch": bid.pitch,
        "proposed_delivery": bid.proposed_delivery.isoformat(),
        "deliverable_due_dates": [d.isoformat() for d in bid.deliverable_dates],
        "reject_reason": bid.reject_reason,
        "created_at": bid.created_at.isoformat(),
        "decided_at": bid.decided_at.isoformat() if bid.decided_at else None,
        "offers": [
            {
                "by": offer.by_role,
                "price": offer.price,
                "terms": terms_json(offer) if offer.terms_recorded else None,
                "message": offer.message,
                "created_at": offer.created_at.isoformat(),
            }
            for offer in bid.offers
        ],
    }


@bp.get("/campaigns/<int:campaign_id>/bids")
@api_access(Role.BRAND)
@bp.doc(
    operationId="listCampaignBids",
    summary="The bids on one of your campaigns (brand), with KOL facts to compare",
)
@bp.arguments(CampaignBidQuery, location="query")
@bp.response(200, BidList)
@bp.alt_response(404, **_NOT_FOUND)
def campaign_bids(args: dict, campaign_id: int):
    rows = queries.campaign_bid_rows(
        campaign_id=campaign_id, brand_id=api_user().id, sort=args["sort"], show=args["show"]
    )
    page, per_page = args["page"], args["per_page"]
    shown = Page(rows[(page - 1) * per_page : page * per_page], page, per_page, len(rows))
    items = []
    for row in shown.items:
        item = bid_json(row.bid)
        item["kol"] = {
            "name": row.profile.display_name if row.profile else None,
            "tier": row.profile.tier if row.profile else None,
            "followers": row.profile.total_followers if row.profile else None,
            "rating": row.rating[0] if row.rating else None,
            "ratings": row.rating[1] if row.rating else 0,
            "reliability": row.reliability.score if row.reliability else None,
        }
        items.append(item)
    return page_json(shown, items)


@bp.post("/campaigns/<int:campaign_id>/bids")
@api_access(Role.KOL)
@bp.doc(
    operationId="createBid",
    summary="Bid on an open campaign (verified KOL; one active bid per campaign)",
)
@bp.arguments(NewBid)
@bp.response(201, BidSchema)
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_MOVED_ON)
def create_bid(body: dict, campaign_id: int):
    bid = services.create_bid(
        campaign_id=campaign_id,
        kol_id=api_user().id,
        price=body.get("price"),
        pitch=body.get("pitch", ""),
        proposed_delivery=body.get("proposed_delivery"),
        terms=body.get("terms"),
        deliverable_due_dates=body.get("deliverable_due_dates", []),
    )
    db.session.commit()
    return bid_json(bid)


@bp.get("/bids")
@deal_lists.served_to_caller_first("api.bids")
@api_access(Role.BRAND, Role.KOL)
@bp.doc(operationId="listBids", summary="My bids (KOL) or the bids on my campaigns (brand)")
@bp.arguments(BidQuery, location="query")
@bp.response(200, BidList)
def my_bids(args: dict):
    """Kept per caller (app/api/deal_lists.py): a repeat costs no query."""
    user = api_user()

    def build() -> dict:
        page = queries.bids_page(
            user=user, status=args.get("status"), page=args["page"], per_page=args["per_page"],
            cursor=args.get("cursor"), numbered_first=True,
        )  # fmt: skip
        return page_json(page, [bid_json(b) for b in page.items])

    return deal_lists.cached_list(user.id, "api.bids", BidList, build)


@bp.get("/bids/<int:bid_id>")
@api_access(Role.BRAND, Role.KOL)
@bp.doc(
    operationId="getBid",
    summary="One bid with its offer history (its KOL and the campaign's brand only)",
)
@bp.response(200, BidSchema)
@bp.alt_response(404, **_NOT_FOUND)
def get_bid(bid_id: int):
    bid, _campaign = queries.visible_bid(bid_id=bid_id, user_id=api_user().id)
    return bid_json(bid)


@bp.post("/bids/<int:bid_id>/accept")
@api_access(Role.BRAND, Role.KOL)
@bp.doc(
    operationId="acceptBid",
    summary="Accept the price on the table (the side whose turn it is); creates the contract",
)
@bp.response(201, ContractSchema, description="The new contract")
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_MOVED_ON)
def accept_bid(bid_id: int):
    contract = services.accept_bid(bid_id=bid_id, user_id=api_user().id)
    db.session.commit()
    return contract_json(contract)


@bp.post("/bids/<int:bid_id>/reject")
@api_access(Role.BRAND, Role.KOL)
@bp.doc(
    operationId="rejectBid",
    summary="Reject a bid (brand) or decline a counter-offer (KOL), on your turn",
)
@bp.arguments(Rejection, required=False)
@bp.response(200, BidSchema)
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_MOVED_ON)
def reject_bid(body: dict, bid_id: int):
    bid = services.reject_bid(bid_id=bid_id, user_id=api_user().id, reason=body["reason"])
    db.session.commit()
    return bid_json(bid)


@bp.post("/bids/<int:bid_id>/counter")
@api_access(Role.BRAND, Role.KOL)
@bp.doc(operationId="counterBid", summary="Counter with a new price, on your turn")
@bp.arguments(Counter)
@bp.response(200, BidSchema)
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_MOVED_ON)
def counter_bid(body: dict, bid_id: int):
    bid = services.counter_bid(
        bid_id=bid_id,
        user_id=api_user().id,
        price=body.get("price"),
        message=body["message"],
        terms=body.get("terms"),
    )
    db.session.commit()
    return bid_json(bid)


@bp.post("/bids/<int:bid_id>/withdraw")
@api_access(Role.KOL)
@bp.doc(operationId="withdrawBid", summary="Withdraw your bid (KOL) while pending or your turn")
@bp.response(200, BidSchema)
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_MOVED_ON)
def withdraw_bid(bid_id: int):
    bid = services.withdraw_bid(bid_id=bid_id, kol_id=api_user().id)
    db.session.commit()
    return bid_json(bid)


@bp.put("/bids/<int:bid_id>")
@api_access(Role.KOL)
@bp.doc(
    operationId="updateBid",
    summary="Change your bid (KOL) while it is pending or your turn",
    description="Send price, pitch and proposed_delivery as on creation; a new price (or new "
    "terms) is a new offer and makes it the brand's turn.",
)
@bp.arguments(NewBid)
@bp.response(200, BidSchema)
@bp.alt_response(404, **_NOT_FOUND)
@bp.alt_response(409, **_MOVED_ON)
def update_bid(body: dict, bid_id: int):
    bid = services.update_bid(
        bid_id=bid_id,
        kol_id=api_user().id,
        price=body.get("price"),
        pitch=body.get("pitch", ""),
        proposed_delivery=body.get("proposed_delivery"),
        terms=body.get("terms"),
    )
    db.session.commit()
    return bid_json(bid)
