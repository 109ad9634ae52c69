"""OpenAPI links: where the ids in an answer lead next.

A client reads them as "having created a campaign, you can publish it, list its bids, bid on
it…"; schemathesis follows them to chain calls in its stateful tests. Each link passes an id
that the answer really carries (or the id the request was sent to) to the operation that takes
it, whoever may call that operation: links say what an id *is*, not who may use it.
"""

from __future__ import annotations

from typing import Any

# What can be done with an object whose id an answer carries: operationId → the path parameter
# its id fills. "campaign" is the answer's own campaign (any state: each action may apply);
# "campaign_ref" is a campaign another object points at (a bid's, a contract's): read it.
TAKES: dict[str, dict[str, str]] = {
    "campaign": {
        "getCampaign": "campaign_id",
        "updateCampaign": "campaign_id",
        "publishCampaign": "campaign_id",
        "closeCampaign": "campaign_id",
        "reopenCampaign": "campaign_id",
        "cancelCampaign": "campaign_id",
        "listCampaignBids": "campaign_id",
        "createBid": "campaign_id",
        "getCampaignStats": "campaign_id",
        "inviteKol": "campaign_id",
        "duplicateCampaign": "campaign_id",
    },
    "campaign_ref": {
        "getCampaign": "campaign_id",
        "listCampaignBids": "campaign_id",
        "getCampaignStats": "campaign_id",
    },
    "bid": {
        "getBid": "bid_id",
        "acceptBid": "bid_id",
        "counterBid": "bid_id",
        "rejectBid": "bid_id",
        "withdrawBid": "bid_id",
        "updateBid": "bid_id",
    },
    "bid_ref": {"getBid": "bid_id"},
    "contract": {
        "getContract": "contract_id",
        "fundContract": "contract_id",
        "getContractMoney": "contract_id",
        "getContractLedger": "contract_id",
        "getContractStats": "contract_id",
        "listMessages": "contract_id",
        "postMessage": "contract_id",
        "putNoteDraft": "contract_id",
        "listSettlements": "contract_id",
        "setPromoCode": "contract_id",
        "buyLicence": "contract_id",
        "rateContract": "contract_id",
        "cancelContract": "contract_id",
        "disputeContract": "contract_id",
    },
    "contract_ref": {
        "getContract": "contract_id",
        "getContractMoney": "contract_id",
        "getContractLedger": "contract_id",
        "listMessages": "contract_id",
        "listSettlements": "contract_id",
    },
    "note": {
        "getNote": "note_id",
        "submitNote": "note_id",
        "approveNote": "note_id",
        "requestNoteChanges": "note_id",
        "republishNote": "note_id",
        "getNoteStats": "note_id",
        "setNoteExternalUrl": "note_id",
        "takeDownNote": "note_id",
        "requestNoteTakedown": "note_id",
        "answerNoteTakedown": "note_id",
        "askExtraRound": "note_id",
        "answerExtraRound": "note_id",
    },
    # A published note (from the feed, or one engaged with): what anyone signed in may do.
    "published_note": {
        "getNote": "note_id",
        "likeNote": "note_id",
        "unlikeNote": "note_id",
        "saveNote": "note_id",
        "unsaveNote": "note_id",
        "markNoteBought": "note_id",
        "listNoteComments": "note_id",
        "postNoteComment": "note_id",
        "listRelatedNotes": "note_id",
    },
    "kol": {"getKol": "kol_id", "followKol": "kol_id", "unfollowKol": "kol_id"},
    "shortlist": {
        "getShortlist": "shortlist_id",
        "renameShortlist": "shortlist_id",
        "inviteShortlist": "shortlist_id",
        # addShortlistKol / removeShortlistKol also take a kol_id no answer carries with it:
        # a link must define every path parameter, so none leads there.
        "deleteShortlist": "shortlist_id",
    },
    # brand teams (issue 22): an owner's invitations, members and agency grants
    "team_invitation": {"revokeInvitation": "invitation_id"},
    "team_member": {"changeMemberRole": "membership_id", "removeMember": "membership_id"},
    "agency_grant": {"revokeAgencyGrant": "grant_id"},
    "comment": {
        "deleteComment": "comment_id",
        "hideComment": "comment_id",
        "unhideComment": "comment_id",
        "reportComment": "comment_id",
    },
    "board": {"updateWishlistBoard": "board_id", "deleteWishlistBoard": "board_id"},
    "webhook_endpoint": {
        "getWebhookEndpoint": "endpoint_id",
        "updateWebhookEndpoint": "endpoint_id",
        "rotateWebhookSecret": "endpoint_id",
        "listWebhookDeliveries": "endpoint_id",
        "deleteWebhookEndpoint": "endpoint_id",
    },
    "webhook_delivery": {"resendWebhookDelivery": "delivery_id"},
    "notification": {"markNotificationRead": "notification_id"},
    "verification_request": {"decideVerification": "request_id"},
    "refund": {"retryRefund": "refund_id"},
    "social_account": {
        "updateSocialAccount": "account_id",
        "removeSocialAccount": "account_id",
    },
    "payout": {
        "holdPayout": "payout_id",
        "releasePayoutHold": "payout_id",
        "retryPayout": "payout_id",
    },
    "invoice": {"getInvoice": "invoice_id", "getInvoicePdf": "invoice_id"},
    "media_kit_link": {"revokeMediaKitLink": "link_id"},
    "journal_entry": {"correctLedgerEntry": "entry_id"},
    "reconciliation_run": {"listReconciliationDifferences": "run_id"},
    "reconciliation_item": {"resolveReconciliationItem": "item_id"},
    "reconciliation_period": {"closeReconciliationPeriod": "period_id"},
}

_CAMPAIGN = {"campaign": "$response.body#/id"}
_BID = {"bid": "$response.body#/id", "campaign_ref": "$response.body#/campaign_id"}
_CONTRACT = {
    "contract": "$response.body#/id",
    "bid_ref": "$response.body#/bid_id",
    "campaign_ref": "$response.body#/campaign_id",
}
_NOTE = {
    "note": "$response.body#/id",
    "contract_ref": "$response.body#/contract_id",
    "kol": "$response.body#/kol_id",
}
_ENGAGED = {"published_note": "$response.body#/note_id", "kol": "$response.body#/kol_id"}
_FIRST = "$response.body#/items/0/"
_SHORTLIST = {"shortlist": "$response.body#/id"}
_WEBHOOK_ENDPOINT = {"webhook_endpoint": "$response.body#/id"}

# What each answer carries: (operationId, status) → {what: the runtime expression of its id}.
CARRIES: dict[tuple[str, str], dict[str, str]] = {
    ("createCampaign", "201"): _CAMPAIGN,
    ("duplicateCampaign", "201"): _CAMPAIGN,
    ("getCampaign", "200"): _CAMPAIGN,
    ("updateCampaign", "200"): _CAMPAIGN,
    ("publishCampaign", "200"): _CAMPAIGN,
    ("closeCampaign", "200"): _CAMPAIGN,
    ("reopenCampaign", "200"): _CAMPAIGN,
    ("cancelCampaign", "200"): _CAMPAIGN,
    ("listCampaigns", "200"): {"campaign": _FIRST + "id"},
    ("createBid", "201"): _BID,
    ("getBid", "200"): _BID,
    ("counterBid", "200"): _BID,
    ("rejectBid", "200"): _BID,
    ("withdrawBid", "200"): _BID,
    ("updateBid", "200"): _BID,
    ("listBids", "200"): {"bid": _FIRST + "id", "campaign_ref": _FIRST + "campaign_id"},
    ("listCampaignBids", "200"): {"bid": _FIRST + "id"},
    ("acceptBid", "201"): _CONTRACT,
    ("getContract", "200"): _CONTRACT,
    ("cancelContract", "200"): _CONTRACT,
    ("disputeContract", "200"): _CONTRACT,
    ("listContracts", "200"): {"contract": _FIRST + "id"},
    ("postMessage", "201"): {"contract_ref": "$request.path.contract_id"},
    ("fundContract", "200"): {"contract_ref": "$request.path.contract_id"},
    ("listPayouts", "200"): {"contract_ref": _FIRST + "contract_id"},
    ("putNoteDraft", "200"): _NOTE,
    ("putNoteDraft", "201"): _NOTE,
    ("getNote", "200"): _NOTE,
    ("submitNote", "200"): _NOTE,
    ("approveNote", "200"): {**_NOTE, "published_note": "$response.body#/id"},
    ("requestNoteChanges", "200"): _NOTE,
    ("republishNote", "200"): {**_NOTE, "published_note": "$response.body#/id"},
    ("exploreNotes", "200"): {"published_note": _FIRST + "id", "kol": _FIRST + "kol_id"},
    ("listRelatedNotes", "200"): {"published_note": _FIRST + "id", "kol": _FIRST + "kol_id"},
    ("likeNote", "200"): _ENGAGED,
    ("saveNote", "200"): _ENGAGED,
    ("markNoteBought", "200"): _ENGAGED,
    ("followKol", "200"): {"kol": "$response.body#/kol_id"},
    ("postNoteComment", "201"): {
        "comment": "$response.body#/id",
        "published_note": "$response.body#/note_id",
    },
    ("listNoteComments", "200"): {"comment": _FIRST + "id"},
    ("searchKols", "200"): {"kol": _FIRST + "id"},
    ("createShortlist", "201"): _SHORTLIST,
    ("getShortlist", "200"): _SHORTLIST,
    ("renameShortlist", "200"): _SHORTLIST,
    ("addShortlistKol", "200"): _SHORTLIST,
    ("removeShortlistKol", "200"): _SHORTLIST,
    ("listShortlists", "200"): {"shortlist": _FIRST + "id"},
    ("inviteMember", "201"): {"team_invitation": "$response.body#/id"},
    ("changeMemberRole", "200"): {"team_member": "$response.body#/id"},
    ("grantAgency", "201"): {"agency_grant": "$response.body#/id"},
    ("getTeam", "200"): {
        "team_member": "$response.body#/members/1/id",  # 0 is the brand's own account
        "team_invitation": "$response.body#/invitations/0/id",
        "agency_grant": "$response.body#/grants/0/id",
    },
    ("inviteShortlist", "200"): {"campaign_ref": "$response.body#/campaign_id"},
    ("inviteKol", "201"): {
        "campaign_ref": "$response.body#/campaign_id",
        "kol": "$response.body#/kol_id",
    },
    ("listInvitations", "200"): {"campaign_ref": _FIRST + "campaign_id"},
    ("createWebhookEndpoint", "201"): _WEBHOOK_ENDPOINT,
    ("getWebhookEndpoint", "200"): _WEBHOOK_ENDPOINT,
    ("updateWebhookEndpoint", "200"): _WEBHOOK_ENDPOINT,
    ("rotateWebhookSecret", "200"): _WEBHOOK_ENDPOINT,
    ("listWebhookEndpoints", "200"): {"webhook_endpoint": _FIRST + "id"},
    ("listWebhookDeliveries", "200"): {"webhook_delivery": _FIRST + "id"},
    ("resendWebhookDelivery", "200"): {"webhook_endpoint": "$response.body#/endpoint_id"},
    ("listNotifications", "200"): {"notification": _FIRST + "id"},
    ("addSocialAccount", "201"): {"social_account": "$response.body#/id"},
    ("submitVerification", "201"): {"verification_request": "$response.body#/id"},
    ("getVerification", "200"): {"verification_request": "$response.body#/id"},
    ("listVerifications", "200"): {"verification_request": _FIRST + "id"},
    ("updateSocialAccount", "200"): {"social_account": "$response.body#/id"},
    ("listFinancePayouts", "200"): {"payout": _FIRST + "id"},
    ("listMediaKitLinks", "200"): {"media_kit_link": _FIRST + "id"},
    ("createMediaKitLink", "201"): {"media_kit_link": "$response.body#/id"},
    ("listFinanceRefunds", "200"): {"refund": _FIRST + "id"},
    ("holdPayout", "200"): {"payout": "$response.body#/id"},
    ("releasePayoutHold", "200"): {"payout": "$response.body#/id"},
    ("retryPayout", "200"): {"payout": "$response.body#/id"},
    ("createWishlistBoard", "201"): {"board": "$response.body#/id"},
    ("updateWishlistBoard", "200"): {"board": "$response.body#/id"},
    ("hideComment", "200"): {"comment": "$response.body#/id"},
    ("unhideComment", "200"): {"comment": "$response.body#/id"},
    ("listInvoices", "200"): {"invoice": _FIRST + "id", "contract_ref": _FIRST + "contract_id"},
    ("getInvoice", "200"): {
        "invoice": "$response.body#/id",
        "contract_ref": "$response.body#/contract_id",
    },
    ("getEarningsStatement", "200"): {"contract_ref": "$response.body#/payouts/0/contract_id"},
    ("listFinanceEntries", "200"): {"journal_entry": _FIRST + "id"},
    ("correctLedgerEntry", "201"): {"journal_entry": "$response.body#/id"},
    ("startReconciliation", "201"): {
        "reconciliation_run": "$response.body#/id",
        "reconciliation_period": "$response.body#/period_id",
    },
    ("listReconciliationDifferences", "200"): {"reconciliation_item": _FIRST + "id"},
}


# Operations with two ids in their path: a link must define both, so these lead there from an
# answer that has both at hand (the shortlist answered, the KOL of the request's own path).
_MEMBER = {"shortlist_id": "$response.body#/id", "kol_id": "$request.path.kol_id"}
BOTH_IDS: dict[tuple[str, str], dict[str, dict[str, str]]] = {
    ("addShortlistKol", "200"): {"removeShortlistKol": _MEMBER},
    ("removeShortlistKol", "200"): {"addShortlistKol": _MEMBER},
}


def response_links(operation_id: str, status: str) -> dict[str, Any]:
    """The links of one answer, named after the operation each leads to (never to itself)."""
    links: dict[str, Any] = {
        target: {"operationId": target, "parameters": dict(parameters)}
        for target, parameters in BOTH_IDS.get((operation_id, status), {}).items()
    }
    for kind, expression in CARRIES.get((operation_id, status), {}).items():
        for target, parameter in TAKES[kind].items():
            link = {"operationId": target, "parameters": {parameter: expression}}
            if target == operation_id or links.get(target, link) != link:
                continue  # no link to itself; the first of two ways to one target stays
            links[target] = link
    return links
