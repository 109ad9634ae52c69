"""The recommender itself, the same for the scheduled job and the offline evaluation.

1. Item–item similarity from co-engagement, in SQL: two notes are close when the same people
   engaged with both — the sum over shared people of the product of their weights (a view 1,
   a like 3, a save 4, a purchase 4 more), divided by the two notes' norms (cosine). The
   statement runs on whatever table of (user_id, note_id, weight) it is given: the live
   engagement tables in the job, a temporary table of generated behaviour in the evaluation.
2. A person's score for a note they have not engaged with: the similarity to what they
   engaged with, weighted by how much and how recently (collaborative part, scaled to 0–1),
   blended with the note's category being one of their interests, its freshness, following
   its KOL and its popularity. Notes popular in their interests are always candidates, so a
   person with little history still gets a full list (cold start).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import FromClause, func, select
from sqlalchemy.engine import Connection

NEIGHBOURS = 50  # most similar notes kept per note
# What each part of the blend weighs (the collaborative part dominates; see docs/analytics.md).
W_CF, W_INTEREST, W_FRESH, W_FOLLOW, W_POPULAR = 1.0, 0.25, 0.1, 0.15, 0.15
FRESH_HALF_LIFE_DAYS = 14.0
HISTORY_HALF_LIFE_DAYS = 30.0  # an interaction a month older than one's last counts half
POPULAR_CANDIDATES = 60


@dataclass(frozen=True)
class NoteMeta:
    category: str
    kol_id: int
    published_at: datetime


@dataclass
class Behaviour:
    """Who engaged with what (one row per person and note: summed weight, last time), the
    notes that may be recommended, and each person's interests and followed KOLs."""

    interactions: list[tuple[int, int, float, datetime]]
    notes: dict[int, NoteMeta]
    interests: dict[int, set[str]] = field(default_factory=dict)
    follows: dict[int, set[int]] = field(default_factory=dict)

    def by_user(self) -> dict[int, dict[int, tuple[float, datetime]]]:
        out: dict[int, dict[int, tuple[float, datetime]]] = defaultdict(dict)
        for user, note, weight, at in self.interactions:
            out[user][note] = (weight, at)
        return out


def neighbours(conn: Connection, ix: FromClause, k: int = NEIGHBOURS) -> dict[int, list]:
    """The ``k`` most similar notes of every note, best first, from a (user_id, note_id,
    weight) table: co-occurrence and norms in two grouped statements."""
    a, b = ix.alias("a"), ix.alias("b")
    co = conn.execute(
        select(a.c.note_id, b.c.note_id, func.sum(a.c.weight * b.c.weight))
        .join(b, (a.c.user_id == b.c.user_id) & (a.c.note_id != b.c.note_id))
        .group_by(a.c.note_id, b.c.note_id)
    ).all()
    norms = dict(
        conn.execute(
            select(ix.c.note_id, func.sum(ix.c.weight * ix.c.weight)).group_by(ix.c.note_id)
        ).all()
    )
    similar: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for i, j, together in co:
        similar[i].append((j, float(together) / math.sqrt(float(norms[i]) * float(norms[j]))))
    return {i: sorted(js, key=lambda x: (-x[1], x[0]))[:k] for i, js in similar.items()}


def _decay(age_days: float, half_life: float) -> float:
    return 0.5 ** (max(age_days, 0.0) / half_life)


def popularity(behaviour: Behaviour) -> Counter:
    """People per note (the popularity baseline and the cold-start candidates)."""
    return Counter(note for _user, note, _w, _at in behaviour.interactions)


def recommend(
    behaviour: Behaviour, similar: dict[int, list], *, now: datetime, limit: int,
    users: Iterable[int] | None = None, collaborative: bool = True,
) -> dict[int, list[tuple[int, float]]]:  # fmt: skip
    """The best ``limit`` notes per person (``users``: default everyone with history),
    excluding what they engaged with already. ``collaborative=False`` drops the
    co-engagement part (the evaluation reports what it adds)."""
    history = behaviour.by_user()
    popular = popularity(behaviour)
    top = max(popular.values(), default=1)
    by_category: dict[str, list[int]] = defaultdict(list)
    for note, _n in sorted(popular.items(), key=lambda x: (-x[1], x[0])):
        if note in behaviour.notes:
            by_category[behaviour.notes[note].category].append(note)
    overall = [n for n, _ in popular.most_common(POPULAR_CANDIDATES) if n in behaviour.notes]
    out = {}
    for user in history if users is None else users:
        seen = history.get(user, {})
        interests = behaviour.interests.get(user) or {
            behaviour.notes[n].category for n in seen if n in behaviour.notes
        }
        cf: dict[int, float] = defaultdict(float)
        if collaborative and seen:
            last = max(at for _w, at in seen.values())
            for note, (weight, at) in seen.items():
                strength = weight * _decay(
                    (last - at).total_seconds() / 86400, HISTORY_HALF_LIFE_DAYS
                )
                for other, sim in similar.get(note, ()):
                    cf[other] += strength * sim
        best_cf = max(cf.values(), default=0.0) or 1.0
        candidates = set(cf) | set(overall)
        for category in interests:
            candidates.update(by_category.get(category, [])[:POPULAR_CANDIDATES])
        followed = behaviour.follows.get(user, set())
        scored = []
        for note in candidates:
            meta = behaviour.notes.get(note)
            if meta is None or note in seen:
                continue
            age = (now - meta.published_at).total_seconds() / 86400
            score = (
                W_CF * cf.get(note, 0.0) / best_cf
                + W_INTEREST * (meta.category in interests)
                + W_FRESH * _decay(age, FRESH_HALF_LIFE_DAYS)
                + W_FOLLOW * (meta.kol_id in followed)
                + W_POPULAR * popular.get(note, 0) / top
            )
            scored.append((note, round(score, 6)))
        scored.sort(key=lambda x: (-x[1], x[0]))
        out[user] = scored[:limit]
    return out


def most_popular(behaviour: Behaviour, user: int, limit: int, seen: set[int]) -> list[int]:
    """The popularity baseline: the notes most people engaged with, minus one's own."""
    ranked = sorted(popularity(behaviour).items(), key=lambda x: (-x[1], x[0]))
    return [n for n, _c in ranked if n not in seen and n in behaviour.notes][:limit]
