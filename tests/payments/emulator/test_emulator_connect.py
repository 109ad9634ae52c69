from __future__ import annotations

import pytest
import stripe

LINK = {"refresh_url": "https://kol.example/refresh", "return_url": "https://kol.example/return"}


@pytest.fixture
def account(client):
    return client.v1.accounts.create(
        {
            "type": "express",
            "country": "GB",
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
    assert (account.type, account.default_currency) == ("express", "gbp")
    assert account.capabilities.to_dict() == {"transfers": "inactive"}
    assert (account.charges_enabled, account.payouts_enabled) == (False, False)

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create({"amount": 100, "currency": "gbp", "destination": account.id})

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


@pytest.mark.parametrize("country", ["CN", "JP", "SG", "AU", "AE"])
def test_countries_a_us_platform_cannot_open_are_refused_as_stripe_refuses(client, country):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.accounts.create({"type": "express", "country": country})

    assert (refused.value.http_status, refused.value.param) == (400, "country")
    assert refused.value.user_message.startswith(
        f"Connected accounts in {country} cannot be created by platforms in US."
    )


@pytest.mark.parametrize("country", ["US", "GB", "CA", "CH", "DE", "NO", "IS"])
def test_us_uk_eea_canada_and_switzerland_can_be_opened(client, country):
    assert client.v1.accounts.create({"type": "express", "country": country}).country == country


def test_onboarding_can_end_with_verification_pending(client, emulator, web, account):
    path = make_link(client, account.id).url.removeprefix("http://testserver/emulator")
    form = web.get(path)
    assert "Submit, verification pending" in form.text
    nonce = form.text.split('name="nonce" value="')[1].split('"')[0]

    back = web.post(path, data={"nonce": nonce, "action": "pending"})

    assert back.headers["Location"] == LINK["return_url"]
    pending = client.v1.accounts.retrieve(account.id)
    assert pending.capabilities.transfers == "pending"
    assert (pending.details_submitted, pending.payouts_enabled) == (True, False)
    assert pending.requirements.disabled_reason == "requirements.pending_verification"
    assert pending.requirements.pending_verification
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.create({"amount": 100, "currency": "gbp", "destination": account.id})

    emulator.complete_onboarding(account.id)  # Stripe finishes the verification

    active = client.v1.accounts.retrieve(account.id)
    assert (active.capabilities.transfers, active.payouts_enabled) == ("active", True)
    event = emulator.events("account.updated")[-1]
    assert event["account"] == account.id
    assert event["data"]["previous_attributes"]["capabilities"] == {"transfers": "pending"}


def test_onboarding_can_end_inactive_with_requirements_due(client, emulator, account):
    emulator.complete_onboarding(account.id, "inactive")

    inactive = client.v1.accounts.retrieve(account.id)
    assert (inactive.capabilities.transfers, inactive.payouts_enabled) == ("inactive", False)
    assert inactive.requirements.currently_due and inactive.details_submitted
    assert inactive.requirements.disabled_reason == "requirements.past_due"


def test_events_of_requests_made_with_stripe_account_carry_the_account(client, emulator, account):
    client.v1.customers.create({"email": "a@example.com"}, {"stripe_account": account.id})

    assert emulator.events("customer.created")[-1]["account"] == account.id


def test_a_site_can_mount_the_hosted_pages_without_the_api(client, emulator, account):
    from werkzeug.test import Client

    from app.payments.emulator import create_wsgi_app

    pages = Client(create_wsgi_app(emulator, api=False))
    path = make_link(client, account.id).url.removeprefix("http://testserver/emulator")

    assert pages.get(path).status_code == 200
    key = {"Authorization": "Bearer sk_test_x"}
    assert pages.get("/v1/events", headers=key).status_code == 404
    assert pages.get(f"/v1/accounts/{account.id}", headers=key).status_code == 404
