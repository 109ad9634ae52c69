"""The access policy: who may call each route, and on whose objects.

One entry per endpoint of ``app.url_map`` (``tests/hardening/test_access_matrix.py`` fails on a
route without one). An entry is ``(audience, scope)``:

- audience: ``PUBLIC``, ``SIGNED_IN`` or the roles admitted (as in the route's ``@access``).
- scope, for routes that name an object in the URL:
  ``ANY``   every admitted caller, whoever owns the object;
  ``OWN``   brands, KOLs and shoppers only on objects they are a party to (others get 404);
            staff (finance, admin) named in the audience see every object;
  ``SEEN``  like ``OWN``, but a public object (an open campaign, a published note, a KOL's
            page) is open to every admitted caller;
  ``SHOWN`` public objects only, for everyone (a draft's public page is 404 even to its author).
Staff pass the object check only where the audience names their role (not via SIGNED_IN).

Adding a route: add its line here, saying who should reach it, and the matrix proves it.
"""

from __future__ import annotations

from typing import NamedTuple

PUBLIC, SIGNED_IN = "public", "signed_in"
ANY, OWN, SEEN, SHOWN = "any", "own", "seen", "shown"
BRAND, KOL, FINANCE, ADMIN, SHOPPER = "brand", "kol", "finance", "admin", "shopper"
STAFF = frozenset({FINANCE, ADMIN})


class Policy(NamedTuple):
    audience: frozenset[str]
    scope: str = ANY


def _p(*audience: str, scope: str = ANY) -> Policy:
    return Policy(frozenset(audience), scope)


PARTIES = (BRAND, KOL)
ENGAGING = (BRAND, KOL, SHOPPER)
FIN = (FINANCE, ADMIN)

POLICY: dict[str, Policy] = {
    # public pages and the sign-in flow
    "main.home": _p(PUBLIC),
    "main.healthz": _p(PUBLIC),
    "observability.metrics": _p(PUBLIC),  # its own METRICS_TOKEN / allowed-IP check
    "main.set_language": _p(PUBLIC),
    "main.switch_language": _p(PUBLIC),  # a display-preference cookie only, no CSRF needed
    "main.media": _p(PUBLIC),
    "main.media_sized": _p(PUBLIC),
    "main.private_media": _p(ADMIN),
    "mail.outbox": _p(PUBLIC),  # 404 in production and with real mail
    "auth.login": _p(PUBLIC),
    "auth.register": _p(PUBLIC),
    "auth.forgot_password": _p(PUBLIC),
    "auth.reset_password": _p(PUBLIC),
    "auth.logout": _p(SIGNED_IN),
    "campaigns.browse": _p(PUBLIC),
    "campaigns.detail": _p(PUBLIC, scope=SEEN),
    "profiles.kol_page": _p(PUBLIC, scope=SEEN),
    "profiles.brand_page": _p(PUBLIC, scope=SEEN),
    "notes.explore": _p(PUBLIC),
    "notes.public": _p(PUBLIC, scope=SHOWN),
    "notes.tag": _p(PUBLIC),
    "notes.suggest": _p(PUBLIC),
    "notes.public_short": _p(PUBLIC, scope=SHOWN),
    "analytics.go": _p(PUBLIC),
    "analytics.shared_media_kit": _p(PUBLIC),  # the signed token is the permission
    "analytics.snippet_conversion": _p(PUBLIC),  # tracking: its own key check
    "payments.stripe_webhook": _p(PUBLIC),  # Stripe's signature is the authentication
    "payments.stripe_connect_webhook": _p(PUBLIC),  # likewise, the Connect endpoint's secret
    # the account
    "settings.account": _p(SIGNED_IN),
    "settings.api_keys": _p(SIGNED_IN),
    "settings.revoke_api_key": _p(SIGNED_IN, scope=OWN),
    "settings.change_password": _p(SIGNED_IN),
    "notifications.index": _p(SIGNED_IN),
    "notifications.read": _p(SIGNED_IN, scope=OWN),
    "notifications.read_all": _p(SIGNED_IN),
    "profiles.edit": _p(BRAND, KOL, SHOPPER),
    "profiles.add_social": _p(KOL),
    "profiles.remove_social": _p(KOL, scope=OWN),
    "profiles.change_social": _p(KOL, scope=OWN),
    "profiles.verification": _p(KOL),
    # campaigns and discovery
    "campaigns.mine": _p(BRAND),
    "campaigns.new": _p(BRAND),
    "campaigns.edit": _p(BRAND, scope=OWN),
    "campaigns.publish": _p(BRAND, scope=OWN),
    "campaigns.close": _p(BRAND, scope=OWN),
    "campaigns.reopen": _p(BRAND, scope=OWN),
    "campaigns.cancel": _p(BRAND, scope=OWN),
    "campaigns.duplicate": _p(BRAND, scope=OWN),
    "campaigns.invitations": _p(KOL),
    "campaigns.kol_search": _p(PUBLIC),  # verified KOLs' public profiles (issue 22)
    "campaigns.invite": _p(BRAND),
    "campaigns.kols_like_sold": _p(BRAND),  # the brand's own recommended KOLs (issue 24)
    # shortlists (issue 22): a brand's own lists only
    "shortlists.index": _p(BRAND),
    "shortlists.save": _p(BRAND),
    "shortlists.detail": _p(BRAND, scope=OWN),
    "shortlists.rename": _p(BRAND, scope=OWN),
    "shortlists.delete": _p(BRAND, scope=OWN),
    "shortlists.remove": _p(BRAND, scope=OWN),
    "shortlists.invite": _p(BRAND, scope=OWN),
    # outbound webhooks (issue 22): a brand's own endpoints
    "webhooks.index": _p(BRAND),
    "webhooks.detail": _p(BRAND, scope=OWN),
    "webhooks.enable": _p(BRAND, scope=OWN),
    "webhooks.disable": _p(BRAND, scope=OWN),
    "webhooks.delete": _p(BRAND, scope=OWN),
    "webhooks.rotate": _p(BRAND, scope=OWN),
    "webhooks.resend": _p(BRAND, scope=OWN),
    # bids
    "bids.index": _p(*PARTIES),
    "bids.new_bid": _p(KOL, scope=SEEN),
    "bids.campaign_bids": _p(BRAND, scope=OWN),
    "bids.detail": _p(*PARTIES, scope=OWN),
    "bids.accept": _p(*PARTIES, scope=OWN),
    "bids.counter": _p(*PARTIES, scope=OWN),
    "bids.reject": _p(*PARTIES, scope=OWN),
    "bids.edit": _p(KOL, scope=OWN),
    "bids.withdraw": _p(KOL, scope=OWN),
    # contracts, messages, payments
    "contracts.index": _p(*PARTIES),
    "contracts.detail": _p(*PARTIES, ADMIN, scope=OWN),
    "contracts.post_message": _p(*PARTIES, scope=OWN),
    "contracts.attachment": _p(*PARTIES, ADMIN, scope=OWN),
    "contracts.rate": _p(*PARTIES, scope=OWN),
    "payments.fund_contract": _p(BRAND, scope=OWN),
    "payments.funded": _p(BRAND, scope=OWN),
    "payments.cancel": _p(*PARTIES, ADMIN, scope=OWN),
    "payments.dispute": _p(*PARTIES, scope=OWN),
    "payments.brand_payments": _p(BRAND),
    "payments.receipt": _p(BRAND, scope=OWN),
    "payments.earnings": _p(KOL),
    "payments.statement": _p(KOL),
    "payments.payouts": _p(KOL),
    "payments.onboard": _p(KOL),
    "payments.disputes": _p(ADMIN),
    # paperwork (issue 22): brands' invoices (finance reads every one), KOLs' tax details and
    # yearly statements, finance's archive and yearly totals
    "paperwork.invoices": _p(BRAND),
    "paperwork.invoice": _p(BRAND, *FIN, scope=OWN),
    "paperwork.invoice_pdf_download": _p(BRAND, *FIN, scope=OWN),
    "paperwork.billing_details": _p(BRAND),
    "paperwork.tax_details": _p(KOL),
    "paperwork.yearly_statement": _p(KOL),
    "paperwork.yearly_statement_pdf": _p(KOL),
    "paperwork.yearly_statement_csv": _p(KOL),
    "paperwork.finance_paperwork": _p(*FIN),
    "paperwork.finance_archive": _p(*FIN),
    "paperwork.finance_kol_totals": _p(*FIN),
    # outcome deals (issue 21): settlement statements, the KOL's promo code
    "outcomes.statements": _p(*PARTIES, *FIN, scope=OWN),
    "outcomes.promo_code": _p(KOL, scope=OWN),
    # usage licences bought later on a published note (issue 21)
    "licences.buy": _p(BRAND, scope=OWN),
    "payments.resolve": _p(ADMIN),
    # notes
    "notes.edit": _p(KOL, scope=OWN),
    "notes.mine": _p(KOL),
    "notes.brand_list": _p(BRAND),
    "notes.submit": _p(KOL, scope=OWN),
    "notes.review": _p(BRAND, scope=OWN),
    "notes.approve": _p(BRAND, scope=OWN),
    "notes.request_changes": _p(BRAND, scope=OWN),
    "notes.ask_extra_round": _p(BRAND, scope=OWN),
    "notes.answer_extra_round": _p(KOL, scope=OWN),
    "notes.diff": _p(*PARTIES, scope=OWN),
    "notes.external": _p(KOL, scope=OWN),
    "notes.republish": _p(KOL, scope=OWN),
    "notes.take_down": _p(KOL, scope=OWN),
    "notes.request_takedown": _p(KOL, scope=OWN),
    "notes.answer_takedown": _p(BRAND, scope=OWN),
    # engagement (issue 9): published notes only
    "engagement.back_to_note": _p(PUBLIC),  # a redirect to the note (or /explore)
    "engagement.like": _p(*ENGAGING, scope=SHOWN),
    "engagement.save": _p(*ENGAGING, scope=SHOWN),
    "engagement.bought": _p(*ENGAGING, scope=SHOWN),
    "engagement.follow": _p(*ENGAGING, scope=SHOWN),
    "engagement.state": _p(PUBLIC, scope=SHOWN),
    "social.add_comment": _p(*ENGAGING, scope=SHOWN),
    "social.delete_comment": _p(*ENGAGING, scope=OWN),  # its author
    "social.hide_comment": _p(*PARTIES, scope=OWN),  # the note's KOL and brand
    "social.unhide_comment": _p(*PARTIES, scope=OWN),
    "social.report_comment": _p(SIGNED_IN),
    "social.feed_page": _p(*ENGAGING),
    "social.wishlist": _p(*ENGAGING),
    "social.create_board": _p(*ENGAGING),
    "social.board_page": _p(PUBLIC, scope=SEEN),  # a private board is its owner's alone
    # These act on the caller's own boards and saves only: another's board id or a note the
    # caller never saved is refused with a flash and no effect (test_others_boards_stay_put).
    "social.update_board": _p(*ENGAGING),
    "social.delete_board": _p(*ENGAGING),
    "social.mark_bought": _p(*ENGAGING),
    "social.move_save": _p(*ENGAGING),
    "social.remove_save": _p(*ENGAGING),
    "admin.comment_reports": _p(ADMIN),
    "admin.disable_comment_author": _p(ADMIN),
    "admin.dismiss_comment_reports": _p(ADMIN),
    "admin.remove_comment": _p(ADMIN),
    "api.put_like": _p(*ENGAGING, scope=SHOWN),
    "api.delete_like": _p(*ENGAGING, scope=SHOWN),
    "api.put_save": _p(*ENGAGING, scope=SHOWN),
    "api.delete_save": _p(*ENGAGING, scope=SHOWN),
    "api.post_bought": _p(*ENGAGING, scope=SHOWN),
    "api.put_follow": _p(*ENGAGING),
    "api.delete_follow": _p(*ENGAGING),
    "api.get_wishlist": _p(*ENGAGING),
    "api.list_comments": _p(PUBLIC, scope=SHOWN),
    "api.get_kol": _p(SIGNED_IN, scope=SEEN),  # a KOL's public profile, as /kols/<id>
    "api.search_kols": _p(SIGNED_IN),  # Find KOLs' filters (issue 22)
    "api.list_shortlists": _p(BRAND),
    "api.create_shortlist": _p(BRAND),
    "api.get_shortlist": _p(BRAND, scope=OWN),
    "api.rename_shortlist": _p(BRAND, scope=OWN),
    "api.delete_shortlist": _p(BRAND, scope=OWN),
    "api.add_shortlist_kol": _p(BRAND, scope=OWN),
    "api.remove_shortlist_kol": _p(BRAND, scope=OWN),
    "api.invite_shortlist": _p(BRAND, scope=OWN),
    "api.invite_one_kol": _p(BRAND, scope=OWN),
    "api.list_invitations": _p(KOL),
    "api.list_webhook_endpoints": _p(BRAND),
    "api.create_webhook_endpoint": _p(BRAND),
    "api.get_webhook_endpoint": _p(BRAND, scope=OWN),
    "api.update_webhook_endpoint": _p(BRAND, scope=OWN),
    "api.delete_webhook_endpoint": _p(BRAND, scope=OWN),
    "api.rotate_webhook_secret": _p(BRAND, scope=OWN),
    "api.list_webhook_deliveries": _p(BRAND, scope=OWN),
    "api.resend_webhook_delivery": _p(BRAND, scope=OWN),
    "api.post_comment": _p(*ENGAGING, scope=SHOWN),
    "api.delete_comment": _p(*ENGAGING, scope=OWN),  # its author
    # analytics
    "analytics.overview": _p(BRAND),
    "analytics.campaign": _p(BRAND, scope=OWN),
    "analytics.export": _p(BRAND, scope=OWN),
    "analytics.media_kit": _p(KOL),
    "analytics.revoke_media_kit_link": _p(KOL, scope=OWN),
    # admin and finance (staff see every object)
    "admin.users": _p(ADMIN),
    "admin.disable_user": _p(ADMIN),
    "admin.enable_user": _p(ADMIN),
    "admin.verifications": _p(ADMIN),
    "admin.verification": _p(ADMIN),
    "finance.dashboard": _p(*FIN),
    "finance.audit": _p(*FIN),
    "finance.audit_csv": _p(*FIN),
    "finance.contract": _p(*FIN),
    "finance.pnl_csv": _p(*FIN),
    "finance.figure": _p(*FIN),
    "finance.ledger": _p(*FIN),
    "finance.accounts": _p(*FIN),
    "finance.entry": _p(*FIN),
    "finance.ledger_csv": _p(*FIN),
    "finance.payouts": _p(*FIN),
    "finance.payouts_csv": _p(*FIN),
    "finance.refunds": _p(*FIN),
    "finance.reconciliation": _p(*FIN),
    "finance.run": _p(*FIN),
    "finance.run_csv": _p(*FIN),
    "finance.run_status": _p(*FIN),
    "finance.correct": _p(FINANCE),  # admins read finance, never write it
    "finance.hold": _p(FINANCE),
    "finance.release_hold": _p(FINANCE),
    "finance.retry": _p(FINANCE),
    "finance.retry_refund": _p(FINANCE),
    "finance.bulk": _p(FINANCE),
    "finance.bulk_confirm": _p(FINANCE),
    "finance.resolve": _p(FINANCE),
    "finance.close": _p(FINANCE),
    "finance.start_run": _p(FINANCE),
    # /api/v1 (bearer keys)
    "api.openapi": _p(PUBLIC),
    "api.docs": _p(PUBLIC),
    "api.docs_css": _p(PUBLIC),
    "api.docs_js": _p(PUBLIC),
    "api.explore": _p(PUBLIC),
    "api.list_related_notes": _p(PUBLIC, scope=SHOWN),  # issue 24
    "api.post_batch": _p(PUBLIC),  # tracking beacons
    "api.me": _p(SIGNED_IN),
    "api.update_me": _p(SIGNED_IN),
    "api.add_social_account": _p(KOL),
    "api.update_social_account": _p(KOL, scope=OWN),
    "api.remove_social_account": _p(KOL, scope=OWN),
    "api.get_brand_profile": _p(BRAND),
    "api.put_brand_profile": _p(BRAND),
    "api.get_kol_profile": _p(KOL),
    "api.put_kol_profile": _p(KOL),
    "api.get_shopper_profile": _p(SHOPPER),
    "api.put_shopper_profile": _p(SHOPPER),
    "api.submit_verification": _p(KOL),
    "api.get_verification": _p(KOL),
    "api.list_verifications": _p(ADMIN),
    "api.decide_verification": _p(ADMIN),
    "api.create_wishlist_board": _p(*ENGAGING),
    "api.update_wishlist_board": _p(*ENGAGING, scope=OWN),
    "api.delete_wishlist_board": _p(*ENGAGING, scope=OWN),
    "api.hide_comment": _p(*PARTIES, scope=OWN),  # the note's KOL and brand
    "api.unhide_comment": _p(*PARTIES, scope=OWN),
    "api.report_comment": _p(SIGNED_IN),
    "api.list_notifications": _p(SIGNED_IN),
    "api.mark_notification_read": _p(SIGNED_IN, scope=OWN),
    "api.mark_all_notifications_read": _p(SIGNED_IN),
    "api.duplicate_campaign": _p(BRAND, scope=OWN),
    "api.update_bid": _p(KOL, scope=OWN),
    "api.list_campaigns": _p(SIGNED_IN),
    "api.get_campaign": _p(SIGNED_IN, scope=SEEN),
    "api.create_campaign": _p(BRAND),
    "api.update_campaign": _p(BRAND, scope=OWN),
    "api.publish_campaign": _p(BRAND, scope=OWN),
    "api.close_campaign": _p(BRAND, scope=OWN),
    "api.reopen_campaign": _p(BRAND, scope=OWN),
    "api.cancel_campaign": _p(BRAND, scope=OWN),
    "api.campaign_stats": _p(BRAND, scope=OWN),
    "api.campaign_bids": _p(BRAND, scope=OWN),
    "api.create_bid": _p(KOL, scope=SEEN),
    "api.my_bids": _p(*PARTIES),
    "api.get_bid": _p(*PARTIES, scope=OWN),
    "api.accept_bid": _p(*PARTIES, scope=OWN),
    "api.counter_bid": _p(*PARTIES, scope=OWN),
    "api.reject_bid": _p(*PARTIES, scope=OWN),
    "api.withdraw_bid": _p(KOL, scope=OWN),
    "api.list_contracts": _p(*PARTIES),
    "api.get_contract": _p(*PARTIES, ADMIN, scope=OWN),
    "api.fund_contract": _p(BRAND, scope=OWN),
    "api.contract_ledger": _p(*PARTIES, ADMIN, scope=OWN),
    "api.contract_money": _p(*PARTIES, ADMIN, scope=OWN),
    "api.contract_stats": _p(SIGNED_IN, scope=OWN),
    "api.list_messages": _p(*PARTIES, ADMIN, scope=OWN),
    "api.post_message": _p(*PARTIES, scope=OWN),
    "api.put_note": _p(KOL, scope=OWN),
    "api.get_note": _p(SIGNED_IN, scope=SEEN),
    "api.note_stats": _p(SIGNED_IN, scope=OWN),
    "api.submit_note": _p(KOL, scope=OWN),
    "api.approve_note": _p(BRAND, scope=OWN),
    "api.request_changes": _p(BRAND, scope=OWN),
    "api.republish_note": _p(KOL, scope=OWN),
    "api.post_conversion": _p(BRAND),
    "api.reverse_conversion": _p(BRAND),
    "api.list_settlements": _p(*PARTIES, *FIN, scope=OWN),
    "api.set_promo_code": _p(KOL, scope=OWN),
    "api.buy_licence": _p(BRAND, scope=OWN),
    "api.payouts": _p(KOL),
    "api.list_invoices": _p(BRAND),
    "api.get_invoice": _p(BRAND, scope=OWN),
    "api.invoice_pdf_file": _p(BRAND, scope=OWN),
    "api.earnings_statement": _p(KOL),
    "api.rate_contract": _p(BRAND, KOL, scope=OWN),
    "api.list_media_kit_links": _p(KOL),
    "api.create_media_kit_link": _p(KOL),
    "api.revoke_media_kit_link": _p(KOL, scope=OWN),
    "api.set_note_external_url": _p(KOL, scope=OWN),
    "api.take_down_note": _p(KOL, scope=OWN),
    "api.request_note_takedown": _p(KOL, scope=OWN),
    "api.answer_note_takedown": _p(BRAND, scope=OWN),
    "api.ask_extra_round": _p(BRAND, scope=OWN),
    "api.answer_extra_round": _p(KOL, scope=OWN),
    "api.contract_cancel": _p(BRAND, KOL, scope=OWN),
    "api.contract_dispute": _p(BRAND, KOL, scope=OWN),
    "api.get_billing_details": _p(BRAND),
    "api.put_billing_details": _p(BRAND),
    "api.get_tax_details": _p(KOL),
    "api.put_tax_details": _p(KOL),
    "api.finance_entries": _p(*FIN),
    "api.finance_payouts": _p(*FIN),
    "api.finance_summary": _p(*FIN),
    "api.correct_ledger_entry": _p(FINANCE),
    "api.list_reconciliation_differences": _p(*FIN),
    "api.start_reconciliation": _p(FINANCE),
    "api.resolve_reconciliation_item": _p(FINANCE),
    "api.close_reconciliation_period": _p(FINANCE),
    "api.hold_payout": _p(FINANCE),  # admins read finance, never write it
    "api.release_payout_hold": _p(FINANCE),
    "api.retry_failed_payout": _p(FINANCE),
    "api.retry_refund": _p(FINANCE),
    "api.finance_refunds": _p(*FIN),
    # brand teams and agencies (issue 22): the Team page and its API are the owner's (the
    # member roles below); accepting an invitation is a link from a mail
    "orgs.team": _p(BRAND),
    "orgs.change_role": _p(BRAND, scope=OWN),
    "orgs.remove": _p(BRAND, scope=OWN),
    "orgs.revoke_invitation": _p(BRAND, scope=OWN),
    "orgs.grant": _p(BRAND),
    "orgs.revoke_grant": _p(BRAND, scope=OWN),
    "orgs.act_for": _p(BRAND),
    "orgs.accept": _p(PUBLIC),
    "api.team_get": _p(BRAND),
    "api.team_invite": _p(BRAND),
    "api.team_revoke_invitation": _p(BRAND, scope=OWN),
    "api.team_change_role": _p(BRAND, scope=OWN),
    "api.team_remove_member": _p(BRAND, scope=OWN),
    "api.agency_grant": _p(BRAND),
    "api.agency_revoke": _p(BRAND, scope=OWN),
    "api.acting_brands": _p(BRAND),
}

# What a brand team's member may do on the routes open to brands (issue 22, docs/security.md
# "Roles"): owners everything; managers campaigns, bids, contracts, notes (and analytics);
# analysts read campaigns and analytics and export; finance pays and reads. An agency's member
# acts as a manager at most, for a brand that granted the agency access. The Team routes are
# for owners of the caller's own organisation; choosing a brand is for every member.
TEAM_ROUTES = frozenset(
    name for name in POLICY if name.startswith(("orgs.", "api.team_", "api.agency_"))
) - {"orgs.act_for", "orgs.accept"}
EVERY_MEMBER = frozenset({"orgs.act_for", "api.acting_brands"})
MONEY_ROUTES = frozenset({
    "payments.fund_contract", "payments.funded", "payments.brand_payments", "payments.receipt",
    "paperwork.invoices", "paperwork.invoice", "paperwork.invoice_pdf_download",
    "paperwork.billing_details", "licences.buy", "api.fund_contract", "api.buy_licence",
    "api.list_invoices", "api.get_invoice", "api.invoice_pdf_file", "api.get_billing_details",
    "api.put_billing_details",
})  # fmt: skip
ANALYTICS_ROUTES = frozenset(
    {"analytics.overview", "analytics.campaign", "analytics.export", "api.campaign_stats"}
)
READS = frozenset({"GET"})
MAY = {  # role → area → the methods it may use ("*": all)
    "owner": {"operate": "*", "analytics": "*", "money": "*"},
    "manager": {"operate": "*", "analytics": "*"},
    "analyst": {"operate": READS, "analytics": "*"},
    "finance": {"operate": READS, "money": "*"},
}


def team_may(endpoint: str, method: str, role: str | None, own_role: str | None,
             has_brand: bool) -> bool:  # fmt: skip
    """May a member (``role`` acted with, ``own_role`` in their own organisation) call a
    route open to brands?"""
    if endpoint in EVERY_MEMBER:
        return True
    if endpoint in TEAM_ROUTES:
        return own_role == "owner"
    if not has_brand or role is None:
        return False
    area = ("money" if endpoint in MONEY_ROUTES
            else "analytics" if endpoint in ANALYTICS_ROUTES else "operate")  # fmt: skip
    methods = MAY[role].get(area)
    return methods == "*" or (methods is not None and method in methods)


def admits(policy: Policy, role: str | None) -> bool:
    """The role part: may this role (None: anonymous) call the route at all?"""
    if PUBLIC in policy.audience:
        return True
    if role is None:
        return False
    return SIGNED_IN in policy.audience or role in policy.audience


def reaches(policy: Policy, principal: str, role: str | None, owners, public: bool) -> bool:
    """The object part: may this caller act on this object?"""
    if policy.scope == ANY:
        return True
    if policy.scope == SHOWN:
        return public
    if role in STAFF and role in policy.audience:
        return True
    if policy.scope == SEEN and public:
        return True
    return principal in owners
