"""How the app mounts the hosted pages and plugs its webhook route in, end to end."""

from __future__ import annotations

import stripe
from emulator_support import session_params
from flask import Flask, request
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from app.payments.emulator import Emulator, create_wsgi_app, make_stripe_client

SECRET = "whsec_flask"


def make_site(emulator: Emulator) -> tuple[Flask, list[str]]:
    site = Flask(__name__)
    funded: list[str] = []

    @site.post("/webhooks/stripe")
    def stripe_webhook():
        signature = request.headers.get("Stripe-Signature")
        try:
            event = stripe.Webhook.construct_event(request.get_data(), signature, SECRET)
        except stripe.SignatureVerificationError:
            return "bad signature", 400
        if event.type == "checkout.session.completed":
            funded.append(event.data.object.metadata["contract"])
        return "", 200

    site.wsgi_app = DispatcherMiddleware(site.wsgi_app, {"/emulator": create_wsgi_app(emulator)})

    def deliver(payload: bytes, headers: dict[str, str]) -> int:
        return (
            site.test_client().post("/webhooks/stripe", data=payload, headers=headers).status_code
        )

    emulator.add_webhook_endpoint(deliver, SECRET)
    return site, funded


def test_a_brand_pays_on_the_mounted_page_and_the_webhook_route_sees_it():
    emulator = Emulator(hosted_base_url="http://localhost/emulator")
    site, funded = make_site(emulator)
    client = make_stripe_client(emulator, hosted_base_url="http://localhost/emulator")
    session = client.v1.checkout.sessions.create(session_params())
    browser = site.test_client()

    page = browser.get(session.url.removeprefix("http://localhost"))
    paid = browser.post(f"/emulator/checkout/{session.id}", data={"card": "4242424242424242"})

    assert "100.00 USD" in page.text
    assert paid.status_code == 303
    assert funded == ["7"]
    assert all(delivery.ok for delivery in emulator.deliveries)
