"""Stateful API fuzzing: schemathesis chains calls along the links of our OpenAPI document
(app/api/links.py): create a campaign → read, change, publish it → bid on it → accept the bid →
read, fund and message on the contract → write the note…, each step with data drawn from the
document and the ids the previous answers carried.

Each call is made with the key of a role the operation admits (on a bid, the side whose turn
it is). No answer may be a 5xx; answers to valid input must use a status code and content type
the document declares, and an operation that needs a key must refuse the same call without one
or with a wrong one (schemathesis's ``ignored_auth``). Each scenario runs in a savepoint rolled
back afterwards, so scenarios start from the same seeded world. ``FUZZ_SCENARIOS`` and
``FUZZ_STEPS`` raise the budget (``make soak``).
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from datetime import timedelta

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    status_code_conformance,
)

from app.api.links import CARRIES, TAKES
from app.bids.models import Bid
from app.contracts.models import ContractStatus
from app.db_types import utcnow
from app.extensions import db, limiter
from app.redis import redis_client
from tests.campaigns.helpers import api_json
from tests.factories import (
    make_api_key,
    make_bid,
    make_campaign,
    make_contract,
    make_invoice,
    make_kol,
    make_team_objects,
    make_user,
)
from tests.hardening.api_support import load_schema, roles_for
from tests.notes.support import GOOD_TEXT, draft_note, published_note, submitted_note

# operationId → (the kind of seeded object whose id it takes, its path parameter)
SEEDED_AS = {"campaign_ref": "campaign", "bid_ref": "bid", "contract_ref": "contract",
             "published_note": "note"}  # fmt: skip
TAKEN_BY = {
    op: (SEEDED_AS.get(kind, kind), name) for kind, ops in TAKES.items() for op, name in ops.items()
}
SCENARIOS = int(os.environ.get("FUZZ_SCENARIOS", "30"))
STEPS = int(os.environ.get("FUZZ_STEPS", "8"))


def _seed() -> tuple[dict[str, str], dict[str, list[int]]]:
    """One brand and one verified KOL with objects in every state a workflow can go on from:
    an API key per role, and the objects' ids by kind (as in app/api/links.py)."""
    from app.engagement.comments import add_comment
    from app.shortlists.models import Shortlist, ShortlistMember

    brand, kol = make_user("brand"), make_kol(verified=True)
    open_campaign = make_campaign(brand)  # the KOL may bid
    draft = make_campaign(brand, status="draft", published_at=None)  # complete: can be published
    bid = make_bid(make_campaign(brand), kol)  # the brand's turn
    contracts = [make_contract(make_bid(make_campaign(brand), kol))]  # awaiting funding
    contracts += [
        make_contract(make_bid(make_campaign(brand), kol), status=ContractStatus.FUNDED)
        for _ in range(3)
    ]
    notes = [draft_note(contracts[1]), submitted_note(contracts[2]), published_note(contracts[3])]
    comment = add_comment(note_id=notes[2].id, user_id=brand.id, body="Lovely")
    shortlist = Shortlist(brand_id=brand.id, name="Seeded picks")
    shortlist.members.append(ShortlistMember(kol_id=kol.id))
    db.session.add(shortlist)
    others = _seed_others(brand, kol, contracts[3].id) | _seed_team(brand)
    others["invoice"] = make_invoice(contracts[1])
    db.session.commit()
    keys = {
        "brand": make_api_key(brand),
        "kol": make_api_key(kol),
        "finance": make_api_key(make_user("finance")),
        "admin": make_api_key(make_user("admin")),
        "shopper": make_api_key(make_user("shopper")),
    }
    ids = {
        "campaign": [open_campaign.id, draft.id, bid.campaign_id],
        "bid": [bid.id],
        "contract": [c.id for c in contracts],
        "note": [n.id for n in notes],
        "kol": [kol.id],
        "comment": [comment.id],
        "shortlist": [shortlist.id],
    } | {kind: [obj.id] for kind, obj in others.items()}
    return keys, ids


def _seed_team(brand) -> dict:
    team = make_team_objects(brand)
    return {"team_member": team["membership"], "team_invitation": team["invitation"],
            "agency_grant": team["grant"]}  # fmt: skip


def _seed_others(brand, kol, contract_id: int) -> dict:
    """A webhook endpoint with a delivery (to a closed port: a resend fails at once), a
    notification, a failed payout, a wishlist board, a social account and another KOL's
    verification request waiting for an admin (flushed)."""
    from app.analytics.media_kit import create_link
    from app.engagement.models import WishlistBoard
    from app.notifications.services import notify
    from app.payments.models import Payout, PayoutStatus, Refund
    from app.profiles.services import add_social_account, submit_verification
    from app.webhooks.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint(brand_id=brand.id, url="http://127.0.0.1:9/in",
                               events="bid.received", secret="whsec_dGVzdA==")  # fmt: skip
    board = WishlistBoard(user_id=kol.id, name="Seeded board")
    payout = Payout(contract_id=contract_id, kol_id=kol.id, stage="approval", amount=1000,
                    currency="usd", status=PayoutStatus.FAILED)  # fmt: skip
    refund = Refund(contract_id=contract_id, amount=1000, currency="usd",
                    reason_code="cancellation", charge_id="ch_stateful_seed", status="failed")  # fmt: skip
    db.session.add_all([endpoint, board, payout, refund])
    db.session.flush()
    delivery = WebhookDelivery(endpoint_id=endpoint.id, message_id="msg_seed",
                               event_type="bid.received", event_key="bid.received:seed",
                               payload={"type": "bid.received"}, status="failed")  # fmt: skip
    db.session.add(delivery)
    db.session.flush()
    return {
        "webhook_endpoint": endpoint,
        "webhook_delivery": delivery,
        "notification": notify(
            user_id=brand.id, kind="webhook.disabled", link="/webhooks", url=endpoint.url
        ),
        "payout": payout,
        "refund": refund,
        "board": board,
        "social_account": add_social_account(
            user_id=kol.id, platform="tiktok", handle="seeded", followers=9_000, url=None
        ),
        "media_kit_link": create_link(kol_id=kol.id, name="Seeded link"),
        "verification_request": submit_verification(
            user_id=make_kol().id, handles="TikTok @seeded", screenshot=None
        ),
        **_books(),
    }


def _books() -> dict:
    """A journal entry, a reconciliation run with a difference, its period (flushed)."""
    from app.finance.models import ReconciliationItem, ReconciliationPeriod, ReconciliationRun
    from app.ledger.models import CASH, REVENUE
    from app.ledger.services import Leg, post_entry

    entry = post_entry(key="stateful-entry", kind="adjustment", currency="usd", contract_id=None,
                       legs=[Leg(CASH, 500), Leg(REVENUE, -500)])  # fmt: skip
    day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    period = ReconciliationPeriod(starts_at=day - timedelta(days=1), ends_at=day)
    db.session.add(period)
    db.session.flush()
    run = ReconciliationRun(period_id=period.id, status="done")
    db.session.add(run)
    db.session.flush()
    item = ReconciliationItem(run_id=run.id, kind="missing_in_ledger", txn_type="charge",
                              currency="usd", stripe_amount=500)  # fmt: skip
    db.session.add(item)
    db.session.flush()
    return {"journal_entry": entry, "reconciliation_period": period,
            "reconciliation_run": run, "reconciliation_item": item}  # fmt: skip


def _realistic_bodies() -> dict[str, st.SearchStrategy]:
    """Bodies a real client sends, drawn half the time next to the document's own data, so
    workflows get past validation (a random price is rarely inside the campaign's range)."""
    soon = (utcnow() + timedelta(days=20)).date().isoformat()
    words = st.text(alphabet="abcdefghij #", min_size=1, max_size=40)
    return {
        "createCampaign": st.builds(lambda title: api_json(title=title), words),
        "createBid": st.fixed_dictionaries(
            {
                "price": st.sampled_from([20_000, 50_000, 99_999]),
                "pitch": words,
                "proposed_delivery": st.just(soon),
            }
        ),
        "counterBid": st.fixed_dictionaries(
            {"price": st.sampled_from([30_000, 45_000]), "message": words}
        ),
        "putNoteDraft": st.builds(lambda extra: {**GOOD_TEXT, "title": extra}, words),
        "requestNoteChanges": st.fixed_dictionaries(
            {"comment": words, "brief_item": st.sampled_from(["brief", "disclosure"])}
        ),
    }


def _turn_of(bid_id) -> str | None:
    """Who must answer the offer on the table of an open bid, read as the last call left it."""
    if not isinstance(bid_id, int) or not 0 < bid_id < 2**31:
        return None
    bid = db.session.get(Bid, bid_id)
    turn = bid.turn if bid is not None and bid.is_active else None
    db.session.rollback()  # hold no savepoint of our own across the app's calls
    return turn


def test_api_workflows_follow_the_documented_links(app, monkeypatch):
    # Likes and saves straight to the database, so each scenario's savepoint takes them back.
    monkeypatch.setitem(app.config, "ENGAGEMENT_BUFFER", "direct")
    keys, ids = _seed()
    # Every kind of object an operation takes is seeded (else the hook below fails only when
    # the random walk first reaches that operation).
    assert {kind for kind, _name in TAKEN_BY.values()} <= set(ids)
    connection = db._app_engines[app][None]  # the test's connection (tests/conftest.py)
    schema = load_schema(app)
    schema.config.phases.stateful.inference.algorithms = []  # our links only, none guessed
    # Each call carries the key of the role chosen below: schemathesis neither generates nor
    # drops the Authorization header (invalid input goes to the parameters and bodies).
    schema.config.generation.update(with_security_parameters=False)
    realistic = _realistic_bodies()

    @schema.hook
    def before_generate_body(context, strategy):
        extra = realistic.get(context.operation.definition.raw["operationId"])
        return strategy if extra is None else st.one_of(strategy, extra)

    @schema.hook
    def before_generate_path_parameters(context, strategy):
        """A scenario may also start from a seeded object (a random id is mostly a 404)."""
        taken = TAKEN_BY.get(context.operation.definition.raw["operationId"])
        if taken is None:
            return strategy
        kind, name = taken
        seeded = st.sampled_from(ids[kind]).map(lambda value: {name: value})
        return st.one_of(strategy, seeded)

    steps, statuses, linked, reached, probed = Counter(), Counter(), Counter(), set(), set()
    chains, roles = Counter(), {}

    def caller(case, turns) -> str:
        key = (case.operation.path, case.method)
        if key not in roles:
            roles[key] = [r for r in roles_for(app, *key) if r in keys]
        admitted = roles[key]
        if "brand" in admitted and "kol" in admitted:
            turn = _turn_of(case.path_parameters.get("bid_id"))
            return turn or admitted[next(turns) % 2]  # else each side in turn
        return admitted[0]

    class Workflows(schema.as_state_machine()):
        def setup(self):
            db.session.rollback()  # the test's session holds no savepoint around ours
            self.savepoint = connection.begin_nested()
            self.turns = itertools.count()
            self.depth: dict[str, int] = {}  # case id → calls in its chain
            limiter.reset()
            kept = redis_client()
            if kept is not None:  # copies kept from the last scenario's rows, now rolled back
                kept.flushdb()

        def teardown(self):
            db.session.rollback()
            self.savepoint.rollback()
            if self.depth:
                chains[max(self.depth.values())] += 1
            for node in self.recorder.cases.values():
                if node.parent_id is not None and node.transition is None:  # an auth probe
                    probed.add(node.value.operation.label)

        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {keys[caller(case, self.turns)]}"}}

        def step(self, input):
            output = super().step(input)
            label, status = input.case.operation.label, output.response.status_code
            steps[label] += 1
            statuses[status] += 1
            parent = input.transition.parent_id if input.transition else None
            self.depth[input.case.id] = self.depth.get(parent, 0) + 1
            if input.transition is not None and input.is_applied:
                linked[input.transition.id] += 1
            if 200 <= status < 300:
                reached.add(label)
            return output

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            checks = [not_a_server_error]
            if case.meta is None or case.meta.generation.mode is GenerationMode.POSITIVE:
                checks += [status_code_conformance, content_type_conformance, ignored_auth]
            case.validate_response(
                response, checks=checks, headers=kwargs.get("headers"), recorder=self.recorder
            )

    Workflows.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            phases=[Phase.generate],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )

    print(
        f"API workflows: {sum(chains.values())} scenarios, {sum(steps.values())} calls over "
        f"{len(steps)} operations ({len(reached)} answered 2xx), {sum(linked.values())} calls "
        f"along {len(linked)} distinct links, longest chain {max(chains, default=0)} calls, "
        f"ignored_auth probed {len(probed)} operations, "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    assert linked, "no call followed a link"


def test_links_name_real_operations_and_parameters(app):
    """Each link of the document leads to an operation that exists and fills one of its path
    parameters; each operation that takes an object's id is reachable by a link."""
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    operations = {
        op["operationId"]: (path, op) for path, ops in document["paths"].items()
        for op in ops.values()
    }  # fmt: skip
    problems, count, linked_to = [], 0, set()
    for source, (_path, operation) in operations.items():
        for status, response in operation["responses"].items():
            for name, link in response.get("links", {}).items():
                count += 1
                linked_to.add(link["operationId"])
                target = operations.get(link["operationId"])
                if target is None:
                    problems.append(f"{source} {status} → {name}: no such operation")
                    continue
                declared = {p["name"] for p in target[1].get("parameters", []) if p["in"] == "path"}
                if set(link["parameters"]) - declared:
                    problems.append(f"{source} {status} → {name}: {link['parameters']}")
    for source, status in CARRIES:
        if source not in operations or status not in operations[source][1]["responses"]:
            problems.append(f"app/api/links.py: {source} does not answer {status}")
    taking_ids = {op for op, (path, _o) in operations.items() if "{" in path}
    problems += [f"{op} takes an id but no link leads to it" for op in taking_ids - linked_to]
    print(f"OpenAPI links: {count} links between {len(operations)} operations")
    assert not problems, "\n".join(problems)
