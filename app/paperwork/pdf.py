"""PDFs with fpdf2: a title, two address blocks, a table and totals.

Chinese needs a font with its glyphs: PDF_FONT_PATH, else the Noto CJK (fonts-noto-cjk) or
WenQuanYi fonts where Debian installs them. Without one, a document asked for in Chinese is
written in English, and any Chinese in names shows as "?" (the HTML page shows it all)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flask import current_app
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

log = logging.getLogger(__name__)

CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
LATIN_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
CJK_START = 0x2E80  # CJK radicals onwards: the characters only a CJK font has


@dataclass
class Sheet:
    """What one PDF says, already in the reader's language."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[tuple[str, list[str]]] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    totals: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def texts(self) -> list[str]:
        out = [self.title, *self.headings, *self.notes]
        out += [t for pair in self.facts + self.totals for t in pair]
        out += [h for h, lines in self.blocks for h in [h, *lines]]
        out += [cell for row in self.rows for cell in row]
        return out


@lru_cache(maxsize=4)
def _collection_index(path: str) -> int:
    """The Simplified Chinese face of a font collection (0 for a single font)."""
    if not path.lower().endswith(".ttc"):
        return 0
    from fontTools.ttLib import TTCollection

    names = [f["name"].getDebugName(1) or "" for f in TTCollection(path, lazy=True).fonts]
    for i, name in enumerate(names):
        if name.endswith(" SC") or "Micro Hei" in name or "Zen Hei" in name:
            return i
    return 0


def cjk_font() -> str | None:
    """A font file with Chinese glyphs, or None when this machine has none."""
    configured = current_app.config.get("PDF_FONT_PATH") or ""
    for path in ([configured] if configured else []) + list(CJK_FONTS):
        if Path(path).is_file():
            return path
    if configured:
        log.warning("PDF_FONT_PATH %s is no file; PDFs fall back", configured)
    return None


def has_cjk(texts: list[str]) -> bool:
    return any(ord(ch) >= CJK_START for text in texts for ch in text)


def _font(pdf: FPDF, texts: list[str]) -> tuple[str, bool]:
    """Set up the font the texts need: (family, whether it has every glyph)."""
    cjk = cjk_font() if has_cjk(texts) else None
    if cjk is not None:
        pdf.add_font("body", "", cjk, collection_font_number=_collection_index(cjk))
        return "body", True
    latin = next((p for p in LATIN_FONTS if Path(p).is_file()), None)
    if latin is not None:
        pdf.add_font("body", "", latin)
        return "body", False
    return "helvetica", False  # the PDF core font: Latin-1 only


def _clean(text: str, complete: bool, core: bool) -> str:
    if complete:
        return text
    text = "".join("?" if ord(ch) >= CJK_START else ch for ch in text)
    if core:
        text = text.replace("•", "*").encode("latin-1", "replace").decode("latin-1")
    return text


def write(sheet: Sheet) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creator("KOL Market")
    pdf.set_auto_page_break(auto=True, margin=15)
    family, complete = _font(pdf, sheet.texts())

    def t(text: str) -> str:
        return _clean(str(text), complete, family == "helvetica")

    pdf.set_title(t(sheet.title))
    pdf.add_page()
    pdf.set_font(family, size=20)
    pdf.cell(text=t(sheet.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(family, size=10)
    for label, value in sheet.facts:
        pdf.cell(text=t(f"{label}: {value}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / max(1, len(sheet.blocks))
    top = pdf.get_y()
    bottom = top
    for i, (heading, lines) in enumerate(sheet.blocks):
        pdf.set_xy(pdf.l_margin + i * width, top)
        text = "\n".join([heading.upper() if family == "helvetica" else heading, *lines])
        pdf.multi_cell(width - 4, 5, text=t(text), new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 6)
    if sheet.headings:
        aligns = ["LEFT"] + ["RIGHT"] * (len(sheet.headings) - 1)
        widths = [3] + [1] * (len(sheet.headings) - 1) if len(sheet.headings) > 2 else None
        # Headings shaded, not bold: one font file serves (a CJK bold face is another 20 MB).
        style = FontFace(emphasis="", fill_color=(235, 235, 235))
        with pdf.table(
            text_align=aligns, col_widths=widths, line_height=6, headings_style=style
        ) as table:
            table.row([t(h) for h in sheet.headings])
            for row in sheet.rows:
                table.row([t(cell) for cell in row])
    pdf.ln(4)
    for label, value in sheet.totals:
        pdf.cell(w=0, text=t(f"{label}: {value}"), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(family, size=8)
    for note in sheet.notes:
        pdf.multi_cell(0, 4, text=t(note), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
