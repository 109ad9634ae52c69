"""Audience quality from our own data (issue 24), for brands choosing KOLs and for admins.

For each KOL, over every hourly rollup of their published notes on this platform:
- engagements: likes, saves, comments, follows and "bought it" marks credited to their notes
  (net: an unlike takes one off); flagged: those from accounts too new to trust
  (ENGAGEMENT_TRUST_DAYS);
- engagement rate: genuine engagements (engagements − flagged) ÷ the KOL's verified followers;
- flagged share: flagged ÷ engagements;
- repeat genuine shoppers: of the people whose likes, saves, comments or follows on the KOL
  are not flagged (engagers), the share who are shoppers with purchases ("bought it" or an
  order a brand confirmed through their click) on at least REPEAT_PURCHASES different notes,
  flagged purchases not counted.
A KOL with at least MIN_ENGAGEMENTS engagements of which more than REVIEW_SHARE are flagged is
listed for review in the admin's verification queue. The method is in docs/using.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, false, func, select, union

from app.analytics.models import HourlyRollup
from app.auth.models import Role, User
from app.engagement.models import KolFollow, NoteComment, NoteLike, NoteSave
from app.extensions import db
from app.notes.models import Note
from app.profiles.models import KolProfile

MIN_ENGAGEMENTS = 20  # fewer say nothing about an audience
REVIEW_SHARE = 0.5  # "mostly flagged"
REVIEW_LIMIT = 50
REPEAT_PURCHASES = 2  # purchases on this many different notes make a repeat shopper

_R = HourlyRollup
# The same things flagged_engagements counts (app/analytics/metrics.py ``flaggable``), purchases
# of a saved note included, so the flagged share can never pass 100 %.
_ENGAGEMENTS = func.coalesce(
    func.sum(_R.likes + _R.saves + _R.comments + _R.follows + _R.bought), 0
)
_FLAGGED = func.coalesce(func.sum(_R.flagged_engagements), 0)


@dataclass(frozen=True)
class AudienceQuality:
    engagements: int
    flagged: int
    followers: int
    engagers: int = 0  # distinct people with genuine engagement on the KOL
    repeat_shoppers: int = 0  # of them, repeat genuine shoppers

    @property
    def engagement_rate(self) -> float | None:
        if not self.followers or self.engagements <= 0:
            return None
        return max(self.engagements - self.flagged, 0) / self.followers

    @property
    def flagged_share(self) -> float | None:
        return self.flagged / self.engagements if self.engagements > 0 else None

    @property
    def repeat_shopper_share(self) -> float | None:
        return self.repeat_shoppers / self.engagers if self.engagers else None

    @property
    def needs_review(self) -> bool:
        share = self.flagged_share
        return self.engagements >= MIN_ENGAGEMENTS and share is not None and share > REVIEW_SHARE


def audience_quality(kol_ids: Iterable[int]) -> dict[int, AudienceQuality]:
    """The audience quality of several KOLs in one query (a KOL without notes has none)."""
    ids = set(kol_ids)
    if not ids:
        return {}
    people = _engagers(ids)
    rows = db.session.execute(
        select(
            KolProfile.user_id,
            _ENGAGEMENTS,
            _FLAGGED,
            KolProfile.total_followers,
            func.max(people.c.engagers),
            func.max(people.c.repeat),
        )
        .join(_R, _R.kol_id == KolProfile.user_id)
        .outerjoin(people, people.c.kol_id == KolProfile.user_id)
        .where(KolProfile.user_id.in_(ids))
        .group_by(KolProfile.user_id, KolProfile.total_followers)
    ).all()
    return {
        kol: AudienceQuality(int(e), int(f), int(n), int(p or 0), int(r or 0))
        for kol, e, f, n, p, r in rows
    }


def _engagers(ids: set[int]):
    """Per KOL: distinct genuine engagers and how many of them are repeat genuine shoppers
    (a subquery, read in the same statement as the rollups)."""
    on_kol = Note.kol_id.in_(ids)
    pairs = union(
        select(Note.kol_id, NoteLike.user_id)
        .join(Note, Note.id == NoteLike.note_id)
        .where(on_kol, NoteLike.flagged == false()),
        select(Note.kol_id, NoteSave.user_id)
        .join(Note, Note.id == NoteSave.note_id)
        .where(on_kol, NoteSave.flagged == false()),
        select(Note.kol_id, NoteComment.user_id)
        .join(Note, Note.id == NoteComment.note_id)
        .where(on_kol, NoteComment.flagged == false()),
        select(KolFollow.kol_id, KolFollow.follower_id).where(
            KolFollow.kol_id.in_(ids), KolFollow.flagged == false()
        ),
    ).subquery("pairs")
    repeat = (
        select(NoteSave.user_id)
        .join(User, User.id == NoteSave.user_id)
        .where(
            NoteSave.bought_at.is_not(None),
            NoteSave.flagged == false(),
            User.role == Role.SHOPPER,
            User.is_disabled == false(),
        )
        .group_by(NoteSave.user_id)
        .having(func.count() >= REPEAT_PURCHASES)
    )
    is_repeat = case((pairs.c.user_id.in_(repeat), 1), else_=0)
    return (
        select(
            pairs.c.kol_id,
            func.count().label("engagers"),
            func.sum(is_repeat).label("repeat"),
        )
        .group_by(pairs.c.kol_id)
        .subquery("people")
    )


def kols_to_review(limit: int = REVIEW_LIMIT) -> list[tuple[KolProfile, AudienceQuality]]:
    """KOLs whose engagement is mostly flagged, the largest flagged share first."""
    rows = db.session.execute(
        select(KolProfile, _ENGAGEMENTS, _FLAGGED)
        .join(_R, _R.kol_id == KolProfile.user_id)
        .group_by(KolProfile.user_id)
        .having(_ENGAGEMENTS >= MIN_ENGAGEMENTS, _FLAGGED > _ENGAGEMENTS * REVIEW_SHARE)
        .order_by((_FLAGGED * 1.0 / _ENGAGEMENTS).desc(), KolProfile.user_id)
        .limit(limit)
    ).all()
    return [(p, AudienceQuality(int(e), int(f), p.total_followers)) for p, e, f in rows]
