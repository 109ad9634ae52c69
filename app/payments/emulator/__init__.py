"""A stateful in-process Stripe emulator that the official stripe SDK talks to.

emulator = Emulator()
client = make_stripe_client(emulator)        # a real stripe.StripeClient
app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/emulator": create_wsgi_app(emulator)})
"""

from .emulator import DEFAULT_HOSTED_BASE, Emulator
from .errors import EmulatorError
from .faults import Faults
from .http_client import API_BASE, InProcessHTTPClient, make_stripe_client
from .payments import DECLINE_CARD, SUCCESS_CARD
from .webhooks import Delivery, WebhookEndpoint, sign_payload
from .wsgi import EmulatorWSGI, create_wsgi_app

__all__ = [
    "API_BASE",
    "DECLINE_CARD",
    "DEFAULT_HOSTED_BASE",
    "SUCCESS_CARD",
    "Delivery",
    "Emulator",
    "EmulatorError",
    "EmulatorWSGI",
    "Faults",
    "InProcessHTTPClient",
    "WebhookEndpoint",
    "create_wsgi_app",
    "make_stripe_client",
    "sign_payload",
]
