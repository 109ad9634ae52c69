"""Stripe's hosted pages, emulated: Checkout (card form) and Connect onboarding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jinja2 import DictLoader, Environment, select_autoescape
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from .currencies import format_amount
from .errors import EmulatorError

if TYPE_CHECKING:
    from .emulator import Emulator

_LAYOUT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · Stripe emulator</title>
<link rel="icon" href="data:,">
<style>*{box-sizing:border-box}body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem}
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#b00020}.note{color:#555}</style>
</head><body><p class="note">Stripe emulator — test mode</p>{% block body %}{% endblock %}
</body></html>"""
_CHECKOUT = """{% extends "layout" %}{% block title %}Checkout{% endblock %}{% block body %}
<h1>Pay {{ total }}</h1>
<ul>{% for item in items %}<li>{{ item.description }} × {{ item.quantity }}</li>{% endfor %}</ul>
{% if session.status == "open" %}
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="{{ action }}">
<label for="email">Email</label>
<input id="email" name="email" type="email" value="{{ email or '' }}">
<label for="card">Card number</label>
<input id="card" name="card" inputmode="numeric" autocomplete="cc-number" required
 placeholder="4242 4242 4242 4242">
<button type="submit">Pay {{ total }}</button></form>
{% if session.cancel_url %}<p><a href="{{ session.cancel_url }}">Cancel and go back</a></p>{% endif %}
<p class="note">4242 4242 4242 4242 succeeds; 4000 0000 0000 0002 is declined.</p>
{% elif session.status == "complete" %}<p>This Checkout Session is already paid.</p>
{% else %}<p>This Checkout Session has expired.</p>{% endif %}
{% endblock %}"""
_ONBOARDING = """{% extends "layout" %}{% block title %}Onboarding{% endblock %}{% block body %}
<h1>Set up payouts</h1><p>Account {{ link.account }}</p>
<form method="post" action="{{ action }}"><input type="hidden" name="nonce" value="{{ link.form_nonce }}">
<button type="submit" name="action" value="complete">Complete onboarding</button>
<button type="submit" name="action" value="pending">Submit, verification pending</button>
<button type="submit" name="action" value="leave">Leave without completing</button>
</form>
<p class="note">"Submit, verification pending" leaves the transfers capability pending, as
Stripe does while it checks an identity document.</p>{% endblock %}"""
_MISSING = """{% extends "layout" %}{% block title %}Not found{% endblock %}{% block body %}
<h1>Not found</h1><p>{{ message }}</p>{% endblock %}"""
TEMPLATES = Environment(
    loader=DictLoader(
        {"layout": _LAYOUT, "checkout": _CHECKOUT, "onboarding": _ONBOARDING, "missing": _MISSING}
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


class HostedPages:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def dispatch(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "checkout":
            return self.checkout(request, parts[1])
        if len(parts) == 2 and parts[0] == "onboarding":
            return self.onboarding(request, parts[1])
        return _page("missing", 404, message="There is no page here.")

    def checkout(self, request: Request, session_id: str) -> Response:
        try:
            session, items = self.emulator.checkout_view(session_id)
        except EmulatorError:
            return _page("missing", 404, message="No such Checkout Session.")
        error = email = None
        if request.method == "POST" and session["status"] == "open":
            email = request.form.get("email") or None
            try:
                session = self.emulator.pay_checkout_session(
                    session_id, request.form.get("card", ""), email
                )
            except EmulatorError as exc:
                error = exc.message
                # Paid (or expired) meanwhile, e.g. from another tab: show what it is now.
                session, items = self.emulator.checkout_view(session_id)
            else:
                return redirect(_success_url(session), 303)
        total = format_amount(session["amount_total"], session["currency"])
        action = f"{request.script_root}/checkout/{session_id}"
        return _page(
            "checkout",
            404 if session["status"] == "expired" else 200,  # Stripe's expired link is dead
            session=session,
            items=items,
            total=total,
            error=error,
            email=email or session["customer_email"],
            action=action,
        )

    def onboarding(self, request: Request, token: str) -> Response:
        if request.method == "POST":
            form = request.form
            target = self.emulator.submit_onboarding(
                token, form.get("nonce", ""), form.get("action", "")
            )
            if target is None:
                return _page("missing", 404, message="No such account link.")
            return redirect(target, 303)
        state, link = self.emulator.open_onboarding_link(token)
        if link is None:
            return _page("missing", 404, message="No such account link.")
        if state == "refresh":
            return redirect(link["refresh_url"], 303)
        action = f"{request.script_root}/onboarding/{token}"
        return _page("onboarding", 200, link=link, action=action)


def _success_url(session: dict[str, str]) -> str:
    return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])


def _page(name: str, status: int, **context: object) -> Response:
    html = TEMPLATES.get_template(name).render(**context)
    return Response(html, status, content_type="text/html; charset=utf-8")
