"""Helpers for the bids, contracts and notifications tests: web steps and API calls."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import post_form
from tests.factories import make_api_key


def delivery_for(campaign, days_before: int = 2) -> str:
    return (campaign.delivery_deadline - timedelta(days=days_before)).date().isoformat()


def web_bid(client, campaign, price="500", pitch="My audience loves skincare.", date=None):
    """Bid through the form like a KOL: preview the fees, then confirm."""
    url = f"/campaigns/{campaign.id}/bid"
    data = {"price": price, "pitch": pitch, "proposed_delivery": date or delivery_for(campaign)}
    preview = post_form(client, url, data)
    if preview.status_code != 200 or "confirm_price" not in preview.get_data(as_text=True):
        return preview
    return post_form(client, url, {**data, "confirm_price": price})


def web_counter(client, bid, price: str, message: str = ""):
    url = f"/bids/{bid.id}/counter"
    data = {"price": price, "message": message}
    preview = post_form(client, url, data, page=f"/bids/{bid.id}")
    if preview.status_code != 200 or "confirm_price" not in preview.get_data(as_text=True):
        return preview
    return post_form(client, url, {**data, "confirm_price": price}, page=f"/bids/{bid.id}")


def web_accept(client, bid):
    return post_form(client, f"/bids/{bid.id}/accept")


class Api:
    """Bearer-key calls for one user."""

    def __init__(self, client, user):
        self.client = client
        self.headers = {"Authorization": f"Bearer {make_api_key(user)}"}

    def get(self, path: str, **kwargs):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kwargs)

    def post(self, path: str, json=None):
        return self.client.post(f"/api/v1{path}", headers=self.headers, json=json)
