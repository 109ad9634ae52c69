"""Contracts: the agreed deal between a brand and a KOL, its messages and ratings."""

from app.contracts import models  # noqa: F401
