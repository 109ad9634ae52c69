"""Audience quality from our own data (issue 24), for brands choosing KOLs and for admins.

For each KOL, over every hourly rollup of their published notes on this platform:
- engagements: likes, saves, comments and follows credited to their notes (net: an unlike
  takes one off); flagged: those from accounts too new to trust (ENGAGEMENT_TRUST_DAYS);
- engagement rate: genuine engagements (engagements − flagged) ÷ the KOL's verified followers;
- flagged share: flagged ÷ engagements.
A KOL with at least MIN_ENGAGEMENTS engagements of which more than REVIEW_SHARE are flagged is
listed for review in the admin's verification queue. The method is in docs/using.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from app.analytics.models import HourlyRollup
from app.extensions import db
from app.profiles.models import KolProfile

MIN_ENGAGEMENTS = 20  # fewer say nothing about an audience
REVIEW_SHARE = 0.5  # "mostly flagged"
REVIEW_LIMIT = 50

_R = HourlyRollup
_ENGAGEMENTS = func.coalesce(func.sum(_R.likes + _R.saves + _R.comments + _R.follows), 0)
_FLAGGED = func.coalesce(func.sum(_R.flagged_engagements), 0)


@dataclass(frozen=True)
class AudienceQuality:
    engagements: int
    flagged: int
    followers: int

    @property
    def engagement_rate(self) -> float | None:
        if not self.followers or self.engagements <= 0:
            return None
        return max(self.engagements - self.flagged, 0) / self.followers

    @property
    def flagged_share(self) -> float | None:
        return self.flagged / self.engagements if self.engagements > 0 else None

    @property
    def needs_review(self) -> bool:
        share = self.flagged_share
        return self.engagements >= MIN_ENGAGEMENTS and share is not None and share > REVIEW_SHARE


def audience_quality(kol_ids: Iterable[int]) -> dict[int, AudienceQuality]:
    """The audience quality of several KOLs in one query (a KOL without notes has none)."""
    ids = set(kol_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(KolProfile.user_id, _ENGAGEMENTS, _FLAGGED, KolProfile.total_followers)
        .join(_R, _R.kol_id == KolProfile.user_id)
        .where(KolProfile.user_id.in_(ids))
        .group_by(KolProfile.user_id, KolProfile.total_followers)
    ).all()
    return {kol: AudienceQuality(int(e), int(f), int(n)) for kol, e, f, n in rows}


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
