"""Organisations: a brand's team (owner, managers, analysts, finance) and agencies acting for
the brands that granted them access. The brand account (a ``users`` row of role brand) stays
the identity every brand-owned row points at; ``app/orgs/acting.py`` decides, once per request,
which brand account the signed-in person acts for and with which role."""

from app.orgs import models  # noqa: F401
