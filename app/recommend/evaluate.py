"""Offline evaluation: hold out each person's last interactions, recommend from the rest, and
count how many of the held-out notes the top 20 finds (recall@20) and how high (NDCG@20),
for the recommender, the same blend without its co-engagement part, and the popularity
baseline. On generated behaviour with known taste clusters (a fixed seed gives the same
figures every run) or on the engagement stored in the database.

The co-engagement statement runs on an in-memory SQLite table of the training rows: the same
SQL as the scheduled job, without touching the database's recommendation tables."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, DateTime, Float, Integer, MetaData, Table, create_engine, insert

from app.catalog import CATEGORIES
from app.recommend import engine
from app.recommend.engine import Behaviour, NoteMeta

K = 20
NOW = datetime(2026, 6, 1, tzinfo=UTC)
KINDS = (("view", 1.0, 0.6), ("like", 3.0, 0.2), ("save", 4.0, 0.15), ("bought", 8.0, 0.05))


@dataclass(frozen=True)
class Scores:
    recall: float
    ndcg: float


def generate(
    *, seed: int = 24, users: int = 400, clusters: int = 24, notes_per_cluster: int = 12,
    per_user: tuple[int, int] = (15, 40), on_taste: float = 0.8,
) -> Behaviour:  # fmt: skip
    """People in taste clusters (a main one, a second for some), each engaging mostly with
    notes of their clusters (``on_taste``), else with whatever is popular; notes in a cluster
    are unequally popular (Zipf). Tastes are finer than categories (three clusters share each
    of eight categories, as "K-beauty skincare" and "fragrance" are both Beauty), and 70 % of
    people declare their main cluster's category as an interest."""
    rng = random.Random(seed)
    categories = list(CATEGORIES)[:8]
    notes: dict[int, NoteMeta] = {}
    by_cluster: dict[int, list[int]] = defaultdict(list)
    for c in range(clusters):
        for i in range(notes_per_cluster):
            note = c * notes_per_cluster + i + 1
            published = NOW - timedelta(days=rng.random() * 60)
            notes[note] = NoteMeta(categories[c % len(categories)], 1000 + note % 50, published)
            by_cluster[c].append(note)
    zipf = [1 / (rank + 1) ** 0.8 for rank in range(notes_per_cluster)]
    everything = list(notes)
    global_weights = [zipf[(n - 1) % notes_per_cluster] for n in everything]
    interactions, interests = [], {}
    for user in range(1, users + 1):
        tastes = rng.sample(range(clusters), 2 if rng.random() < 0.3 else 1)
        if rng.random() < 0.7:
            interests[user] = {categories[tastes[0] % len(categories)]}
        seen: set[int] = set()
        for _ in range(rng.randint(*per_user)):
            if rng.random() < on_taste:
                taste = tastes[0] if len(tastes) == 1 or rng.random() < 0.7 else tastes[1]
                note = rng.choices(by_cluster[taste], zipf)[0]
            else:
                note = rng.choices(everything, global_weights)[0]
            if note in seen:
                continue
            seen.add(note)
            weight = rng.choices([k[1] for k in KINDS], [k[2] for k in KINDS])[0]
            published = notes[note].published_at
            at = published + (NOW - published) * rng.random()
            interactions.append((user, note, weight, at))
    return Behaviour(interactions=interactions, notes=notes, interests=interests)


def split(behaviour: Behaviour, holdout: int) -> tuple[Behaviour, dict[int, set[int]]]:
    """Each person's last ``holdout`` notes held out (people with at least 2 × holdout)."""
    by_user = defaultdict(list)
    for row in behaviour.interactions:
        by_user[row[0]].append(row)
    train, test = [], {}
    for user, rows in by_user.items():
        rows.sort(key=lambda r: (r[3], r[1]))
        if len(rows) >= 2 * holdout:
            test[user] = {r[1] for r in rows[-holdout:]}
            rows = rows[:-holdout]
        train += rows
    trained = Behaviour(train, behaviour.notes, behaviour.interests, behaviour.follows)
    return trained, test


def neighbours_in_sqlite(behaviour: Behaviour) -> dict[int, list]:
    """The job's co-engagement statement over the training rows, in an in-memory database."""
    table = Table(
        "interactions",
        MetaData(),
        Column("user_id", Integer),
        Column("note_id", Integer),
        Column("weight", Float),
        Column("at", DateTime),
    )
    scratch = create_engine("sqlite://")
    with scratch.begin() as conn:
        table.create(conn)
        rows = [
            {"user_id": u, "note_id": n, "weight": w, "at": at}
            for u, n, w, at in behaviour.interactions
        ]
        if rows:
            conn.execute(insert(table), rows)
        similar = engine.neighbours(conn, table)
    scratch.dispose()
    return similar


def _score(ranked: dict[int, list[int]], test: dict[int, set[int]]) -> Scores:
    recalls, ndcgs = [], []
    for user, held in test.items():
        top = ranked.get(user, [])[:K]
        hits = [i for i, note in enumerate(top) if note in held]
        recalls.append(len(hits) / len(held))
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(held), K)))
        ndcgs.append(sum(1 / math.log2(i + 2) for i in hits) / ideal)
    n = len(test) or 1
    return Scores(round(sum(recalls) / n, 4), round(sum(ndcgs) / n, 4))


def evaluate(behaviour: Behaviour, *, holdout: int = 5, now: datetime = NOW) -> dict:
    """recall@20 and NDCG@20 of each method, and how many people were tested."""
    train, test = split(behaviour, holdout)
    similar = neighbours_in_sqlite(train)
    seen = {u: set(notes) for u, notes in train.by_user().items()}
    methods = {
        "popularity": {u: engine.most_popular(train, u, K, seen.get(u, set())) for u in test},
    }
    for name, collaborative in (("blend_without_coengagement", False), ("recommender", True)):
        ranked = engine.recommend(
            train, similar, now=now, limit=K, users=test, collaborative=collaborative
        )
        methods[name] = {u: [n for n, _s in notes] for u, notes in ranked.items()}
    return {"people": len(test), **{name: _score(r, test) for name, r in methods.items()}}
