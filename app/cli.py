"""Command-line tools: staff accounts, demo data, the job sweeper."""

from __future__ import annotations

import secrets

import click
from flask import Flask
from flask.cli import AppGroup

from app.auth.models import Role
from app.extensions import db

users_cli = AppGroup("users", help="Manage accounts (staff accounts are created only here).")
jobs_cli = AppGroup("jobs", help="Background jobs staged in the outbox.")


@users_cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", help="Defaults to a random password, printed once.")
@click.argument("email")
def create_user_command(role: str, password: str | None, email: str) -> None:
    """Create an account of any role, including finance and admin."""
    from app.auth.services import create_user
    from app.errors import ValidationFailed

    password = password or secrets.token_urlsafe(12)
    try:
        user = create_user(email=email, password=password, role=Role(role))
        db.session.commit()
    except ValidationFailed as error:
        db.session.rollback()
        raise click.ClickException("; ".join(m for ms in error.fields.values() for m in ms))
    click.echo(f"created {user.role.value} account {user.email} (id {user.id})")
    click.echo(f"password: {password}")


@users_cli.command("disable")
@click.argument("email")
@click.option("--reason", default="")
def disable_user_command(email: str, reason: str) -> None:
    """Disable an account; its sessions end on their next request."""
    from app.auth.services import find_user_by_email, set_account_disabled

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account {email}")
    set_account_disabled(user_id=user.id, disabled=True, reason=reason)
    db.session.commit()
    click.echo(f"disabled {user.email}")


@jobs_cli.command("sweep")
def sweep_command() -> None:
    """Re-push staged jobs that never ran (e.g. Redis was down when they were staged)."""
    from app.jobs import run_inline_jobs, sweep_staged_jobs

    count = sweep_staged_jobs()
    run_inline_jobs()
    click.echo(f"re-pushed {count} staged job(s)")


@click.command("seed")
def seed_command() -> None:
    """Fill the database with demo data (running it again changes nothing)."""
    from app.seed import logins_block, seed_all

    created = seed_all()
    click.echo("demo data ready" + (" (created now)" if created else " (already there)"))
    click.echo(logins_block())


media_cli = AppGroup("media", help="Uploaded images and their sizes.")


@media_cli.command("backfill")
def media_backfill_command() -> None:
    """Record the pixels of note images and campaign covers stored before sizes existed and
    make their sizes."""
    from app.campaigns.covers import backfill_cover_sizes
    from app.notes.media import backfill_image_sizes

    done, missing = backfill_image_sizes()
    covers, covers_missing = backfill_cover_sizes()
    db.session.commit()
    click.echo(f"note images measured: {done}; files missing: {missing}")
    click.echo(f"campaign covers measured: {covers}; files missing: {covers_missing}")


@media_cli.command("push")
def media_push_command() -> None:
    """Copy the public files on disk (UPLOAD_DIR/public, every size made first) to the object
    store (MEDIA_STORE=s3); objects already there are skipped, so it can run again."""
    from app.media_store import push_local_files

    copied, present = push_local_files()
    click.echo(f"files copied to the store: {copied}; already there: {present}")


ledger_cli = AppGroup("ledger", help="The double-entry ledger.")


@ledger_cli.command("check")
def ledger_check_command() -> None:
    """Verify every ledger invariant; exits 1 and lists the problems if any is broken."""
    from app.ledger.checks import ledger_problems

    problems = ledger_problems()
    for problem in problems:
        click.echo(f"PROBLEM: {problem}")
    if problems:
        raise SystemExit(1)
    click.echo(
        "ledger OK: every entry balances, no account is negative, every contract and "
        "Stripe object reconciles"
    )


contracts_cli = AppGroup("contracts", help="Contracts, bids and their scheduled steps.")


@contracts_cli.command("tick")
def contracts_tick_command() -> None:
    """Run every periodic step once (bid expiry, review-window approvals …) and commit."""
    from app.periodic import tick_contracts

    counts = tick_contracts()
    for name, count in counts.items():
        click.echo(f"{name}: {count}")


@contracts_cli.command("settle")
def contracts_settle_command() -> None:
    """Run the outcome settlements that are due (commission, bonus, the cap's rest)."""
    from app.outcomes.services import settle_outcomes

    click.echo(f"settled: {settle_outcomes()}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(contracts_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(media_cli)
    from app.demo_server import serve_demo_command

    app.cli.add_command(serve_demo_command)
    from app.analytics.cli import analytics_cli
    from app.finance.cli import finance_cli
    from app.payments.stripe_check.cli import stripe_check_command

    app.cli.add_command(analytics_cli)
    app.cli.add_command(finance_cli)
    app.cli.add_command(stripe_check_command)
    from app.recommend.cli import recommend_cli

    app.cli.add_command(recommend_cli)
