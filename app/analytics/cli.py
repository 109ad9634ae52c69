"""`flask analytics …`: drain the buffer, prune raw events, generate volume for benchmarks."""

from __future__ import annotations

import random
import secrets
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db

analytics_cli = AppGroup("analytics", help="Tracking pipeline and analytics data.")


@analytics_cli.command("drain")
@click.option("--loop", is_flag=True, help="Keep draining every --interval seconds.")
@click.option("--interval", default=2.0, show_default=True, help="Longest pause when idle.")
def drain_command(loop: bool, interval: float) -> None:
    """Move buffered events from Redis into the database and the rollups."""
    from app.analytics.pipeline import drain_all, gather, wait_for_entries
    from app.redis import redis_client

    if redis_client() is None:
        click.echo("no REDIS_URL: events are written directly, nothing to drain")
        return
    pause = current_app.config["ANALYTICS_WRITER_PAUSE"]
    small = current_app.config["ANALYTICS_WRITER_SPLIT_ROWS"]
    wake = current_app.config["ANALYTICS_WRITER_WAKE_ENTRIES"]
    while True:
        moved = drain_all()  # until the stream is empty
        if moved or not loop:
            click.echo(f"drained {moved} event(s)")
        if not loop:
            return
        # After a small drain, let single hits gather: a drain costs ~7 ms of the writer's and
        # PostgreSQL's CPU whatever it holds (planning, round trips, commit), ~15 µs per click
        # on top, on the cores the web shares. After a large drain (a backlog, batch intake)
        # there is more waiting: go straight on. A burst of batch requests arriving mid-pause
        # (ANALYTICS_WRITER_WAKE_ENTRIES entries) ends it; a lone batch waits it out.
        if moved < small:
            gather(pause, entries=wake)
        wait_for_entries(interval)  # then wakes as soon as events arrive


@analytics_cli.command("prune")
@click.option(
    "--days", type=click.IntRange(min=1), default=None, help="Keep this many days (default config)."
)
def prune_command(days: int | None) -> None:
    """Remove raw events and visitor-days past the retention period (on PostgreSQL whole
    monthly partitions) and old dedupe keys; rollups are kept forever."""
    from app.analytics.retention import prune_raw_events

    pruned = prune_raw_events(days=days or current_app.config["ANALYTICS_RETENTION_DAYS"])
    db.session.commit()
    for name in pruned.partitions:
        click.echo(f"dropped partition {name}")
    if pruned.partitions:
        click.echo(f"dropped {len(pruned.partitions)} partition(s), ~{pruned.estimated_rows} rows")
    click.echo(f"deleted {pruned.rows} raw event(s), {pruned.event_ids} dedupe key(s)")


@analytics_cli.command("partitions")
@click.option("--ahead", type=click.IntRange(min=0), default=None,
              help="Months ahead of this one (default ANALYTICS_PARTITIONS_AHEAD).")  # fmt: skip
def partitions_command(ahead: int | None) -> None:
    """PostgreSQL: create this month's and the coming months' event partitions."""
    from app.analytics.partitions import create_ahead, month_partitions

    if db.engine.dialect.name != "postgresql":
        click.echo("SQLite keeps raw events in one table: no partitions")
        return
    months = current_app.config["ANALYTICS_PARTITIONS_AHEAD"] if ahead is None else ahead
    created = create_ahead(months=months)
    db.session.commit()
    for name in created:
        click.echo(f"created partition {name}")
    click.echo(f"{len(month_partitions())} monthly partition(s)")


@analytics_cli.command("generate")
@click.option("--events", "count", type=int, default=100_000, show_default=True)
@click.option("--days", type=int, default=30, show_default=True)
@click.option("--visitors", type=int, default=50_000, show_default=True)
@click.option("--seed", type=int, default=1)
@click.option("--campaign", "campaign_id", type=int, default=None, help="Only this campaign.")
def generate_command(
    count: int, days: int, visitors: int, seed: int, campaign_id: int | None
) -> None:
    """Generate N view/click events over the last --days for the published notes. PostgreSQL:
    streamed with COPY, rollups added per batch (app/analytics/generate.py: fast enough for
    10M); elsewhere through the real ingest path in batches of 20,000."""
    from app.analytics.rollups import ingest_events
    from app.notes.models import Note, NoteStatus

    if db.engine.dialect.name == "postgresql":
        from app.analytics.generate import generate_copy

        try:
            generate_copy(
                count=count, days=days, seed=seed, campaign_id=campaign_id, progress=click.echo
            )
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        return
    stmt = select(Note.id, Note.contract_id, Note.campaign_id, Note.kol_id).where(
        Note.status == NoteStatus.PUBLISHED
    )
    if campaign_id:
        stmt = stmt.where(Note.campaign_id == campaign_id)
    notes = db.session.execute(stmt).all()
    if not notes:
        raise click.ClickException("no published note: publish one (or run `flask seed`) first")
    rng = random.Random(seed)
    now, span = time.time(), days * 86400
    started, done, batch_size = time.monotonic(), 0, 20_000
    prefix = secrets.token_hex(4)
    while done < count:
        batch = []
        for i in range(min(batch_size, count - done)):
            note = notes[rng.randrange(len(notes))]
            kind = "click" if rng.random() < 0.05 else "view"
            batch.append(
                {
                    "id": f"g{prefix}{done + i}",
                    "k": kind,
                    "t": now - rng.random() * span,
                    "n": note.id,
                    "c": note.contract_id,
                    "p": note.campaign_id,
                    "u": note.kol_id,
                    "v": f"{rng.randrange(visitors):032x}",
                    "b": 1 if rng.random() < 0.03 else 0,
                }
            )
        ingest_events(batch)
        db.session.commit()
        done += len(batch)
        rate = done / max(time.monotonic() - started, 1e-6)
        click.echo(f"{done}/{count} events ({rate:,.0f}/s)")
