from __future__ import annotations

import pytest
import stripe

LINK = {"refresh_url": "https://kol.example/refresh", "return_url": "https://kol.example/return"}


@pytest.fixture
def account(client):
    return client.v1.accounts.create(
        {
            "type": "express",
            "country": "JP",
            "email": "kol@example.com",
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"user": "42"},
        }
    )


def make_link(client, account_id):
    return client.v1.account_links.create(
        {"account": account_id, "type": "account_onboarding", **LINK}
    )


def test_a_new_express_account_cannot_receive_transfers(client, account):
    assert account.id.startswith("acct_") and account.object == "account"
    assert (account.type, account.default_currency) == ("express", "jpy")
    assert account.capabilities.to_dict() == {"transfers": "inactive"}
    assert (account.charges_enabled, account.payouts_enabled) == (False, False)

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create({"amount": 100, "currency": "jpy", "destination": account.id})

    assert refused.value.code == "insufficient_capabilities_for_transfer"


def test_onboarding_page_completes_the_account(client, emulator, web, account):
    link = make_link(client, account.id)
    path = link.url.removeprefix("http://testserver/emulator")
    assert link.object == "account_link" and link.expires_at == link.created + 300

    form = web.get(path)
    assert form.status_code == 200 and "Complete onboarding" in form.text
    nonce = form.text.split('name="nonce" value="')[1].split('"')[0]
    done = web.post(path, data={"nonce": nonce, "action": "complete"})

    assert (done.status_code, done.headers["Location"]) == (303, LINK["return_url"])
    account = client.v1.accounts.retrieve(account.id)
    assert (account.details_submitted, account.charges_enabled, account.payouts_enabled) == (
        True,
        True,
        True,
    )
    assert account.capabilities.transfers == "active"
    event = emulator.events("account.updated")[-1]
    assert event["account"] == account.id
    assert event["data"]["previous_attributes"]["payouts_enabled"] is False


def test_leaving_onboarding_returns_without_enabling_payouts(client, emulator, web, account):
    path = make_link(client, account.id).url.removeprefix("http://testserver/emulator")
    nonce = web.get(path).text.split('name="nonce" value="')[1].split('"')[0]

    left = web.post(path, data={"nonce": nonce, "action": "leave"})

    assert left.headers["Location"] == LINK["return_url"]
    assert client.v1.accounts.retrieve(account.id).payouts_enabled is False
    assert not emulator.events("account.updated")


def test_an_account_link_is_single_use(client, web, account):
    path = make_link(client, account.id).url.removeprefix("http://testserver/emulator")
    web.get(path)

    again = web.get(path)

    assert (again.status_code, again.headers["Location"]) == (303, LINK["refresh_url"])


def test_an_account_link_expires_after_300_seconds(client, emulator, web, account):
    path = make_link(client, account.id).url.removeprefix("http://testserver/emulator")

    emulator.advance(300)

    assert web.get(path).headers["Location"] == LINK["refresh_url"]


def test_a_forged_onboarding_post_does_not_complete(client, web, account):
    path = make_link(client, account.id).url.removeprefix("http://testserver/emulator")

    forged = web.post(path, data={"nonce": "guess", "action": "complete"})

    assert forged.headers["Location"] == LINK["refresh_url"]
    assert client.v1.accounts.retrieve(account.id).details_submitted is False


def test_account_update_merges_metadata_and_emits_account_updated(client, emulator, account):
    updated = client.v1.accounts.update(account.id, {"metadata": {"tier": "gold", "user": ""}})

    assert updated.metadata.to_dict() == {"tier": "gold"}
    assert emulator.events("account.updated")[-1]["data"]["previous_attributes"] == {
        "metadata": {"user": "42"}
    }


def test_account_links_need_an_existing_account(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        make_link(client, "acct_missing")

    assert (refused.value.http_status, refused.value.param) == (404, "account")
