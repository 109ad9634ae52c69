"""Reading our PDFs back as text, as a person (or an accountant's tool) would."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """The PDF's text with the spaces a text extractor puts between glyphs taken out."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)
