"""Usage licences: the brand's right to reuse a note, priced, funded and paid with the contract
(terms in app/licence_terms.py), or bought later on a published note."""

from app.licences import models  # noqa: F401
