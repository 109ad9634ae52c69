"""Contracts: the agreed deal between a brand and a KOL, its messages and ratings.

``deliverables`` holds the before-flush hook that gives every contract its deliverable(s) and
every note its deliverable."""

from app.contracts import deliverables, models  # noqa: F401
