"""Links in e-mails are absolute and point at the configured public address (PUBLIC_BASE_URL),
in a request or not: a mail is often written by a job, the scheduler or the seed."""

from __future__ import annotations

import pytest

from app import create_app
from app.links import absolute_url
from tests.factories import PRODUCTION_STRIPE


def test_outside_a_request_a_link_takes_the_public_address(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://kol.example/")
    with app.app_context():
        assert absolute_url("/contracts/3/note") == "https://kol.example/contracts/3/note"
        assert absolute_url("https://elsewhere.example/x") == "https://elsewhere.example/x"


def test_a_forged_host_header_never_reaches_a_mailed_link(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://kol.example")
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert absolute_url("/bids/7") == "https://kol.example/bids/7"


@pytest.mark.parametrize("value", ["", None, "kol.example"])
def test_production_refuses_to_start_without_its_public_address(value):
    settings = {**PRODUCTION_STRIPE, "PUBLIC_BASE_URL": value}
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL must be set"):
        create_app(
            "production", SECRET_KEY="p" * 40, SQLALCHEMY_DATABASE_URI="sqlite://", **settings
        )
