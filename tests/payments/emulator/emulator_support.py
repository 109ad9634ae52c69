"""Constants and parameter builders shared by the emulator tests."""

from __future__ import annotations

from typing import Any

NOW = 1_700_000_000
HOSTED = "http://testserver/emulator"


def session_params(amount: int = 10_000, currency: str = "usd", **extra: Any) -> dict[str, Any]:
    return {
        "mode": "payment",
        "success_url": "https://kol.example/funded?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://kol.example/cancelled",
        "line_items": [
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": amount,
                    "product_data": {"name": "Sponsored note"},
                },
                "quantity": 1,
            }
        ],
        "payment_intent_data": {"transfer_group": "contract_7", "metadata": {"contract": "7"}},
        "metadata": {"contract": "7"},
        **extra,
    }
