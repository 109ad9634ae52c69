"""The scheduled recomputation (app/scheduler.py SCHEDULE "recommendations"): every
recommendation table replaced in one transaction, so pages read either the old rows or the
new ones. Running it twice gives the same rows (idempotent)."""

from __future__ import annotations

from sqlalchemy import delete, insert

from app.db_types import utcnow
from app.extensions import db
from app.recommend import brands, engine, sources
from app.recommend.models import NoteRecommendation, RelatedNote

FOR_YOU = 100  # notes kept per person
RELATED = 12  # related notes kept per note


def compute_notes() -> dict[str, int]:
    """For you (per person with history) and related notes (per note), from co-engagement."""
    now = utcnow()
    ix = sources.interactions()
    behaviour = sources.load_behaviour(ix)
    similar = engine.neighbours(db.session.connection(), ix)
    ranked = engine.recommend(behaviour, similar, now=now, limit=FOR_YOU)
    db.session.execute(delete(NoteRecommendation))
    db.session.execute(delete(RelatedNote))
    for_you = [
        {"user_id": user, "rank": rank, "note_id": note, "score": score, "computed_at": now}
        for user, notes in ranked.items()
        for rank, (note, score) in enumerate(notes)
    ]
    related = [
        {"note_id": note, "rank": rank, "related_id": other, "score": round(score, 6)}
        for note, others in similar.items()
        if note in behaviour.notes
        for rank, (other, score) in enumerate(
            [o for o in others if o[0] in behaviour.notes][:RELATED]
        )
    ]
    if for_you:
        db.session.execute(insert(NoteRecommendation), for_you)
    if related:
        db.session.execute(insert(RelatedNote), related)
    return {"for_you": len(for_you), "related": len(related)}


def recompute_recommendations() -> dict[str, int]:
    """The scheduled step: notes and KOLs for brands, committed once."""
    counts = compute_notes()
    counts["kols"] = brands.compute_kols()
    db.session.commit()
    return counts
