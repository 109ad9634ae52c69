"""The API's lists of deals — ``GET /bids`` and ``GET /contracts`` — kept per caller.

An answer is kept as its serialised bytes with ``viewer_cache.viewer_data`` (per caller, their
viewer version, the query string; ``VIEWER_TTL`` at most), so a repeat costs no query and no
serialisation. The caller's own commits move their version already; a deal also changes by the
other party's hand, a Stripe webhook or a scheduled job, so every committed change to a bid,
an offer, a contract, a deliverable or which note delivers a deliverable moves the versions
of *both* parties (``_note_deal_parties``): their next read is built afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, jsonify, request
from marshmallow import Schema
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app import key_cache, pagecache, viewer_cache
from app.bids.models import Bid
from app.campaigns.models import Campaign
from app.contracts.models import Contract
from app.orgs.acting import BRAND_ID_HEADER


def _query_string() -> bytes:
    return request.query_string


def served_to_caller_first(name: str, query: Callable[[], bytes] = _query_string) -> Callable:
    """A decorator right under the route's: a list (or stats, app/analytics/api.py) this
    caller's key was answered with before (``cached_list``, same query string) is served
    before the access check, the query's parsing and the view (``key_cache.kept_answer`` says
    when that is safe; the API's ``served_to_viewer_first``). Issue 26: these reads at
    0.50–0.55 × hello. ``query()``: what the answer is kept under besides ``name`` (the view
    keeps it under the same)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            key_hash = g.get("api_key_hash")
            if key_hash and BRAND_ID_HEADER not in request.headers:
                body = key_cache.kept_answer(key_hash, name, query())
                if body is not None:
                    return current_app.response_class(body, mimetype="application/json")
            return view(*args, **kwargs)

        return wrapper

    return decorate


def cached_list(user_id: int, name: str, schema: type[Schema], build: Callable[[], dict]):
    """The JSON answer of ``build()`` (a page envelope) dumped with ``schema``, kept for
    ``user_id`` and this query string."""

    def dumped() -> bytes:
        return jsonify(schema().dump(build())).get_data()

    body = viewer_cache.viewer_data(user_id, (name, request.query_string), dumped)
    return current_app.response_class(body, mimetype="application/json")


def _loaded(session: Session, model, ident: int):
    """The row if the session holds it already (no query), else None."""
    return session.identity_map.get(session.identity_key(model, ident))


def _parties(session: Session, campaigns: set[int], bids: set[int], contracts: set[int]):
    """The brand of each campaign, both sides of each bid and contract: from the session's
    rows where it has them, else one query per kind."""
    found: set[int] = set()
    for model, ids in ((Bid, bids), (Contract, contracts)):
        for ident in list(ids):
            row = _loaded(session, model, ident)
            if row is None:
                continue
            ids.discard(ident)
            if model is Contract:
                found |= {row.brand_id, row.kol_id}
            else:
                found.add(row.kol_id)
                campaigns.add(row.campaign_id)
    if bids:
        stmt = select(Bid.kol_id, Bid.campaign_id).where(Bid.id.in_(bids))
        for kol_id, campaign_id in session.execute(stmt):
            found.add(kol_id)
            campaigns.add(campaign_id)
    if contracts:
        stmt = select(Contract.brand_id, Contract.kol_id).where(Contract.id.in_(contracts))
        for brand_id, kol_id in session.execute(stmt):
            found |= {brand_id, kol_id}
    missing = set()
    for ident in campaigns:
        campaign = _loaded(session, Campaign, ident)
        if campaign is None:
            missing.add(ident)
        else:
            found.add(campaign.brand_id)
    if missing:
        found.update(session.scalars(select(Campaign.brand_id).where(Campaign.id.in_(missing))))
    return found


@event.listens_for(Session, "after_flush")
def _note_deal_parties(session: Session, _context) -> None:
    campaigns: set[int] = set()
    bids: set[int] = set()
    contracts: set[int] = set()
    parties: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table == "bids":
            bids.add(obj.id)
        elif table == "offers":
            bids.add(obj.bid_id)
        elif table == "contracts":
            parties |= {obj.brand_id, obj.kol_id}
        elif table == "deliverables":
            contracts.add(obj.contract_id)
        elif table == "notes" and (
            obj not in session.dirty or inspect(obj).attrs.deliverable_id.history.has_changes()
        ):
            parties |= {obj.brand_id, obj.kol_id}
    if bids or contracts:
        parties |= _parties(session, campaigns, bids, contracts)
    for user_id in parties - {None}:
        pagecache.mark_viewer_changed(session, user_id)
