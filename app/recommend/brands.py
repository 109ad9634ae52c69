"""For brands: KOLs like the ones that sold for you.

The KOLs that sold for a brand: those whose notes on the brand's campaigns brought the most
confirmed, attributed orders (up to SEEDS). Every other verified KOL is compared with each of
them on four things, each 0–1:
- niche: shared niches ÷ all niches of the two (Jaccard);
- audience: people who engaged genuinely (likes and saves not flagged, trusted follows) with
  both ÷ √(engagers of one × engagers of the other);
- price: 1 at the same per-note image rate, 0 at four times or a quarter of it (log scale);
  0 in another currency or without a rate;
- reliability: the KOL's reliability score ÷ 100 (0.5 while they have none).
similarity = 0.35 niche + 0.35 audience + 0.15 price + 0.15 reliability, weighted by how well
the KOL compared with sold (½ + ½ × its orders ÷ the best one's). A KOL's score is their best
similarity; the reason shown is the largest of its niche, audience and price parts, stored as
a code and numbers and worded when read.
"""

from __future__ import annotations

import math
from collections import defaultdict

from sqlalchemy import delete, false, func, insert, select, union

from app.analytics.models import Conversion
from app.contracts.reliability import reliability_for
from app.db_types import utcnow
from app.engagement.models import KolFollow, NoteLike, NoteSave
from app.extensions import db
from app.notes.models import Note
from app.profiles.models import KolNiche, KolProfile, Verification
from app.recommend.models import KolRecommendation

SEEDS = 3
PER_BRAND = 12
WEIGHTS = {"niche": 0.35, "audience": 0.35, "price": 0.15, "reliability": 0.15}


def _sold() -> dict[int, dict[int, int]]:
    """brand → {KOL → confirmed attributed orders through their notes}, best SEEDS only."""
    rows = db.session.execute(
        select(Conversion.brand_id, Note.kol_id, func.count())
        .join(Note, Note.id == Conversion.note_id)
        .where(Conversion.confirmed, Conversion.attributed, Note.brand_id == Conversion.brand_id)
        .group_by(Conversion.brand_id, Note.kol_id)
    ).all()
    sold: dict[int, dict[int, int]] = defaultdict(dict)
    for brand, kol, orders in sorted(rows, key=lambda r: (r[0], -r[2], r[1])):
        if len(sold[brand]) < SEEDS:
            sold[brand][kol] = int(orders)
    return sold


def _engagers() -> dict[int, set[int]]:
    """KOL → the people who engaged genuinely with their notes or follow them."""
    liked = select(Note.kol_id, NoteLike.user_id).join(Note, Note.id == NoteLike.note_id)
    saved = select(Note.kol_id, NoteSave.user_id).join(Note, Note.id == NoteSave.note_id)
    rows = db.session.execute(
        union(
            liked.where(NoteLike.flagged == false()),
            saved.where(NoteSave.flagged == false()),
            select(KolFollow.kol_id, KolFollow.follower_id).where(KolFollow.flagged == false()),
        )
    ).all()
    out: dict[int, set[int]] = defaultdict(set)
    for kol, user in rows:
        out[kol].add(user)
    return out


def _kols() -> dict[int, tuple[set[str], int, str]]:
    """Every KOL → (niches, image rate, its currency); verified ones are the candidates."""
    profiles = db.session.execute(
        select(KolProfile.user_id, KolProfile.rate_image, KolProfile.rate_currency)
    ).all()
    niches: dict[int, set[str]] = defaultdict(set)
    for kol, niche in db.session.execute(select(KolNiche.kol_id, KolNiche.niche)):
        niches[kol].add(niche)
    return {kol: (niches[kol], int(rate or 0), currency) for kol, rate, currency in profiles}


def _price(a: tuple[int, str], b: tuple[int, str]) -> float:
    if a[1] != b[1] or a[0] <= 0 or b[0] <= 0:
        return 0.0
    return max(0.0, 1 - abs(math.log(a[0] / b[0])) / math.log(4))


def similarity(kol, seed, kols, engagers, reliability) -> tuple[float, str | None, dict]:
    """(similarity, reason code, its parameters) of a candidate to a KOL that sold; the reason
    is None when they share no niche, no audience and no rate (reliability alone)."""
    niches, rate, currency = kols[kol]
    seed_niches, seed_rate, seed_currency = kols[seed]
    union_ = niches | seed_niches
    shared_niches = sorted(niches & seed_niches)
    mine, theirs = engagers.get(kol, set()), engagers.get(seed, set())
    shared = len(mine & theirs)
    parts = {
        "niche": len(shared_niches) / len(union_) if union_ else 0.0,
        "audience": shared / math.sqrt(len(mine) * len(theirs)) if shared else 0.0,
        "price": _price((rate, currency), (seed_rate, seed_currency)),
    }
    score = reliability.get(kol)
    parts["reliability"] = score / 100 if score is not None else 0.5
    total = sum(WEIGHTS[k] * v for k, v in parts.items())
    reason = max(("audience", "niche", "price"), key=lambda k: WEIGHTS[k] * parts[k])
    params = {
        "audience": {"shared": shared},
        "niche": {"niches": shared_niches},
        "price": {"rate": rate, "currency": currency},
    }[reason]
    return total, (reason if parts[reason] > 0 else None), params


def rank_for_brand(sold: dict[int, int], kols, engagers, reliability, verified) -> list:
    """The best PER_BRAND candidates: (kol, seed, score, reason, params), best first."""
    best_orders = max(sold.values())
    ranked = []
    for kol in verified - set(sold):
        options = []
        for seed, orders in sold.items():
            if seed not in kols or kol not in kols:
                continue
            score, reason, params = similarity(kol, seed, kols, engagers, reliability)
            if reason is None:  # resembling a seller in nothing is not being "like" them
                continue
            weight = 0.5 + 0.5 * orders / best_orders
            options.append((score * weight, seed, reason, {**params, "orders": orders}))
        if options:
            score, seed, reason, params = max(options, key=lambda o: (o[0], -o[1]))
            ranked.append((kol, seed, round(score, 6), reason, params))
    ranked.sort(key=lambda r: (-r[2], r[0]))
    return ranked[:PER_BRAND]


def compute_kols() -> int:
    """Replace every brand's recommended KOLs; returns the rows written."""
    now = utcnow()
    db.session.execute(delete(KolRecommendation))
    sold = _sold()
    if not sold:
        return 0
    kols, engagers = _kols(), _engagers()
    verified = set(
        db.session.scalars(
            select(KolProfile.user_id).where(KolProfile.verification == Verification.VERIFIED)
        )
    )
    reliability = {k: r.score for k, r in reliability_for(verified).items()}
    rows = []
    for brand, seeds in sold.items():
        for rank, (kol, seed, score, reason, params) in enumerate(
            rank_for_brand(seeds, kols, engagers, reliability, verified)
        ):
            rows.append(
                {
                    "brand_id": brand,
                    "rank": rank,
                    "kol_id": kol,
                    "like_kol_id": seed,
                    "score": score,
                    "reason": reason,
                    "params": params,
                    "computed_at": now,
                }
            )
    if rows:
        db.session.execute(insert(KolRecommendation), rows)
    return len(rows)
