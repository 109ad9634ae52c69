"""Raw events by month: a client's retry with another time (another month, on PostgreSQL
another partition) still counts once; prune drops whole old months and the default
partition's old strays; the scheduler's step makes the coming months' partitions and moves in
the strays it finds."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from app.analytics import partitions, retention, rollups
from app.analytics.models import EventId, TrackingEvent
from app.extensions import db
from app.scheduler import SCHEDULE
from tests.analytics.support import event, published_note, totals


def _month_start(months_from_now: int) -> datetime:
    month = partitions.month_of(datetime.now(UTC))
    for _ in range(months_from_now):
        month = partitions.next_month(month)
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def _partition_of(event_id: str) -> str:
    return db.session.scalar(
        text("SELECT tableoid::regclass::text FROM analytics_events WHERE event_id = :id"),
        {"id": event_id},
    )


def _on_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def test_a_retried_event_id_straddling_a_month_boundary_counts_once():
    """The edge server sent the view at 23:59:59 on the month's last day and, unsure it
    arrived, again with the same id two seconds later (its clock now in the next month)."""
    note = published_note()
    boundary = _month_start(1)
    first = event(note, at=(boundary - timedelta(seconds=1)).timestamp(), event_id="b:retry-1")
    retry = dict(first, t=(boundary + timedelta(seconds=1)).timestamp())
    assert rollups.ingest_events([first]) == 1
    assert rollups.ingest_events([retry]) == 0
    assert rollups.ingest_events([first, retry]) == 0  # and both in one later batch
    assert totals(note.id)["views"] == 1
    times = db.session.scalars(
        select(TrackingEvent.occurred_at).where(TrackingEvent.event_id == "b:retry-1")
    ).all()
    assert [t.astimezone(UTC) for t in times] == [boundary - timedelta(seconds=1)]
    if _on_postgres():
        assert _partition_of("b:retry-1") == partitions.partition_name(
            partitions.month_of(boundary - timedelta(days=1))
        )


def test_the_dedupe_key_is_forgotten_after_its_days_and_then_the_id_counts_again():
    note = published_note()
    view = event(note, event_id="b:late-retry")
    assert rollups.ingest_events([view]) == 1
    db.session.execute(EventId.__table__.update().values(stored_at=func.now() - timedelta(days=8)))
    pruned = retention.prune_raw_events(days=90, event_id_days=7)
    assert pruned.event_ids == 1
    later = dict(view, t=view["t"] + 3600)  # an hour later: a different row of the same id
    assert rollups.ingest_events([later]) == 1


@pytest.mark.postgres
def test_prune_drops_whole_months_past_retention_and_old_strays(ctx):
    note = published_note()
    old_month = partitions.month_of(datetime.now(UTC) - timedelta(days=150))
    partitions.create_month(old_month)
    in_old_month = datetime(old_month.year, old_month.month, 3, tzinfo=UTC)
    straddling = datetime.now(UTC) - timedelta(days=95)  # a month partly inside retention
    rollups.ingest_events([
        event(note, at=in_old_month.timestamp(), event_id="b:old-month"),
        event(note, at=straddling.timestamp(), visitor="c" * 32, event_id="b:straggler"),
        event(note, visitor="d" * 32, event_id="b:today"),
    ])  # fmt: skip
    assert _partition_of("b:old-month") == partitions.partition_name(old_month)
    assert _partition_of("b:straggler") == partitions.DEFAULT  # no partition for its month

    pruned = retention.prune_raw_events(days=90)
    assert pruned.partitions == [partitions.partition_name(old_month)]
    assert pruned.rows == 1  # the straggler, deleted from the default partition
    assert old_month not in partitions.month_partitions()
    kept = db.session.scalars(select(TrackingEvent.event_id)).all()
    assert kept == ["b:today"]
    assert totals(note.id)["views"] == 3  # the rollups keep every month


@pytest.mark.postgres
def test_the_scheduler_makes_the_coming_months_and_moves_strays_in(ctx):
    steps = {step.name: step for step in SCHEDULE}
    assert steps["analytics-partitions"].func is partitions.create_ahead_job
    assert steps["analytics-prune"].func is retention.prune_job
    note = published_note()
    far = _month_start(5) + timedelta(days=2)
    rollups.ingest_events([event(note, at=far.timestamp(), event_id="b:far-ahead")])
    assert _partition_of("b:far-ahead") == partitions.DEFAULT
    created = partitions.create_ahead(months=5)
    assert partitions.partition_name(partitions.month_of(far)) in created
    assert _partition_of("b:far-ahead") == partitions.partition_name(partitions.month_of(far))
    assert partitions.create_ahead(months=5) == []  # already there
    month = partitions.month_of(datetime.now(UTC))
    for _ in range(6):
        assert month in partitions.month_partitions()
        month = partitions.next_month(month)


def test_flask_analytics_prune_and_partitions_say_what_they_did(app):
    note = published_note()
    old = (datetime.now(UTC) - timedelta(days=100)).timestamp()
    rollups.ingest_events([event(note, at=old), event(note, visitor="c" * 32)])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["analytics", "prune", "--days", "90"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 raw event(s)" in result.output
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 1
    result = runner.invoke(args=["analytics", "partitions", "--ahead", "3"])
    assert result.exit_code == 0, result.output
    if _on_postgres():
        assert "created partition " + partitions.partition_name(_month_start(3).date()) in (
            result.output
        )
        assert len(partitions.month_partitions()) >= 4
    else:
        assert "no partitions" in result.output


@pytest.mark.postgres
def test_the_guarded_statement_stores_on_the_partitioned_table_once(monkeypatch):
    """The writer's fallback statement (ON CONFLICT on the partitioned table's key and on the
    dedupe keys, for a row another writer stored meanwhile) is valid there and stores and
    counts as the plain one does; a replay with another time stays a no-op."""
    from app.analytics import pg_ingest

    monkeypatch.setattr(pg_ingest, "_PLAIN", pg_ingest._GUARDED)
    note = published_note()
    boundary = _month_start(1)
    first = event(note, at=(boundary - timedelta(seconds=1)).timestamp(), event_id="b:guarded")
    assert rollups.ingest_events([first, event(note, visitor="c" * 32)]) == 2
    assert (
        rollups.ingest_events([dict(first, t=(boundary + timedelta(seconds=1)).timestamp())]) == 0
    )
    assert totals(note.id)["views"] == 2


@pytest.mark.postgres
def test_a_click_looked_up_by_id_reads_only_the_partition_of_its_month(app, ctx):
    """Attribution and settlement read clicks back by id: the id carries its time, so the read
    names the month (plus a day's slack either side) and PostgreSQL prunes the other months'
    partitions instead of probing each one's key."""
    from sqlalchemy import event as sa_event

    from app.analytics.store.sql import SqlStore
    from app.analytics.tracking import new_click_id

    note = published_note()
    months = [partitions.month_of(datetime.now(UTC) - timedelta(days=31 * k)) for k in (3, 2, 1)]
    for month in months:
        partitions.create_month(month)
    mid = datetime(months[0].year, months[0].month, 15, 12, tzinfo=UTC).timestamp()
    click = new_click_id(note.id, mid)
    rollups.ingest_events([event(note, "click", at=mid, event_id=click)])

    statements = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "analytics_events" in statement and statements == []:
            statements.append((statement, parameters))

    engine = db.session.get_bind().engine
    sa_event.listen(engine, "before_cursor_execute", keep)
    try:
        assert set(SqlStore().clicks([click])) == {click}
    finally:
        sa_event.remove(engine, "before_cursor_execute", keep)
    ((statement, parameters),) = statements
    plan = "\n".join(
        row[0]
        for row in db.session.connection().exec_driver_sql("EXPLAIN " + statement, parameters)
    )
    assert partitions.partition_name(months[0]) in plan
    for month in months[1:]:
        assert partitions.partition_name(month) not in plan
    assert partitions.partition_name(partitions.month_of(datetime.now(UTC))) not in plan
