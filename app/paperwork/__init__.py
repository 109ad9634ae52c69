"""Paperwork: invoices and credit notes to brands, KOLs' tax details, yearly statements."""

from app.paperwork import models  # noqa: F401
