"""`flask finance reconcile`: reconcile a period against Stripe from a shell and print the result."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db

finance_cli = AppGroup("finance", help="Finance: reconciliation against Stripe.")


@finance_cli.command("reconcile")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Default: --from.")
def reconcile_command(date_from, date_to) -> None:
    """Match the period's Stripe balance transactions (UTC days) to the ledger; exits 1 when
    anything differs."""
    from app.errors import DomainError
    from app.finance.reconcile import start_reconciliation
    from app.jobs import run_inline_jobs

    first: date = date_from.date()
    try:
        run = start_reconciliation(
            date_from=first, date_to=(date_to or date_from).date(), actor_id=None
        )
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    run_inline_jobs()
    db.session.expire_all()
    _print_run(run.id)


def _print_run(run_id: int) -> None:
    from app.finance.models import DIFFERENCES, ReconciliationItem, ReconciliationRun

    run = db.session.get(ReconciliationRun, run_id)
    if run.status not in ("done", "failed"):
        click.echo(f"run {run.id} queued for the workers; its page shows the result")
        return
    if run.status == "failed":
        raise click.ClickException(f"run {run.id} failed: {run.error}")
    click.echo(
        f"run {run.id}: processed {run.processed} Stripe balance transactions, "
        f"matched {run.matched_count} of them; fees matched {run.fee_matched_count}; "
        f"{run.difference_count} difference(s)"
    )
    differences = db.session.scalars(
        select(ReconciliationItem)
        .where(ReconciliationItem.run_id == run.id, ReconciliationItem.kind.in_(DIFFERENCES))
        .order_by(ReconciliationItem.id)
    )
    for item in differences:
        click.echo(
            f"  {item.kind}: {item.txn_type} {item.stripe_object_id or '-'} "
            f"stripe={item.stripe_amount} ledger={item.ledger_amount} {item.currency}"
        )
    if run.difference_count:
        raise SystemExit(1)
