"""Comparing two submitted revisions of a note, line by line (rendered escaped)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.notes.models import NoteRevision

FIELDS = (
    ("title", _l("Title")),
    ("body", _l("Text")),
    ("hashtags", _l("Hashtags")),
    ("images", _l("Images")),
    ("video_url", _l("Video")),
)
KINDS = {"+": "add", "-": "del", " ": "same"}


@dataclass
class DiffSection:
    label: str
    changed: bool
    lines: list[tuple[str, str]]  # (kind, text): add, del, same or hunk


def _lines(revision: NoteRevision, field: str) -> list[str]:
    value = getattr(revision, field)
    if field == "hashtags":
        return (value or "").split()
    if field == "images":
        return [f"{n}. {name}" for n, name in enumerate(value or [], start=1)]
    return (value or "").splitlines()


def revision_diff(a: NoteRevision, b: NoteRevision) -> list[DiffSection]:
    """Each field of ``a`` against ``b`` as a unified diff; unchanged fields shown whole."""
    sections = []
    for field, label in FIELDS:
        old, new = _lines(a, field), _lines(b, field)
        if old == new:
            sections.append(DiffSection(str(label), False, [("same", line) for line in new]))
            continue
        lines = []
        # The first two lines are the ---/+++ file headers.
        for line in list(difflib.unified_diff(old, new, lineterm="", n=3))[2:]:
            if line.startswith("@@"):
                lines.append(("hunk", "…"))
            else:
                lines.append((KINDS.get(line[:1], "same"), line[1:]))
        sections.append(DiffSection(str(label), True, lines))
    return sections
