"""`python -m tests.browser.prepare`: readies the journeys' database in one process (one app
start instead of one `flask` command each): Alembic migrations, the staff accounts (which exist
only from the command line), the verified KOLs of the journeys that are not about
verification, the payouts the yearly statement journey reads and the bid the invoice journey
accepts (journey_ops.py). The full
deal still verifies its KOL through the UI. With --demo: the migrations and `flask seed`'s demo
data instead (tests/browser/test_phone.py)."""

from __future__ import annotations

import sys
import traceback

from flask_migrate import upgrade

from app import create_app
from app.auth.models import Role
from app.extensions import db
from app.profiles import services as profiles
from tests.browser import journey_ops
from tests.browser.server import INVOICE_DEAL, PASSWORD, READY_KOLS, SHORTLIST_KOLS, STAFF
from tests.factories import make_user


def prepare() -> None:
    upgrade()
    admin = None
    for role, email in STAFF:
        user = make_user(role, email=email, password=PASSWORD)
        admin = admin or (user if role == "admin" else None)
    for name, email, handle in (*READY_KOLS.values(), *SHORTLIST_KOLS):
        kol = make_user(Role.KOL, email=email, password=PASSWORD, name=name)
        profiles.add_social_account(
            user_id=kol.id, platform="instagram", handle=handle, followers=42_000, url=None
        )
        request = profiles.submit_verification(
            user_id=kol.id, handles=f"Instagram @{handle}", screenshot=None
        )
        profiles.decide_verification(
            request_id=request.id, admin_id=admin.id, approve=True, reason=None
        )
        db.session.commit()
    # What two journeys start from and are not about: payouts to read, a bid to accept.
    journey_ops.payouts(READY_KOLS["yearly_statement"][1])
    brand_email, brand_name, title, price = INVOICE_DEAL
    kol_email = READY_KOLS["invoice_and_credit_note"][1]
    journey_ops.bid(brand_email, brand_name, kol_email, title, str(price))


def prepare_demo(app) -> None:
    upgrade()
    result = app.test_cli_runner().invoke(args=["seed"])
    if result.exit_code != 0:
        if result.exc_info:
            traceback.print_exception(*result.exc_info)
        raise SystemExit(f"flask seed failed:\n{result.output}")


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        if "--demo" in sys.argv:
            prepare_demo(app)
        else:
            prepare()
