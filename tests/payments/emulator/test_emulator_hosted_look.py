"""Issue 20: the hosted Checkout and onboarding pages look like a payment page (the merchant,
the amount, a card layout, a styled pay button), self-contained and CSP-safe."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from emulator_support import session_params
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client
from werkzeug.wrappers import Response

from app.payments.emulator import create_wsgi_app


def _csp_safe(page) -> None:
    """No inline style or script; a policy that forbids them; the stylesheet from the pages."""
    policy = page.headers["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<style" not in page.text and " style=" not in page.text and "<script" not in page.text


def test_checkout_shows_the_merchant_the_amount_and_a_styled_pay_button(client, emulator):
    emulator.settings.business_name = "KOL Market"
    host = DispatcherMiddleware(Response("app"), {"/emulator": create_wsgi_app(emulator)})
    browser = Client(host)
    session = client.v1.checkout.sessions.create(session_params(amount=52_500))

    page = browser.get(f"/emulator/checkout/{session.id}")

    assert page.status_code == 200
    _csp_safe(page)
    assert re.search(r'<p class="amount">525.00 USD</p>', page.text)
    assert "Pay KOL Market" in page.text and 'class="card"' in page.text
    assert '<button class="button" type="submit">Pay 525.00 USD</button>' in page.text
    assert "Sponsored note × 1" in page.text
    css = browser.get("/emulator/hosted.css")  # linked under the mount prefix
    assert '<link rel="stylesheet" href="/emulator/hosted.css">' in page.text
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert ".button{" in css.text and ".card{" in css.text


def test_onboarding_is_a_card_with_styled_buttons(client, web):
    account = client.v1.accounts.create({"type": "express", "country": "US"})
    link = client.v1.account_links.create(
        {
            "account": account.id,
            "refresh_url": "https://kol.example/refresh",
            "return_url": "https://kol.example/return",
            "type": "account_onboarding",
        }
    )
    page = web.get(urlsplit(link.url).path.removeprefix("/emulator"))
    assert page.status_code == 200, page.text
    _csp_safe(page)
    assert 'class="card"' in page.text
    assert '<button class="button" type="submit" name="action" value="complete">' in page.text
