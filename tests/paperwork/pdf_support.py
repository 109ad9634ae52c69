"""Reading our PDFs back as text, as a person (or an accountant's tool) would."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """The PDF's text with the spaces a text extractor puts between glyphs taken out. pypdf
    reads the 2-byte codes of fpdf2's CFF (Noto CJK) fonts one byte at a time and puts a NUL
    before each character: those are taken out too (the ToUnicode map itself is right)."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return "".join(text.replace("\x00", "").split())
