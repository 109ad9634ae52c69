"""One fixture world for the access matrix: two brands (A, B), two KOLs (X, Y), staff, and
objects owned by each, built through the factories; plus the URL values that name them.

Each object is an ``Obj``: the URL values, the principals who are its parties (``owners``),
whether anyone may see it (``public``), and ``missing`` when the value names nothing on purpose
(so every admitted caller gets 404).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.auth.models import Role, User
from app.extensions import db
from tests.conftest import signed_in
from tests.factories import make_api_key, make_bid, make_campaign, make_kol, make_user

BRANDS, KOLS = ("A", "B"), ("X", "Y")


def shopper_role() -> Role | None:
    """The shopper role once engagement-social adds it (then it joins the matrix)."""
    return getattr(Role, "SHOPPER", None)


@dataclass(frozen=True)
class Obj:
    values: dict
    owners: frozenset[str]
    public: bool = False
    missing: bool = False
    label: str = ""


@dataclass(frozen=True)
class Member:
    role: str | None  # the role acted with; None: acts for no brand (removed)
    own_role: str | None  # the role in their own organisation
    acts_for: str | None  # the brand principal acted for (None: no brand)
    brand_header: str | None = None  # the brand principal an API call names in Brand-Id


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)  # principal → user
    keys: dict[str, str] = field(default_factory=dict)  # principal → API key
    by_args: dict[tuple[str, ...], list[Obj]] = field(default_factory=dict)
    by_endpoint: dict[str, list[Obj]] = field(default_factory=dict)
    # Brand teams and agencies (issue 22): principal → Member; their users and keys are in
    # ``members`` and ``keys``, not in ``users`` (who are the parties of the objects).
    team: dict[str, Member] = field(default_factory=dict)
    members: dict[str, User] = field(default_factory=dict)

    def role_of(self, principal: str) -> str | None:
        user = self.users.get(principal)
        return user.role.value if user else None

    def objects_for(self, endpoint: str, arguments) -> list[Obj]:
        if endpoint in self.by_endpoint:
            return self.by_endpoint[endpoint]
        return self.by_args.get(tuple(sorted(arguments)), [])


def _png_upload(name: str = "photo.png"):
    from tests.notes.support import png_bytes, upload

    return upload(png_bytes(), name)


def build_world() -> World:
    from datetime import timedelta

    from sqlalchemy import select

    from app.analytics.media_kit import create_link
    from app.auth.models import ApiKey
    from app.contracts.models import ContractStatus
    from app.contracts.services import post_message
    from app.db_types import utcnow
    from app.finance.models import ReconciliationItem, ReconciliationPeriod, ReconciliationRun
    from app.ledger.models import CASH, HELD
    from app.ledger.services import Leg, post_entry
    from app.notifications.services import notify
    from app.payments.models import Funding, Payout, PayoutStatus, Refund
    from app.profiles.models import SocialAccount, VerificationRequest
    from tests.factories import make_contract
    from tests.notes.support import draft_note, published_note, submitted_note

    w = World()
    for p in BRANDS:
        w.users[p] = make_user(Role.BRAND, name=f"Brand {p}")
    for p in KOLS:
        w.users[p] = make_kol(verified=True, name=f"KOL {p}")
    w.users["finance"] = make_user(Role.FINANCE)
    w.users["admin"] = make_user(Role.ADMIN)
    if shopper_role() is not None:
        w.users["shopper"] = make_user(shopper_role())
    for principal, user in w.users.items():
        w.keys[principal] = make_api_key(user)
    u = {p: user.id for p, user in w.users.items()}

    def add(args: tuple[str, ...], *objs: Obj) -> None:
        w.by_args.setdefault(tuple(sorted(args)), []).extend(objs)

    pairs = (("A", "X"), ("B", "Y"))
    campaigns, drafts, bids, contracts, notes = {}, {}, {}, {}, {}
    for brand, kol in pairs:
        campaigns[brand] = make_campaign(w.users[brand], title=f"Open campaign of {brand}")
        drafts[brand] = make_campaign(w.users[brand], status="draft", published_at=None)
        bids[brand] = make_bid(campaigns[brand], w.users[kol])
        deal = make_campaign(w.users[brand], title=f"Deal campaign of {brand}")
        contracts[brand] = make_contract(make_bid(deal, w.users[kol]), status=ContractStatus.FUNDED)
    notes["A"] = draft_note(contracts["A"])  # a draft: only its KOL sees it
    notes["B"] = published_note(contracts["B"])  # published: public
    review = make_contract(
        make_bid(make_campaign(w.users["A"]), w.users["X"]), status=ContractStatus.FUNDED
    )
    in_review = submitted_note(review)  # submitted: the brand reviews it
    add(("note_id",), Obj({"note_id": in_review.id}, frozenset({"A", "X"}), label="note in review"))
    add(
        ("note_id", "slug"),
        Obj({"note_id": in_review.id, "slug": in_review.slug}, frozenset({"A", "X"})),
    )
    for contract in contracts.values():
        db.session.add(
            Funding(contract_id=contract.id, amount=52_500, currency="usd", status="paid",
                    paid_at=utcnow())
        )  # fmt: skip
    for brand, kol in pairs:
        parties = frozenset({brand, kol})
        add(
            ("campaign_id",),
            Obj({"campaign_id": campaigns[brand].id}, frozenset({brand}), True, label="open"),
            Obj({"campaign_id": drafts[brand].id}, frozenset({brand}), False, label="draft"),
        )
        add(("bid_id",), Obj({"bid_id": bids[brand].id}, parties, label=f"bid {brand}/{kol}"))
        contract = contracts[brand]
        add(("contract_id",), Obj({"contract_id": contract.id}, parties, label=f"deal {brand}"))
        note = notes[brand]
        public = brand == "B"
        # A draft is its KOL's alone; the brand becomes a party once it is submitted.
        writers = parties if public else frozenset({kol})
        add(("note_id",), Obj({"note_id": note.id}, writers, public, label=f"note {brand}"))
        add(
            ("note_id", "slug"),
            Obj({"note_id": note.id, "slug": note.slug}, writers, public, label=f"note {brand}"),
        )
        message = post_message(
            contract_id=contract.id,
            sender_id=u[brand],
            body="Hello",
            attachment=_png_upload(),
        )
        db.session.commit()
        add(
            ("contract_id", "message_id"),
            Obj({"contract_id": contract.id, "message_id": message.id}, parties),
        )
        payout = Payout(
            contract_id=contract.id,
            kol_id=u[kol],
            stage="approval",
            amount=1000,
            currency="usd",
            status=PayoutStatus.FAILED,
            last_error="card_declined",
        )
        db.session.add(payout)
        db.session.flush()
        add(("payout_id",), Obj({"payout_id": payout.id}, frozenset({kol})))
        refund = Refund(
            contract_id=contract.id,
            amount=1000,
            currency="usd",
            reason_code="cancellation",
            charge_id=f"ch_matrix_{brand}",
            status="failed",
            last_error="charge_disputed",
            failed_at=utcnow(),
        )
        db.session.add(refund)
        db.session.flush()
        add(("refund_id",), Obj({"refund_id": refund.id}, frozenset({brand})))
        _paperwork(contract, brand, add)
    _invite_only_and_shortlists(w, add)
    for p in ("A", "X"):
        add(("user_id",), Obj({"user_id": u[p]}, frozenset({p})))
    for p in (*BRANDS, *KOLS, "finance", "admin"):
        n = notify(user_id=u[p], kind="invitation", link="/", title=f"Hello {p}")
        db.session.flush()
        add(("notification_id",), Obj({"notification_id": n.id}, frozenset({p})))
    for p in ("A", "X"):
        key_id = db.session.scalar(select(ApiKey.id).where(ApiKey.user_id == u[p]))
        add(("key_id",), Obj({"key_id": key_id}, frozenset({p})))
    for p in KOLS:
        account = db.session.scalar(select(SocialAccount.id).where(SocialAccount.kol_id == u[p]))
        add(("account_id",), Obj({"account_id": account}, frozenset({p})))
        request = db.session.scalar(
            select(VerificationRequest.id).where(VerificationRequest.kol_id == u[p])
        )
        add(("request_id",), Obj({"request_id": request}, frozenset({p})))
        add(("kol_id",), Obj({"kol_id": u[p]}, frozenset({p}), True))
    for p in BRANDS:
        add(("brand_id",), Obj({"brand_id": u[p]}, frozenset({p}), True))
    _billing_and_tax_details(w)
    kit_links = {p: create_link(kol_id=u[p], name=f"for brand A ({p})") for p in KOLS}
    for p, link in kit_links.items():
        add(("link_id",), Obj({"link_id": link.id}, frozenset({p})))

    entry = post_entry(
        key="matrix-entry",
        kind="funding",
        currency="usd",
        legs=[Leg(CASH, 500), Leg(HELD, -500, contract_id=contracts["A"].id)],
        contract_id=contracts["A"].id,
    )
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    period = ReconciliationPeriod(starts_at=today - timedelta(days=1), ends_at=today)
    db.session.add(period)
    db.session.flush()
    run = ReconciliationRun(period_id=period.id, status="done")
    db.session.add(run)
    db.session.flush()
    item = ReconciliationItem(run_id=run.id, kind="missing_in_ledger", txn_type="charge",
                              currency="usd", stripe_amount=500)  # fmt: skip
    db.session.add(item)
    db.session.commit()
    add(("entry_id",), Obj({"entry_id": entry.id}, frozenset()))
    add(("period_id",), Obj({"period_id": period.id}, frozenset()))
    add(("run_id",), Obj({"run_id": run.id}, frozenset()))
    add(("item_id",), Obj({"item_id": item.id}, frozenset()))

    reviewed = [o for o in w.by_args[("note_id",)] if o.owners == {"A", "X"} or o.public]
    engagement = _engagement_objects(w, notes["B"])
    image = notes["B"].images[0].file
    w.by_endpoint = engagement | {
        "engagement.back_to_note": [Obj({"note_id": notes["B"].id, "action": "like"}, frozenset())],
        "notes.diff": reviewed,  # revisions to compare exist once a note was submitted
        "auth.reset_password": [Obj({"token": "not-a-real-token"}, frozenset(), True)],
        "analytics.shared_media_kit": [
            Obj({"token": link.token}, frozenset({p}), True) for p, link in kit_links.items()
        ],
        "analytics.go": [Obj({"code": notes["B"].tracking_code}, frozenset(), True)],
        "main.set_language": [Obj({"code": "zh_Hans"}, frozenset(), True)],
        "notes.tag": [Obj({"tag": "glowserum"}, frozenset(), True)],
        "main.switch_language": [Obj({"code": "zh_Hans"}, frozenset(), True)],
        "main.media": [Obj({"name": image}, frozenset(), True)],
        "main.media_sized": [Obj({"size": "thumb", "name": image}, frozenset(), True)],
        "main.private_media": [Obj({"name": message.attachment}, frozenset())],
        # Not configured in tests (no METRICS_TOKEN or allowed IPs): there is nothing there.
        "observability.metrics": [Obj({}, frozenset(), True, missing=True)],
        "finance.figure": [Obj({"name": "held", "currency": "usd"}, frozenset())],
    }
    _teams(w, add)
    return w


def _teams(w: World, add) -> None:
    """A's team: a manager, an analyst, a finance member and a removed member; an agency G
    granted by A (its member acts for A) and an agency N granted by nobody (its member names A
    all the same); an invitation of each brand; B's owner membership."""
    from sqlalchemy import select

    from app.orgs.models import AgencyGrant, Invitation, Membership
    from app.orgs.services import invite_member, own_organisation, remove_member
    from tests.factories import make_agency, make_member

    a = w.users["A"]
    for role in ("manager", "analyst", "finance"):
        w.members[f"A.{role}"] = make_member(a, role)
        w.team[f"A.{role}"] = Member(role, role, "A")
    removed = make_member(a, "manager")
    w.keys["A.removed"] = make_api_key(removed)
    org_a = own_organisation(person_id=a.id)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == removed.id))
    remove_member(organisation_id=org_a.id, membership_id=membership.id, by=a.id)
    w.members["A.removed"], w.team["A.removed"] = removed, Member(None, None, None)
    _owner, agent = make_agency(a)
    w.members["G.agent"], w.team["G.agent"] = agent, Member("manager", "manager", "A", "A")
    _owner, stranger = make_agency()
    w.members["N.agent"], w.team["N.agent"] = stranger, Member("manager", "manager", None, "A")
    for principal in ("A.manager", "A.analyst", "A.finance", "G.agent", "N.agent"):
        w.keys[principal] = make_api_key(w.members[principal])
    org_b = own_organisation(person_id=w.users["B"].id)
    for brand, org in (("A", org_a), ("B", org_b)):
        invite_member(organisation_id=org.id, invited_by=w.users[brand].id,
                      email=f"invitee.{brand}@example.com", role="analyst")  # fmt: skip
        db.session.flush()
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.organisation_id == org.id)
        )
        add(("invitation_id",), Obj({"invitation_id": invitation.id}, frozenset({brand})))
    db.session.commit()
    analyst = db.session.scalar(
        select(Membership).where(Membership.user_id == w.members["A.analyst"].id)
    )
    owner_b = db.session.scalar(select(Membership).where(Membership.user_id == w.users["B"].id))
    add(("membership_id",), Obj({"membership_id": analyst.id}, frozenset({"A"}), label="A's analyst"),
        Obj({"membership_id": owner_b.id}, frozenset({"B"}), label="B's owner"))  # fmt: skip
    grant = db.session.scalar(
        select(AgencyGrant).where(AgencyGrant.brand_organisation_id == org_a.id)
    )
    add(("grant_id",), Obj({"grant_id": grant.id}, frozenset({"A"}), label="A's agency"))
    add(("token",), Obj({"token": "no-such-invitation"}, frozenset(), True))


def member_client(app, world: World, principal: str):
    """A signed-in browser of a team member; an agency's member has chosen their brand."""
    from tests.conftest import post_form

    client = signed_in(app, world.members[principal])
    member = world.team[principal]
    if member.acts_for and principal.startswith("G."):
        brand_id = world.users[member.acts_for].id
        response = post_form(client, "/act-for", {"brand_id": brand_id}, page="/")
        assert response.status_code == 302, principal
    return client


def _paperwork(contract, brand: str, add) -> None:
    """The brand's invoice for its contract's funding (issue 22: paperwork)."""
    from sqlalchemy import select

    from app.paperwork.invoices import issue_invoice
    from app.payments.models import Funding

    funding = db.session.scalar(select(Funding).where(Funding.contract_id == contract.id))
    invoice = issue_invoice(funding=funding, contract=contract)
    add(
        ("invoice_id",),
        Obj({"invoice_id": invoice.id}, frozenset({brand}), label=f"invoice {brand}"),
    )


def _invite_only_and_shortlists(w: World, add) -> None:
    """An invite-only campaign of A that only X was invited to (its brand and X see it), a
    shortlist per brand holding its KOL (A's holds X, B's holds Y), a webhook endpoint each
    with a delivery that failed."""
    from app.campaigns.models import Invitation
    from app.shortlists.models import Shortlist, ShortlistMember
    from app.webhooks.models import WebhookDelivery, WebhookEndpoint

    secret = make_campaign(w.users["A"], title="Invite-only campaign of A", invite_only=True)
    db.session.add(Invitation(campaign_id=secret.id, kol_id=w.users["X"].id))
    for brand, kol in (("A", "X"), ("B", "Y")):
        shortlist = Shortlist(brand_id=w.users[brand].id, name=f"Picks of {brand}")
        shortlist.members.append(ShortlistMember(kol_id=w.users[kol].id))
        db.session.add(shortlist)
        db.session.flush()
        add(("shortlist_id",), Obj({"shortlist_id": shortlist.id}, frozenset({brand})))
        add(
            ("kol_id", "shortlist_id"),
            Obj({"shortlist_id": shortlist.id, "kol_id": w.users[kol].id}, frozenset({brand})),
        )
    for brand in ("A", "B"):
        # Disabled: the walk's bids must not POST to the network (enabling is rolled back).
        endpoint = WebhookEndpoint(brand_id=w.users[brand].id, url=f"https://{brand}.example/hook",
                                   events="bid.received", secret="whsec_dGVzdA==",
                                   enabled=False, disabled_reason="owner")  # fmt: skip
        db.session.add(endpoint)
        db.session.flush()
        add(("endpoint_id",), Obj({"endpoint_id": endpoint.id}, frozenset({brand})))
        delivery = WebhookDelivery(endpoint_id=endpoint.id, message_id=f"msg_{brand}",
                                   event_type="bid.received", event_key=f"bid.received:{brand}",
                                   payload={"type": "bid.received"}, status="failed")  # fmt: skip
        db.session.add(delivery)
        db.session.flush()
        add(("delivery_id",), Obj({"delivery_id": delivery.id}, frozenset({brand})))
    db.session.commit()
    owners = frozenset({"A", "X"})
    add(("campaign_id",), Obj({"campaign_id": secret.id}, owners, label="invite-only"))


def _billing_and_tax_details(w: World) -> None:
    """Brands' billing details and KOLs' tax details, for GET /api/v1/billing-details and
    /tax-details (a 404 until given)."""
    from app.paperwork.billing import save_billing
    from app.paperwork.taxinfo import save_tax_details

    for p in BRANDS:
        save_billing(brand_id=w.users[p].id, legal_name=f"Brand {p} Ltd", address="1 Main St",
                     country="US", tax_id=None)  # fmt: skip
    for p in KOLS:
        facts = {"legal_name": f"KOL {p}", "address": "8 Orchard Rd", "tax_residence": "SG",
                 "citizenship": "SG", "tin": "S8765432Z", "certified_name": f"KOL {p}",
                 "certify": True}  # fmt: skip
        save_tax_details(kol_id=w.users[p].id, us_person=False, facts=facts)


def _engagement_objects(w: World, note) -> dict[str, list[Obj]]:
    """Comments, boards and saves around the published note (of B and Y)."""
    from app.engagement.comments import add_comment
    from app.engagement.models import NoteSave, WishlistBoard

    writers = [p for p in ("X", "shopper") if p in w.users]
    comments = {
        p: add_comment(note_id=note.id, user_id=w.users[p].id, body=f"Nice, says {p}")
        for p in writers
    }
    boards = {
        p: WishlistBoard(user_id=w.users[p].id, name=f"{p}'s picks", is_private=p == "X")
        for p in ("X", "Y")
    }
    db.session.add_all(boards.values())
    db.session.add(NoteSave(note_id=note.id, user_id=w.users["X"].id))
    db.session.commit()
    by_author = [Obj({"comment_id": c.id}, frozenset({p})) for p, c in comments.items()]
    on_note = [Obj({"comment_id": c.id}, frozenset({"B", "Y"})) for c in comments.values()]
    board_objs = [
        Obj({"board_id": b.id}, frozenset({p}), not b.is_private) for p, b in boards.items()
    ]
    w.by_args[("comment_id",)] = by_author
    w.by_args[("board_id",)] = board_objs
    return {"social.hide_comment": on_note, "social.unhide_comment": on_note,
            "api.hide_comment": on_note, "api.unhide_comment": on_note}  # fmt: skip


def signed_in_clients(app, world: World) -> dict:
    """A browser per principal (anonymous included), signed in once."""
    clients = {"anon": app.test_client()}
    for principal, user in world.users.items():
        clients[principal] = signed_in(app, user)
    for principal in world.team:
        clients[principal] = member_client(app, world, principal)
    return clients
