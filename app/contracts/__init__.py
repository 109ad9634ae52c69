"""Contracts: the agreed deal between a brand and a KOL, its messages and ratings."""

from app.contracts import models  # noqa: F401
# Its before-flush hook gives every contract its deliverable(s) and every note its deliverable.
from app.contracts import deliverables  # noqa: F401, E402
