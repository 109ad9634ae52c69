"""DATABASE_REPLICA_URL: a brand's campaign dashboard and its CSV export read the rollups, the
orders and the spend through the replica's engine; a money write (funding a deal: its journal
entry and ledger lines) goes to the primary only, and never a write to the replica. Here the
"replica" is a second engine on the same database: what is proven is where each statement is
sent."""

import pytest
from sqlalchemy import event as sa_event

from app import replica
from app.extensions import db
from app.ledger.services import CASH, STRIPE_FEES, Leg, post_entry
from tests.analytics.support import campaign_for, event, published_note
from tests.conftest import sign_in
from tests.factories import make_deal

pytestmark = pytest.mark.postgres


def _recorder(engine) -> list[str]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    sa_event.listen(engine, "before_cursor_execute", record)
    return statements


@pytest.fixture
def replica_app(committing_app, monkeypatch):
    app = committing_app
    monkeypatch.setitem(app.config, "DATABASE_REPLICA_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setitem(app.config, "ANALYTICS_DASHBOARD_SECONDS", 0)  # read every time
    with app.app_context():
        yield app
        db.session.remove()
        replica.replica_engine(app).dispose()


def test_dashboards_read_from_the_replica_and_money_writes_never_go_there(replica_app):
    from app.analytics import rollups

    campaign = campaign_for()
    note = published_note(campaign)
    rollups.ingest_events([event(note), event(note, "click", visitor="c" * 32)])
    db.session.commit()
    brand_id, campaign_id = campaign.brand_id, campaign.id
    db.session.remove()

    on_replica = _recorder(replica.replica_engine(replica_app))
    on_primary = _recorder(db.engine)
    client = sign_in(replica_app.test_client(), brand_id)
    page = client.get(f"/analytics/campaigns/{campaign_id}")
    assert page.status_code == 200
    export = client.get(f"/analytics/campaigns/{campaign_id}/export.csv")
    assert export.status_code == 200 and "My glow routine" in export.get_data(as_text=True)
    assert any("FROM analytics_hourly" in s for s in on_replica)
    assert any("FROM analytics_conversions" in s for s in on_replica)
    assert any("FROM contracts" in s and "refunds" in s for s in on_replica)  # the spend
    assert not any("FROM analytics_hourly" in s for s in on_primary)

    on_replica.clear()
    on_primary.clear()
    # A money write: a balanced journal entry booked for a contract, then committed.
    contract = make_deal("awaiting_funding").contract
    post_entry(key="test:replica-fee", kind="fee", currency="usd", contract_id=contract.id,
               legs=[Leg(STRIPE_FEES, 700), Leg(CASH, -700)], memo="seeded")  # fmt: skip
    db.session.commit()
    assert any(s.startswith("INSERT INTO ledger_lines") for s in on_primary)
    assert any(s.startswith("INSERT INTO journal_entries") for s in on_primary)
    assert on_replica == []
