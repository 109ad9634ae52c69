"""Who may call the API, checked from the OpenAPI document's side.

- The document declares ``security`` truthfully for every operation: public views say so
  (``[]``, or ``{}`` among the options when a key is optional), every other one needs the
  bearer key and declares its 401; every ``/api/v1`` route is documented.
- schemathesis's ``ignored_auth`` runs on every operation that needs a key: a call that
  succeeds with a valid key (one per operation, below) is sent again without the key and with
  a wrong one, and both must be refused.
- Lists (``GET /bids``, ``/contracts``, ``/campaigns``, ``/payouts``, ``/wishlist``) never show
  a brand or KOL the objects of another: the access matrix (``test_access_matrix.py``) already
  proves that every ``/api/v1`` route refuses other callers' objects named in the URL, and
  wrong roles, so only what lists return is checked here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.specs.openapi.checks import ignored_auth

from app.authz import PUBLIC, SIGNED_IN
from app.contracts.models import ContractStatus
from app.db_types import utcnow
from app.extensions import db, limiter
from app.notes.publishing import take_down_note
from tests.campaigns.helpers import api_json
from tests.factories import (
    AGENCY_OWNER,
    make_api_key,
    make_bid,
    make_campaign,
    make_contract,
    make_invoice,
    make_kol,
    make_team_objects,
    make_user,
)
from tests.hardening.api_support import PARAM, admitted, load_schema
from tests.hardening.world import build_world
from tests.notes.support import GOOD_TEXT, draft_note, published_note, submitted_note

BEARER = [{"bearer": []}]
FLASK_PARAM = re.compile(r"<[^>]+>")
# The document itself and its browsable page are not operations of the API.
UNDOCUMENTED = {"api.openapi", "api.docs", "api.docs_css", "api.docs_js"}


def _operations(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_document_declares_who_may_call_each_operation(app):
    problems, documented, routes = [], set(), 0
    for path, method, operation in _operations(app):
        label = f"{method.upper()} {path}"
        documented.add((PARAM.sub("<>", path), method.upper()))
        audience = admitted(app, path, method)
        security = operation.get("security")
        anonymous = security == [] or {} in (security or [])
        if security is None:
            problems.append(f"{label}: no security of its own")
        elif (PUBLIC in audience) != anonymous:
            problems.append(f"{label}: security {security} but the view admits {set(audience)}")
        elif not anonymous and (security != BEARER or "401" not in operation["responses"]):
            problems.append(f"{label}: needs a key; declare {BEARER} and a 401 answer")
        elif not ({PUBLIC, SIGNED_IN} & audience) and "403" not in operation["responses"]:
            problems.append(f"{label}: admits only some roles; declare its 403 answer")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in UNDOCUMENTED:
            continue
        path = FLASK_PARAM.sub("<>", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes += 1
            if (path, method) not in documented:
                problems.append(f"{method} {rule.rule} is not in the OpenAPI document")
    print(f"OpenAPI security: {len(documented)} operations, {routes} /api/v1 routes")
    assert not problems, "\n".join(problems)


@dataclass
class Call:
    """A call that succeeds: as whom, the path parameters (kinds of seeded object, or values),
    a JSON body."""

    role: str
    path: dict = field(default_factory=dict)
    body: object = None


def _books() -> dict:
    """A journal entry, a reconciled period with a difference to resolve, one to close."""
    from app.finance.models import ReconciliationItem, ReconciliationPeriod, ReconciliationRun
    from app.ledger.models import CASH, REVENUE
    from app.ledger.services import Leg, post_entry

    entry = post_entry(key="auth-entry", kind="adjustment", currency="usd",
                       legs=[Leg(CASH, 500), Leg(REVENUE, -500)], contract_id=None)  # fmt: skip
    day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    periods = [ReconciliationPeriod(starts_at=day - timedelta(days=n + 1), ends_at=day - timedelta(days=n))
               for n in (0, 1)]  # fmt: skip
    db.session.add_all(periods)
    db.session.flush()
    runs = [ReconciliationRun(period_id=p.id, status="done") for p in periods]
    db.session.add_all(runs)
    db.session.flush()
    item = ReconciliationItem(run_id=runs[0].id, kind="missing_in_ledger", txn_type="charge",
                              currency="usd", stripe_amount=500)  # fmt: skip
    db.session.add(item)
    db.session.flush()
    return {"entry": entry, "difference": item, "reconciled": periods[1], "run": runs[0]}


def _seed() -> tuple[dict[str, str], dict[str, int]]:
    """A brand and a verified KOL with one object in each state some operation needs."""
    from app.engagement.comments import add_comment
    from app.engagement.models import NoteSave, WishlistBoard

    brand, kol = make_user("brand"), make_kol(verified=True)
    now = utcnow()

    def funded():
        return make_contract(make_bid(make_campaign(brand), kol), status=ContractStatus.FUNDED)

    objects = {
        "open": make_campaign(brand),
        "draft": make_campaign(brand, status="draft", published_at=None),
        "closed": make_campaign(brand, status="closed"),
        "bid": make_bid(make_campaign(brand), kol),  # the brand's turn
        "unfunded": make_contract(make_bid(make_campaign(brand), kol)),
        "funded": funded(),  # no note yet
        "completed": make_contract(
            make_bid(make_campaign(brand), kol), status=ContractStatus.COMPLETED
        ),
    }
    objects["draft_note"] = draft_note(funded())
    objects["submitted"] = submitted_note(funded())
    objects["published"] = published_note(funded())
    from app.contracts.models import Contract

    objects["licensable"] = db.session.get(Contract, published_note(funded()).contract_id)
    objects["takedown_asked"] = published_note(funded())
    objects["takedown_asked"].takedown_requested_at = now
    no_rounds = make_contract(
        make_bid(make_campaign(brand, revision_rounds=0), kol), status=ContractStatus.FUNDED
    )
    objects["rounds_used"] = submitted_note(no_rounds)
    objects["extra_asked"] = submitted_note(funded())
    objects["extra_asked"].extra_round_requested_at = now
    objects["taken_down"] = take_down_note(
        note_id=published_note(funded()).id, kol_id=kol.id, accept_breach=True
    )
    db.session.add(NoteSave(note_id=objects["published"].id, user_id=kol.id, created_at=now))
    objects["board"] = WishlistBoard(user_id=kol.id, name="Picks")
    db.session.add(objects["board"])
    objects["comment"] = add_comment(note_id=objects["published"].id, user_id=brand.id, body="Hi")
    from app.analytics.services import record_conversion

    record_conversion(brand_id=brand.id, order_id="returned-1", value=900, currency="usd",
                      occurred_at=now)  # fmt: skip
    from app.shortlists.services import add_kol, create_shortlist

    objects["shortlist"] = create_shortlist(brand_id=brand.id, name="Faves")
    objects["invoice"] = make_invoice(funded())
    from app.webhooks.models import WebhookDelivery, WebhookEndpoint

    # Made after the seeded bids (nothing was sent); a resend is refused at once (port 9).
    objects["endpoint"] = WebhookEndpoint(brand_id=brand.id, url="http://127.0.0.1:9/in",
                                          events="bid.received", secret="whsec_dGVzdA==")  # fmt: skip
    db.session.add(objects["endpoint"])
    db.session.flush()
    objects["delivery"] = WebhookDelivery(endpoint_id=objects["endpoint"].id, message_id="msg_1",
                                          event_type="bid.received", event_key="bid.received:1",
                                          payload={"type": "bid.received"}, status="failed")  # fmt: skip
    db.session.add(objects["delivery"])
    from app.payments.models import Payout, PayoutStatus, Refund

    paid_out = objects["published"].contract_id
    for name, status, note in (("failed_payout", PayoutStatus.FAILED, "published"),
                               ("held", PayoutStatus.ON_HOLD, "submitted")):  # fmt: skip
        objects[name] = Payout(contract_id=objects[note].contract_id, kol_id=kol.id,
                               stage="approval", amount=1000, currency="usd", status=status,
                               last_error="card_declined")  # fmt: skip
        db.session.add(objects[name])
    objects["failed_refund"] = Refund(contract_id=paid_out, amount=1000, currency="usd",
                                      reason_code="cancellation", charge_id="ch_auth_seed",
                                      status="failed", last_error="charge_disputed",
                                      failed_at=now)  # fmt: skip
    db.session.add(objects["failed_refund"])
    from app.profiles.services import add_social_account

    objects["social"] = add_social_account(user_id=kol.id, platform="tiktok", handle="glow",
                                           followers=9_000, url=None)  # fmt: skip
    from app.notifications.services import notify

    objects["notification"] = notify(user_id=brand.id, kind="webhook.disabled", link="/webhooks",
                                     url="https://hooks.brand.example/in")  # fmt: skip
    add_kol(brand_id=brand.id, shortlist_id=objects["shortlist"].id, kol_id=kol.id)
    from app.paperwork.billing import save_billing
    from app.paperwork.taxinfo import save_tax_details

    objects |= _books()
    from app.analytics.media_kit import create_link

    objects["kit_link"] = create_link(kol_id=kol.id, name="For brand A")
    save_billing(brand_id=brand.id, **BILLING)
    save_tax_details(kol_id=kol.id, us_person=False, facts=TAX)
    from app.profiles.services import submit_verification

    new_kol, waiting_kol = make_kol(), make_kol()
    objects["verification"] = submit_verification(user_id=waiting_kol.id, handles="TikTok @mei",
                                                  screenshot=None)  # fmt: skip
    objects |= make_team_objects(brand)
    db.session.commit()
    keys = {
        "brand": make_api_key(brand),
        "kol": make_api_key(kol),
        "finance": make_api_key(make_user("finance")),
        "admin": make_api_key(make_user("admin")),
        "shopper": make_api_key(make_user("shopper")),
        "new_kol": make_api_key(new_kol),
        "waiting_kol": make_api_key(waiting_kol),
    }
    ids = {name: obj.id for name, obj in objects.items()} | {"kol": kol.id}
    return keys, ids


BILLING = {"legal_name": "Glow Ltd", "address": "1 Main St", "country": "US", "tax_id": None}
TAX = {"us_person": False, "legal_name": "Mei Lin", "address": "8 Road, Shanghai",
       "tax_residence": "CN", "citizenship": "CN", "tin": "AB123456", "certified_name": "Mei Lin",
       "certify": True}  # fmt: skip

CORRECTION = {"reason": "Typo", "legs": [{"account": "stripe_cash", "amount": 100},
                                         {"account": "platform_revenue", "amount": -100}]}  # fmt: skip


def _valid_calls() -> dict[str, Call]:
    """One call that succeeds per operation that needs a key (operationId → call)."""
    soon = (utcnow() + timedelta(days=20)).date().isoformat()
    conversion = {"order_id": "order-1", "value": 4_200, "currency": "usd"}
    return {
        "getMe": Call("kol"),
        "listCampaigns": Call("kol"),
        "createCampaign": Call("brand", body=api_json()),
        "getCampaign": Call("kol", {"campaign_id": "open"}),
        "updateCampaign": Call("brand", {"campaign_id": "draft"}, {"title": "Renamed"}),
        "publishCampaign": Call("brand", {"campaign_id": "draft"}),
        "closeCampaign": Call("brand", {"campaign_id": "open"}),
        "reopenCampaign": Call("brand", {"campaign_id": "closed"}),
        "cancelCampaign": Call("brand", {"campaign_id": "open"}),
        "getCampaignStats": Call("brand", {"campaign_id": "open"}),
        "listCampaignBids": Call("brand", {"campaign_id": "open"}),
        "createBid": Call(
            "kol",
            {"campaign_id": "open"},
            {"price": 50_000, "pitch": "Love it", "proposed_delivery": soon},
        ),
        "listBids": Call("brand"),
        "getBid": Call("kol", {"bid_id": "bid"}),
        "acceptBid": Call("brand", {"bid_id": "bid"}),
        "rejectBid": Call("brand", {"bid_id": "bid"}, {"reason": "Not this time"}),
        "counterBid": Call("brand", {"bid_id": "bid"}, {"price": 40_000, "message": "Less?"}),
        "withdrawBid": Call("kol", {"bid_id": "bid"}),
        "listContracts": Call("kol"),
        "getContract": Call("brand", {"contract_id": "funded"}),
        "listMessages": Call("kol", {"contract_id": "funded"}),
        "postMessage": Call("kol", {"contract_id": "funded"}, {"body": "Hello"}),
        "fundContract": Call("brand", {"contract_id": "unfunded"}),
        "getContractMoney": Call("brand", {"contract_id": "funded"}),
        "getContractLedger": Call("kol", {"contract_id": "funded"}),
        "getContractStats": Call("brand", {"contract_id": "funded"}),
        "listPayouts": Call("kol"),
        "putNoteDraft": Call("kol", {"contract_id": "funded"}, GOOD_TEXT),
        "submitNote": Call("kol", {"note_id": "draft_note"}),
        "approveNote": Call("brand", {"note_id": "submitted"}),
        "requestNoteChanges": Call(
            "brand", {"note_id": "submitted"}, {"comment": "Show the box", "brief_item": "brief"}
        ),
        "republishNote": Call("kol", {"note_id": "taken_down"}),
        "getNote": Call("brand", {"note_id": "published"}),
        "getKol": Call("brand", {"kol_id": "kol"}),
        "getNoteStats": Call("kol", {"note_id": "published"}),
        "likeNote": Call("brand", {"note_id": "published"}),
        "unlikeNote": Call("brand", {"note_id": "published"}),
        "saveNote": Call("brand", {"note_id": "published"}, {}),
        "unsaveNote": Call("kol", {"note_id": "published"}),
        "markNoteBought": Call("kol", {"note_id": "published"}),
        "followKol": Call("brand", {"kol_id": "kol"}, {}),
        "unfollowKol": Call("brand", {"kol_id": "kol"}),
        "getWishlist": Call("kol"),
        "postNoteComment": Call("kol", {"note_id": "published"}, {"body": "Nice"}),
        "deleteComment": Call("brand", {"comment_id": "comment"}),
        "postConversion": Call("brand", body=conversion),
        "reverseConversion": Call("brand", body={"order_id": "returned-1"}),
        "listSettlements": Call("kol", {"contract_id": "funded"}),
        "searchKols": Call("brand"),
        "listShortlists": Call("brand"),
        "getTeam": Call("brand"),
        "inviteMember": Call("brand", body={"email": "new@example.com", "role": "analyst"}),
        "revokeInvitation": Call("brand", {"invitation_id": "invitation"}),
        "changeMemberRole": Call("brand", {"membership_id": "membership"}, {"role": "finance"}),
        "removeMember": Call("brand", {"membership_id": "membership"}),
        "grantAgency": Call("brand", body={"agency_email": AGENCY_OWNER}),
        "revokeAgencyGrant": Call("brand", {"grant_id": "grant"}),
        "listActingBrands": Call("brand"),
        "createShortlist": Call("brand", body={"name": "Skincare picks"}),
        "getShortlist": Call("brand", {"shortlist_id": "shortlist"}),
        "renameShortlist": Call("brand", {"shortlist_id": "shortlist"}, {"name": "Renamed"}),
        "deleteShortlist": Call("brand", {"shortlist_id": "shortlist"}),
        "addShortlistKol": Call("brand", {"shortlist_id": "shortlist", "kol_id": "kol"}),
        "removeShortlistKol": Call("brand", {"shortlist_id": "shortlist", "kol_id": "kol"}),
        # "@open": the id of the seeded object, in the body
        "inviteShortlist": Call("brand", {"shortlist_id": "shortlist"}, {"campaign_id": "@open"}),
        "inviteKol": Call("brand", {"campaign_id": "open"}, {"kol_id": "@kol"}),
        "listInvitations": Call("kol"),
        "setPromoCode": Call("kol", {"contract_id": "funded"}, {"promo_code": "GLOW10"}),
        "updateMe": Call("kol", body={"locale": "zh_Hans", "time_zone": "Asia/Shanghai"}),
        "listNotifications": Call("brand"),
        "markNotificationRead": Call("brand", {"notification_id": "notification"}),
        "markAllNotificationsRead": Call("brand"),
        "duplicateCampaign": Call("brand", {"campaign_id": "open"}),
        "updateBid": Call(
            "kol",
            {"bid_id": "bid"},
            {"price": 45_000, "pitch": "Even better", "proposed_delivery": soon},
        ),
        "createWishlistBoard": Call("kol", body={"name": "Later"}),
        "updateWishlistBoard": Call("kol", {"board_id": "board"}, {"name": "Soon"}),
        "deleteWishlistBoard": Call("kol", {"board_id": "board"}),
        "hideComment": Call("kol", {"comment_id": "comment"}),
        "unhideComment": Call("brand", {"comment_id": "comment"}),
        "reportComment": Call("kol", {"comment_id": "comment"}, {"reason": "Spam"}),
        "addSocialAccount": Call(
            "kol", body={"platform": "douyin", "handle": "glowdaily", "followers": 12_000}
        ),
        "updateSocialAccount": Call("kol", {"account_id": "social"}, {"followers": 15_000}),
        "removeSocialAccount": Call("kol", {"account_id": "social"}),
        "listWebhookEndpoints": Call("brand"),
        "createWebhookEndpoint": Call(
            "brand", body={"url": "https://hooks.brand.example/in", "events": ["bid.received"]}
        ),
        "getWebhookEndpoint": Call("brand", {"endpoint_id": "endpoint"}),
        "updateWebhookEndpoint": Call(
            "brand", {"endpoint_id": "endpoint"}, {"events": ["note.published"]}
        ),
        "deleteWebhookEndpoint": Call("brand", {"endpoint_id": "endpoint"}),
        "rotateWebhookSecret": Call("brand", {"endpoint_id": "endpoint"}),
        "listWebhookDeliveries": Call("brand", {"endpoint_id": "endpoint"}),
        "resendWebhookDelivery": Call("brand", {"delivery_id": "delivery"}),
        "buyLicence": Call(
            "brand",
            {"contract_id": "licensable"},
            {"licence_scope": "paid", "licence_days": 30, "licence_fee": 5_000},
        ),
        "getFinanceSummary": Call("finance"),
        "holdPayout": Call("finance", {"payout_id": "failed_payout"}, {"reason": "Check the KOL"}),
        "releasePayoutHold": Call("finance", {"payout_id": "held"}),
        "retryPayout": Call("finance", {"payout_id": "failed_payout"}, {"reason": "Fixed"}),
        "retryRefund": Call("finance", {"refund_id": "failed_refund"}),
        "listFinanceRefunds": Call("admin"),
        "listFinancePayouts": Call("admin"),
        "listFinanceEntries": Call("finance"),
        "listInvoices": Call("brand"),
        "getInvoice": Call("brand", {"invoice_id": "invoice"}),
        "getInvoicePdf": Call("brand", {"invoice_id": "invoice"}),
        "getEarningsStatement": Call("kol"),
        "getBillingDetails": Call("brand"),
        "putBillingDetails": Call("brand", body=BILLING),
        "getTaxDetails": Call("kol"),
        "listMediaKitLinks": Call("kol"),
        "createMediaKitLink": Call("kol", body={"name": "For Glow"}),
        "revokeMediaKitLink": Call("kol", {"link_id": "kit_link"}),
        "askExtraRound": Call(
            "brand", {"note_id": "rounds_used"}, {"comment": "Once more", "brief_item": "brief"}
        ),
        "answerExtraRound": Call("kol", {"note_id": "extra_asked"}, {"consent": True}),
        "takeDownNote": Call("kol", {"note_id": "published"}, {"accept_breach": True}),
        "requestNoteTakedown": Call("kol", {"note_id": "published"}),
        "answerNoteTakedown": Call("brand", {"note_id": "takedown_asked"}, {"consent": False}),
        "setNoteExternalUrl": Call(
            "kol", {"note_id": "published"}, {"external_url": "https://www.instagram.com/p/abc"}
        ),
        "listReconciliationDifferences": Call("admin", {"run_id": "run"}),
        "correctLedgerEntry": Call("finance", {"entry_id": "entry"}, CORRECTION),
        "startReconciliation": Call(
            "finance", body={"date_from": "2026-01-01", "date_to": "2026-01-31"}
        ),
        "resolveReconciliationItem": Call("finance", {"item_id": "difference"}, {"note": "Fixed"}),
        "closeReconciliationPeriod": Call("finance", {"period_id": "reconciled"}),
        "rateContract": Call("brand", {"contract_id": "completed"}, {"stars": 5}),
        "cancelContract": Call("kol", {"contract_id": "unfunded"}, {"reason": "Too busy"}),
        "disputeContract": Call("brand", {"contract_id": "funded"}, {"reason": "No note"}),
        "putTaxDetails": Call("kol", body=TAX),
        "getBrandProfile": Call("brand"),
        "putBrandProfile": Call("brand", body={"company_name": "Glow Ltd", "currency": "usd"}),
        "getKolProfile": Call("kol"),
        "putKolProfile": Call(
            "kol", body={"display_name": "Mei", "rate_currency": "usd", "rate_image": 20_000}
        ),
        "getShopperProfile": Call("shopper"),
        "putShopperProfile": Call("shopper", body={"display_name": "Ann", "interests": ["beauty"]}),
        "submitVerification": Call("new_kol", body={"handles": "Instagram @glow"}),
        "getVerification": Call("waiting_kol"),
        "listVerifications": Call("admin"),
        "decideVerification": Call("admin", {"request_id": "verification"}, {"approve": True}),
    }


def test_every_operation_that_needs_a_key_refuses_none_and_a_wrong_one(app, monkeypatch):
    # Likes and saves straight to the database, so each call's savepoint takes them back too.
    monkeypatch.setitem(app.config, "ENGAGEMENT_BUFFER", "direct")
    keys, ids = _seed()
    connection = db._app_engines[app][None]  # the test's connection (tests/conftest.py)
    schema = load_schema(app)
    valid_calls, guarded, refused, problems = _valid_calls(), set(), {}, []
    for result in schema.get_all_operations():
        operation = result.ok()
        operation_id = operation.definition.raw["operationId"]
        if {} in operation.definition.raw["security"] or not operation.definition.raw["security"]:
            continue
        guarded.add(operation_id)
        call = valid_calls.get(operation_id)
        if call is None:
            problems.append(f"{operation.label}: add a call that succeeds to _valid_calls()")
            continue
        sent = call.body
        if isinstance(sent, dict):
            sent = {k: ids[v[1:]] if str(v).startswith("@") else v for k, v in sent.items()}
        body = {} if sent is None else {"body": sent, "media_type": "application/json"}
        case = operation.Case(
            path_parameters={name: ids.get(value, value) for name, value in call.path.items()},
            **body,
        )
        headers = {"Authorization": f"Bearer {keys[call.role]}"}
        recorder = ScenarioRecorder(label=operation.label)
        db.session.rollback()
        savepoint = connection.begin_nested()
        try:
            limiter.reset()
            response = case.call(headers=headers)
            if not 200 <= response.status_code < 300:
                problems.append(f"{operation.label}: {response.status_code} {response.text[:200]}")
                continue
            try:
                case.validate_response(
                    response, checks=[ignored_auth], headers=headers, recorder=recorder
                )
            except (Exception, BaseExceptionGroup) as error:  # reported with the others
                problems.append(f"{operation.label}: {error}")
                continue
        finally:
            db.session.rollback()
            savepoint.rollback()
        probes = [
            recorder.interactions[node.value.id].response.status_code
            for node in recorder.cases.values()
            if node.parent_id == case.id and node.value.id in recorder.interactions
        ]
        refused[operation_id] = probes
        if len(probes) < 2 or any(status != 401 for status in probes):
            problems.append(f"{operation.label}: probes without/with a wrong key got {probes}")
    stale = sorted(set(valid_calls) - guarded)
    print(
        f"ignored_auth: {len(refused)} of {len(guarded)} operations that need a key probed, "
        f"{sum(len(p) for p in refused.values())} probes without or with a wrong key, "
        f"statuses {sorted({s for p in refused.values() for s in p})}"
    )
    assert not stale, f"_valid_calls() names operations that need no key or do not exist: {stale}"
    assert not problems, "\n".join(problems)


# What each list shows: the URL, where the ids are in its answer, the kind of object (the URL
# value that names it in tests/hardening/world.py).
LISTS = [
    (
        "/api/v1/campaigns?per_page=100",
        lambda body: [i["id"] for i in body["items"]],
        "campaign_id",
    ),
    ("/api/v1/bids?per_page=100", lambda body: [i["id"] for i in body["items"]], "bid_id"),
    (
        "/api/v1/contracts?per_page=100",
        lambda body: [i["id"] for i in body["items"]],
        "contract_id",
    ),
    ("/api/v1/payouts", lambda body: [p["id"] for p in body["items"]], "payout_id"),
    ("/api/v1/wishlist", lambda body: [b["id"] for b in body["boards"] if b["id"]], "board_id"),
]


def test_lists_never_show_another_brand_or_kol_their_objects(app):
    world = build_world()
    client = app.test_client()
    shown, problems = 0, []
    for principal in ("A", "B", "X", "Y"):
        headers = {"Authorization": f"Bearer {world.keys[principal]}"}
        for url, ids_in, kind in LISTS:
            response = client.get(url, headers=headers)
            if response.status_code == 403:
                continue  # a list of another role (the access matrix checks who may call it)
            assert response.status_code == 200, f"{url} as {principal}: {response.status_code}"
            others = {
                obj.values[kind]
                for obj in world.by_args[(kind,)]
                if principal not in obj.owners and not obj.public
            }
            ids = ids_in(response.get_json())
            shown += len(ids)
            leaked = sorted(set(ids) & others)
            if leaked:
                problems.append(f"{url} as {principal} shows others' {kind} {leaked}")
    print(f"API lists across callers: {shown} rows shown to brands A/B and KOLs X/Y")
    assert not problems, "\n".join(problems)
