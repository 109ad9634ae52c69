"""`flask recommend compute` (what the schedule runs) and `flask recommend evaluate`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

recommend_cli = AppGroup("recommend", help="Recommendations from behaviour.")


@recommend_cli.command("compute")
def compute_command() -> None:
    """Recompute every recommendation now (the scheduled step)."""
    from app.recommend.jobs import recompute_recommendations

    counts = recompute_recommendations()
    click.echo(", ".join(f"{name}: {n} rows" for name, n in counts.items()))


@recommend_cli.command("evaluate")
@click.option("--real", is_flag=True, help="Use the engagement stored in the database.")
@click.option("--seed", default=24, show_default=True, help="Seed of the generated behaviour.")
@click.option("--users", default=400, show_default=True, help="People generated.")
@click.option("--holdout", default=5, show_default=True, help="Last interactions held out.")
def evaluate_command(real: bool, seed: int, users: int, holdout: int) -> None:
    """recall@20 and NDCG@20: the recommender against the popularity baseline."""
    from app.db_types import utcnow
    from app.recommend import evaluate, sources

    if real:
        behaviour, now = sources.load_behaviour(sources.interactions()), utcnow()
        source = "the database"
    else:
        behaviour, now = evaluate.generate(seed=seed, users=users), evaluate.NOW
        source = f"generated behaviour (seed {seed}, {users} people, taste clusters)"
    result = evaluate.evaluate(behaviour, holdout=holdout, now=now)
    click.echo(f"{source}: {result['people']} people, last {holdout} interactions held out")
    click.echo(f"{'method':<28} {'recall@20':>10} {'NDCG@20':>10}")
    for name in ("popularity", "blend_without_coengagement", "recommender"):
        scores = result[name]
        click.echo(f"{name:<28} {scores.recall:>10.4f} {scores.ndcg:>10.4f}")
    if not result["people"]:
        click.echo(f"nobody has {2 * holdout} interactions or more: nothing to evaluate")
