"""Demo data for `make run`: the demo brand's first shortlist, and the stored reliability
scores *Find KOLs* sorts by (the scheduler keeps them fresh afterwards)."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.profiles.models import KolProfile, Verification
from app.shortlists.models import Shortlist, ShortlistMember
from app.shortlists.reliability import refresh_kol_reliability

DEMO_BRAND = "brand@demo.kol.test"


def seed_shortlists() -> bool:
    """Create what is missing; returns True when anything was created."""
    brand_id = db.session.scalar(select(User.id).where(User.email == DEMO_BRAND))
    refresh_kol_reliability()
    if brand_id is None or db.session.scalar(
        select(Shortlist.id).where(Shortlist.brand_id == brand_id)
    ):
        return False
    kols = db.session.scalars(
        select(KolProfile.user_id)
        .where(KolProfile.verification == Verification.VERIFIED)
        .order_by(KolProfile.user_id)
        .limit(3)
    ).all()
    shortlist = Shortlist(brand_id=brand_id, name="Summer launch picks")
    shortlist.members = [ShortlistMember(kol_id=kol_id) for kol_id in kols]
    db.session.add(shortlist)
    db.session.flush()
    return True
