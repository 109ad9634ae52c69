"""What each member role may do, by area of the product (docs/security.md "Roles").

Every brand route belongs to an area: most to ``operate`` (campaigns, bids, contracts, notes,
shortlists, webhooks), some to ``analytics``, ``money`` (payments, receipts, invoices, billing
details) or ``team`` (members, invitations, agencies). A role may use an area fully or read it
only (GET and HEAD). A brand account's own owner passes everything, as before organisations."""

from __future__ import annotations

from app.orgs.models import MemberRole

OPERATE, ANALYTICS, MONEY, TEAM = "operate", "analytics", "money", "team"
ANYONE = "anyone"  # every member, with or without a brand (an agency's brand switcher)
FULL, READ = "full", "read"

# Endpoints outside "operate"; everything else a brand may reach is operate.
AREAS: dict[str, str] = {
    "orgs.act_for": ANYONE,
    "api.acting_brands": ANYONE,
    "analytics.overview": ANALYTICS,
    "analytics.campaign": ANALYTICS,
    "analytics.export": ANALYTICS,
    "api.campaign_stats": ANALYTICS,
    "payments.fund_contract": MONEY,
    "payments.funded": MONEY,
    "payments.brand_payments": MONEY,
    "payments.receipt": MONEY,
    "paperwork.invoices": MONEY,
    "paperwork.invoice": MONEY,
    "paperwork.invoice_pdf_download": MONEY,
    "paperwork.billing_details": MONEY,
    "licences.buy": MONEY,
    "api.fund_contract": MONEY,
    "api.buy_licence": MONEY,
    "api.list_invoices": MONEY,
    "api.get_invoice": MONEY,
    "api.invoice_pdf_file": MONEY,
    "api.get_billing_details": MONEY,
    "api.put_billing_details": MONEY,
}
TEAM_PREFIXES = ("orgs.", "api.team_", "api.agency_")

GRANTS: dict[MemberRole, dict[str, str]] = {
    MemberRole.OWNER: {OPERATE: FULL, ANALYTICS: FULL, MONEY: FULL, TEAM: FULL},
    MemberRole.MANAGER: {OPERATE: FULL, ANALYTICS: FULL},
    MemberRole.ANALYST: {OPERATE: READ, ANALYTICS: FULL},
    MemberRole.FINANCE: {OPERATE: READ, MONEY: FULL},
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def area_of(endpoint: str) -> str:
    if endpoint in AREAS:
        return AREAS[endpoint]
    return TEAM if endpoint.startswith(TEAM_PREFIXES) else OPERATE


def role_may(role: MemberRole | None, endpoint: str, method: str) -> bool:
    """May a member of ``role`` call ``endpoint`` with ``method``?"""
    if role is None:
        return False
    grant = GRANTS[role].get(area_of(endpoint))
    return grant == FULL or (grant == READ and method in SAFE_METHODS)
