"""The monthly partitions of analytics_events on PostgreSQL: created ahead by the scheduler,
dropped whole once past the retention period (migration 0032 made the table partitioned).

Months, not days: the writer never reads the events' partitions (its dedupe key is
analytics_event_ids, its visitor state analytics_visitor_days) and dashboards read rollups, so a
partition's size costs no hot path anything; 90 days of retention is then four or five
partitions, which the few raw-event reads that cannot name a time (a click looked up by its id)
probe one index each. Days would only make retention finer (it is a month coarse here: a
month's partition goes when its last day is past the cutoff) at the price of ~100 partitions.

Partitions are named ``analytics_events_pYYYY_MM``; ``analytics_events_default`` (the DEFAULT
partition) catches an event of a month that has none (a client's time far behind or ahead):
it is never refused, creating the month's partition later moves its strays there, and prune
deletes the old ones row by row. SQLite keeps one plain table: nothing here runs there.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import text

from app.context import in_app_context
from app.extensions import db

log = logging.getLogger(__name__)
PARENT = "analytics_events"
DEFAULT = "analytics_events_default"
_NAME = re.compile(r"^analytics_events_p(\d{4})_(\d{2})$")


@dataclass
class Pruned:
    """What a prune removed: rows deleted one by one (SQLite, strays in the default
    partition), whole partitions dropped (with the planner's estimate of their rows) and
    dedupe keys."""

    rows: int = 0
    partitions: list[str] = field(default_factory=list)
    estimated_rows: int = 0
    event_ids: int = 0


def month_of(at: datetime | date) -> date:
    return date(at.year, at.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{PARENT}_p{month:%Y_%m}"


def _is_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def month_partitions() -> dict[date, str]:
    """The month partitions attached to analytics_events: first day of the month -> name."""
    names = db.session.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:parent AS regclass)"
        ),
        {"parent": PARENT},
    )
    found = {}
    for name in names:
        if match := _NAME.match(name):
            found[date(int(match[1]), int(match[2]), 1)] = name
    return found


def _bound(day: date) -> str:
    return f"'{day.isoformat()} 00:00:00+00'"


def create_month(month: date) -> str:
    """Create and attach ``month``'s partition, moving in the default partition's strays of
    that month (a partition whose rows the default holds cannot be created in place)."""
    name, end = partition_name(month), next_month(month)
    # Names and bounds built here from dates and module constants, never from input.
    default = f"CREATE TABLE IF NOT EXISTS {DEFAULT} PARTITION OF {PARENT} DEFAULT"  # nosec B608
    db.session.execute(text(default))
    like = f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"  # nosec B608
    db.session.execute(text(like))
    in_month = f"occurred_at >= {_bound(month)} AND occurred_at < {_bound(end)}"
    move = f"WITH moved AS (DELETE FROM {DEFAULT} WHERE {in_month} RETURNING *) "  # noqa: S608 # nosec B608
    move += f"INSERT INTO {name} SELECT * FROM moved"  # noqa: S608 # nosec B608
    db.session.execute(text(move))
    db.session.execute(
        text(
            f"ALTER TABLE {PARENT} ATTACH PARTITION {name} "  # nosec B608
            f"FOR VALUES FROM ({_bound(month)}) TO ({_bound(end)})"  # nosec B608
        )
    )
    return name


def create_ahead(*, months: int, now: datetime | None = None) -> list[str]:
    """Make sure this month's partition and the next ``months`` ones exist; returns the names
    created. Flushes only; nothing on SQLite."""
    first = month_of(now or datetime.now(UTC))
    last = first
    for _ in range(months):
        last = next_month(last)
    return create_between(datetime(*first.timetuple()[:3], tzinfo=UTC),
                          datetime(*last.timetuple()[:3], tzinfo=UTC))  # fmt: skip


def create_between(first: datetime, last: datetime) -> list[str]:
    """Make sure every month from ``first``'s to ``last``'s has its partition (a bulk load of
    past events, `flask analytics generate`); returns the names created. Flushes only."""
    if not _is_postgresql():
        return []
    existing, created = month_partitions(), []
    month = month_of(first)
    while month <= month_of(last):
        if month not in existing:
            created.append(create_month(month))
        month = next_month(month)
    return created


def prune_events(cutoff: datetime) -> Pruned:
    """Drop every month partition whose whole month is before ``cutoff`` and delete the
    default partition's strays before it. Flushes only."""
    pruned = Pruned()
    for month, name in sorted(month_partitions().items()):
        if datetime(*next_month(month).timetuple()[:3], tzinfo=UTC) > cutoff:
            continue
        estimate = db.session.scalar(
            text(
                "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = CAST(:t AS regclass)"
            ),
            {"t": name},
        )
        # A name read from the catalogue and matched against the partitions' own pattern.
        db.session.execute(text(f"DROP TABLE {name}"))  # nosec B608
        pruned.partitions.append(name)
        pruned.estimated_rows += estimate or 0
    if db.session.scalar(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": DEFAULT}):
        pruned.rows = db.session.execute(
            text(f"DELETE FROM {DEFAULT} WHERE occurred_at < :cutoff"),  # noqa: S608 # nosec B608
            {"cutoff": cutoff},
        ).rowcount
    return pruned


@in_app_context
def create_ahead_job() -> int:
    """For the scheduler (app/scheduler.py): the coming months' partitions. Commits."""
    created = create_ahead(months=current_app.config["ANALYTICS_PARTITIONS_AHEAD"])
    db.session.commit()
    if created:
        log.info("analytics partitions created: %s", ", ".join(created))
    return len(created)
