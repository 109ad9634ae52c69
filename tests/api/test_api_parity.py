"""Every action a brand, KOL or finance person can take in the web UI can be taken through the
API (issue 22, "The API is complete and fair").

The web actions are read from the app itself: every non-API route answering POST, PUT, PATCH
or DELETE that the access policy (tests/hardening/policy.py) opens to a brand, a KOL, finance,
anyone signed in, or the public. Each must appear exactly once below: in ``COUNTERPARTS`` with
the operationId(s) of the API doing the same thing (which must exist in the OpenAPI document),
in ``WEB_ONLY`` with why it cannot be an API operation, or in ``NOT_YET`` (known gaps, listed in
the issue's report; an entry there whose API operation appears must move to COUNTERPARTS). A new
web action in none of them fails the test.
"""

from __future__ import annotations

from tests.hardening.policy import POLICY

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
AUDIENCES = {"brand", "kol", "finance", "signed_in", "public"}

# web endpoint → the API operation(s) that do the same.
COUNTERPARTS: dict[str, tuple[str, ...]] = {
    # campaigns (brand)
    "campaigns.new": ("createCampaign",),
    "campaigns.edit": ("updateCampaign",),
    "campaigns.publish": ("publishCampaign",),
    "campaigns.close": ("closeCampaign",),
    "campaigns.reopen": ("reopenCampaign",),
    "campaigns.cancel": ("cancelCampaign",),
    "campaigns.duplicate": ("duplicateCampaign",),
    "campaigns.invite": ("inviteKol",),
    # bids (KOL bids and edits; either side accepts, counters, rejects)
    "bids.new_bid": ("createBid",),
    "bids.edit": ("updateBid",),
    "bids.accept": ("acceptBid",),
    "bids.counter": ("counterBid",),
    "bids.reject": ("rejectBid",),
    "bids.withdraw": ("withdrawBid",),
    # contracts and money
    "contracts.post_message": ("postMessage",),
    "contracts.rate": ("rateContract",),
    "payments.cancel": ("cancelContract",),  # admins cancel on the web page only
    "payments.dispute": ("disputeContract",),
    "payments.fund_contract": ("fundContract",),
    "outcomes.promo_code": ("setPromoCode",),
    "licences.buy": ("buyLicence",),
    # notes: the KOL drafts (text; images and video are uploaded in the web editor, see
    # docs/api.md), submits and republishes; the brand approves or asks for changes
    "notes.edit": ("putNoteDraft",),
    "notes.submit": ("submitNote",),
    "notes.republish": ("republishNote",),
    "notes.approve": ("approveNote",),
    "notes.request_changes": ("requestNoteChanges",),
    "notes.external": ("setNoteExternalUrl",),
    "notes.take_down": ("takeDownNote",),
    "notes.request_takedown": ("requestNoteTakedown",),
    "notes.answer_takedown": ("answerNoteTakedown",),
    "notes.ask_extra_round": ("askExtraRound",),
    "notes.answer_extra_round": ("answerExtraRound",),
    # engagement: the web buttons toggle, the API has one idempotent verb each way
    "engagement.like": ("likeNote", "unlikeNote"),
    "engagement.save": ("saveNote", "unsaveNote"),
    "engagement.follow": ("followKol", "unfollowKol"),
    "engagement.bought": ("markNoteBought",),
    "social.add_comment": ("postNoteComment",),
    "social.delete_comment": ("deleteComment",),
    "social.remove_save": ("unsaveNote",),
    "social.mark_bought": ("markNoteBought",),
    "social.move_save": ("saveNote",),  # with the board_id to move it to (null: none)
    "social.create_board": ("createWishlistBoard",),
    "social.update_board": ("updateWishlistBoard",),
    "social.delete_board": ("deleteWishlistBoard",),
    "social.hide_comment": ("hideComment",),
    "social.unhide_comment": ("unhideComment",),
    "social.report_comment": ("reportComment",),
    # the JS snippet on a brand's order page reports what a server reports with its key
    "analytics.snippet_conversion": ("postConversion",),
    # shortlists and invitations
    "shortlists.index": ("createShortlist",),
    "shortlists.rename": ("renameShortlist",),
    "shortlists.delete": ("deleteShortlist",),
    "shortlists.save": ("addShortlistKol",),
    "shortlists.remove": ("removeShortlistKol",),
    "shortlists.invite": ("inviteShortlist",),
    # webhooks
    "webhooks.index": ("createWebhookEndpoint",),
    "webhooks.enable": ("updateWebhookEndpoint",),
    "webhooks.disable": ("updateWebhookEndpoint",),
    "webhooks.delete": ("deleteWebhookEndpoint",),
    "webhooks.rotate": ("rotateWebhookSecret",),
    "webhooks.resend": ("resendWebhookDelivery",),
    # finance staff: a payout or refund that went wrong (the pages' bulk form is many of these)
    "finance.hold": ("holdPayout",),
    "finance.release_hold": ("releasePayoutHold",),
    "finance.retry": ("retryPayout",),
    "finance.retry_refund": ("retryRefund",),
    "finance.bulk": ("holdPayout", "releasePayoutHold", "retryPayout"),
    "finance.bulk_confirm": ("holdPayout", "releasePayoutHold", "retryPayout"),
    "finance.correct": ("correctLedgerEntry",),
    "finance.start_run": ("startReconciliation",),
    "finance.resolve": ("resolveReconciliationItem",),
    "finance.close": ("closeReconciliationPeriod",),
    # a KOL's social accounts
    "profiles.add_social": ("addSocialAccount",),
    "profiles.change_social": ("updateSocialAccount",),
    "profiles.remove_social": ("removeSocialAccount",),
    # a brand's and a KOL's profile text (the logo and avatar are uploads on the page), asking
    # to be verified (the screenshot likewise; the accounts to check are text)
    "profiles.edit": ("putBrandProfile", "putKolProfile", "putShopperProfile"),
    "profiles.verification": ("submitVerification",),
    # notifications and the account's own settings
    "notifications.read": ("markNotificationRead",),
    "notifications.read_all": ("markAllNotificationsRead",),
    "settings.account": ("updateMe",),
    "analytics.media_kit": ("createMediaKitLink",),
    "analytics.revoke_media_kit_link": ("revokeMediaKitLink",),
    # paperwork: a brand's billing details, a KOL's tax details
    "paperwork.billing_details": ("putBillingDetails",),
    "paperwork.tax_details": ("putTaxDetails",),
    # brand teams and agencies (the owner's Team page)
    "orgs.team": ("inviteMember",),
    "orgs.change_role": ("changeMemberRole",),
    "orgs.remove": ("removeMember",),
    "orgs.revoke_invitation": ("revokeInvitation",),
    "orgs.grant": ("grantAgency",),
    "orgs.revoke_grant": ("revokeAgencyGrant",),
}

# Inherently web-only: what a bearer key must not do, or what has no meaning without a browser.
WEB_ONLY: dict[str, str] = {
    "auth.login": "starts a browser session; the API is called with a key, never a session",
    "auth.logout": "ends a browser session",
    "auth.register": "creates the account a key is later made in",
    "auth.forgot_password": "a reset link by e-mail: account recovery, not an API call",
    "auth.reset_password": "the page that link opens",
    "settings.change_password": "a leaked key must not be able to take the account over",
    "settings.api_keys": "a key must not mint keys (a leaked one would outlive its revocation)",
    "settings.revoke_api_key": "keys are managed where they are made, after signing in",
    "main.set_language": "the browser's display language (a cookie); the API takes updateMe",
    "payments.onboard": "redirects the KOL to Stripe's hosted onboarding, a browser page",
    "payments.stripe_webhook": "Stripe calls it, signed with our endpoint's secret; no person",
    "payments.stripe_connect_webhook": "likewise, for connected accounts' events",
    "orgs.accept": "the link an invitation mails: joining makes or signs in the person's account",
    "orgs.act_for": "the header's brand switcher keeps the choice in the session; an API call "
    "names its brand in the Brand-Id header",
}

# Known gaps, each a web action with no API operation yet (listed in the report of issue 22).
NOT_YET: dict[str, str] = {}


def _web_actions(app) -> set[str]:
    actions = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or not (rule.methods or set()) & STATE_CHANGING:
            continue
        policy = POLICY.get(rule.endpoint)
        if policy is not None and policy.audience & AUDIENCES:
            actions.add(rule.endpoint)
    return actions


def _operation_ids(client) -> set[str]:
    document = client.get("/api/v1/openapi.json").get_json()
    return {op["operationId"] for ops in document["paths"].values() for op in ops.values()}


def test_every_web_action_has_an_api_counterpart_or_a_reason(app, client):
    actions, operations = _web_actions(app), _operation_ids(client)
    listed = [*COUNTERPARTS, *WEB_ONLY, *NOT_YET]
    problems = [f"{name}: listed twice" for name in set(listed) if listed.count(name) > 1]
    for action in sorted(actions - set(listed)):
        problems.append(f"{action}: a web action with no API counterpart: add the operation "
                        "and map it in COUNTERPARTS (or say why it is web-only)")  # fmt: skip
    for action in sorted(set(listed) - actions):
        problems.append(f"{action}: listed here but not a state-changing web action")
    for action, targets in COUNTERPARTS.items():
        problems += [
            f"{action} → {t}: no such API operation" for t in targets if t not in operations
        ]
    print(f"web actions: {len(actions)}: {len(COUNTERPARTS)} with an API counterpart, "
          f"{len(WEB_ONLY)} web-only, {len(NOT_YET)} not yet")  # fmt: skip
    assert not problems, "\n".join(problems)


def test_the_known_gaps_only_shrink():
    """The NOT_YET list is the gaps as issue 22 left them: it may lose entries, never gain (the
    last two, profile text and verification, have their operations now)."""
    assert not NOT_YET
