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

# One stylesheet served beside the pages (/hosted.css): no inline style or script, so the
# pages keep working under a strict Content-Security-Policy (see CSP below).
STYLESHEET = """*{box-sizing:border-box}
body{margin:0;min-height:100vh;background:#f6f9fc;color:#1a1f36;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Microsoft YaHei",sans-serif}
.test-mode{margin:0;padding:.35rem 1rem;background:#ffde92;color:#5e3b00;font-size:.8rem;
font-weight:600;text-align:center;letter-spacing:.02em}
.pay{display:grid;gap:1.5rem;max-width:56rem;margin:0 auto;padding:2rem 1rem}
@media (min-width:48rem){.pay{grid-template-columns:1fr 1fr;gap:3rem;padding:4rem 2rem}}
.merchant{display:flex;align-items:center;gap:.6rem;margin:0 0 1.25rem;font-weight:600}
.logo{display:inline-grid;place-items:center;width:2rem;height:2rem;border-radius:50%;
background:#635bff;color:#fff;font-size:.9rem}
.label{margin:0;color:#697386;font-size:.9rem}
.amount{margin:.1rem 0 1.25rem;font-size:2.25rem;font-weight:700;letter-spacing:-.01em}
.items{margin:0;padding:0;list-style:none;border-top:1px solid #e3e8ee}
.items li{display:flex;justify-content:space-between;gap:1rem;padding:.75rem 0;
border-bottom:1px solid #e3e8ee;font-size:.95rem}
.items .total{font-weight:600}
.card{background:#fff;border-radius:.75rem;padding:1.5rem;
box-shadow:0 1px 3px rgba(50,50,93,.12),0 8px 24px rgba(50,50,93,.08)}
.card h1,.card h2{margin:0 0 1rem;font-size:1.15rem}
label{display:block;margin:.9rem 0 .3rem;color:#3c4257;font-size:.9rem;font-weight:500}
input{width:100%;padding:.65rem .75rem;border:1px solid #cfd7df;border-radius:.4rem;
font:inherit;background:#fff}
input:focus{outline:2px solid #635bff;outline-offset:1px;border-color:#635bff}
.button{display:block;width:100%;margin-top:1.25rem;padding:.8rem 1rem;border:0;
border-radius:.4rem;background:#635bff;color:#fff;font:inherit;font-weight:600;cursor:pointer;
min-height:2.75rem}
.button:hover{background:#5148e5}
.button.secondary{background:#fff;color:#3c4257;border:1px solid #cfd7df}
.button.secondary:hover{background:#f6f9fc}
.error{margin:0 0 1rem;padding:.6rem .75rem;border-radius:.4rem;background:#fde8ea;
color:#a4141f}
.hint{color:#697386;font-size:.85rem}
.back{display:inline-block;margin-top:1rem;color:#635bff;font-size:.9rem}
.secure{margin-top:1rem;color:#697386;font-size:.8rem;text-align:center}
.state{font-size:1.05rem}
"""
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "frame-ancestors 'none'"
)
_LAYOUT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} · Stripe emulator</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="{{ root }}/hosted.css">
</head><body><p class="test-mode">Stripe emulator · test mode</p>{% block body %}{% endblock %}
</body></html>"""
_CHECKOUT = """{% extends "layout" %}{% block title %}Pay {{ merchant }}{% endblock %}
{% block body %}<main class="pay">
<section class="summary" aria-label="Order summary">
<p class="merchant"><span class="logo" aria-hidden="true">{{ merchant[:1] }}</span>{{ merchant }}</p>
<p class="label">Pay {{ merchant }}</p>
<p class="amount">{{ total }}</p>
<ul class="items">{% for item in items %}<li><span>{{ item.description }} × {{ item.quantity }}</span>
<span>{{ item.amount }}</span></li>{% endfor %}
<li class="total"><span>Total due</span><span>{{ total }}</span></li></ul>
</section>
<section class="card">
{% if session.status == "open" %}
<h1>Pay with card</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="{{ action }}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" value="{{ email or '' }}">
<label for="card">Card number</label>
<input id="card" name="card" inputmode="numeric" autocomplete="cc-number" required
 placeholder="4242 4242 4242 4242">
<button class="button" type="submit">Pay {{ total }}</button></form>
<p class="hint">4242 4242 4242 4242 succeeds; 4000 0000 0000 0002 is declined.</p>
{% if session.cancel_url %}<a class="back" href="{{ session.cancel_url }}">← Cancel and go back</a>{% endif %}
<p class="secure">Test mode: no real card is charged.</p>
{% elif session.status == "complete" %}<h1>Paid</h1><p class="state">This Checkout Session is already paid.</p>
{% else %}<h1>Expired</h1><p class="state">This Checkout Session has expired.</p>{% endif %}
</section></main>{% endblock %}"""
_ONBOARDING = """{% extends "layout" %}{% block title %}Onboarding{% endblock %}{% block body %}
<main class="pay">
<section class="summary">
<p class="merchant"><span class="logo" aria-hidden="true">{{ merchant[:1] }}</span>{{ merchant }}</p>
<p class="label">{{ merchant }} uses Stripe to send your payouts.</p>
<p class="hint">Account {{ link.account }}</p>
</section>
<section class="card"><h1>Set up payouts</h1>
<form method="post" action="{{ action }}"><input type="hidden" name="nonce" value="{{ link.form_nonce }}">
<button class="button" type="submit" name="action" value="complete">Complete onboarding</button>
<button class="button secondary" type="submit" name="action" value="pending">Submit, verification pending</button>
<button class="button secondary" type="submit" name="action" value="leave">Leave without completing</button>
</form>
<p class="hint">"Submit, verification pending" leaves the transfers capability pending, as
Stripe does while it checks an identity document.</p></section></main>{% endblock %}"""
_MISSING = """{% extends "layout" %}{% block title %}Not found{% endblock %}{% block body %}
<main class="pay"><section class="card"><h1>Not found</h1><p>{{ message }}</p></section></main>
{% endblock %}"""
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
        if parts == ["hosted.css"]:
            return Response(STYLESHEET, 200, content_type="text/css; charset=utf-8")
        if len(parts) == 2 and parts[0] == "checkout":
            return self.checkout(request, parts[1])
        if len(parts) == 2 and parts[0] == "onboarding":
            return self.onboarding(request, parts[1])
        return self.page(request, "missing", 404, message="There is no page here.")

    def page(self, request: Request, name: str, status: int, **context: object) -> Response:
        """A hosted page, with the stylesheet's root (the mount prefix) and the merchant."""
        merchant = self.emulator.settings.business_name
        html = TEMPLATES.get_template(name).render(
            root=request.script_root, merchant=merchant, **context
        )
        response = Response(html, status, content_type="text/html; charset=utf-8")
        response.headers["Content-Security-Policy"] = CSP
        return response

    def checkout(self, request: Request, session_id: str) -> Response:
        try:
            session, items = self.emulator.checkout_view(session_id)
        except EmulatorError:
            return self.page(request, "missing", 404, message="No such Checkout Session.")
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
        return self.page(
            request,
            "checkout",
            404 if session["status"] == "expired" else 200,  # Stripe's expired link is dead
            session=session,
            items=[_priced(item) for item in items],
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
                return self.page(request, "missing", 404, message="No such account link.")
            return redirect(target, 303)
        state, link = self.emulator.open_onboarding_link(token)
        if link is None:
            return self.page(request, "missing", 404, message="No such account link.")
        if state == "refresh":
            return redirect(link["refresh_url"], 303)
        action = f"{request.script_root}/onboarding/{token}"
        return self.page(request, "onboarding", 200, link=link, action=action)


def _success_url(session: dict[str, str]) -> str:
    return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])


def _priced(item: dict) -> dict:
    """A line item with its amount as the page shows it."""
    amount = item.get("amount_total")
    if amount is None:
        amount = (item.get("price") or {}).get("unit_amount", 0) * item.get("quantity", 1)
    return {**item, "amount": format_amount(amount, item.get("currency") or "usd")}
