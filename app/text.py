"""Cleaning user-written text before it is stored: plain text and sanitised Markdown."""

from __future__ import annotations

import functools
import re
import unicodedata
from urllib.parse import urlsplit

import markdown as markdown_lib
import nh3
from flask import request

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
MARKDOWN_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "h3",
    "h4",
    "a",
    "hr",
}


def clean_text(value: str | None, max_length: int) -> str:
    """Plain text: normalised, control and bidi-override characters removed, trimmed."""
    text = unicodedata.normalize("NFC", value or "")
    text = _CONTROL.sub("", text.replace("\r\n", "\n")).strip()
    return text[:max_length]


def render_markdown(source: str | None) -> str:
    """Markdown to HTML that keeps only harmless tags; raw HTML in the source is escaped."""
    return _render_markdown(source or "")


# Pure in its input: the same brief or note body renders to the same HTML, so a list page or
# an API read of 20 campaigns converts each text once per process, not once per request
# (markdown + nh3 cost ~2 ms per brief; `make bench`, API read /api/v1/campaigns).
@functools.lru_cache(maxsize=256)
def _render_markdown(source: str) -> str:
    html = markdown_lib.markdown(clean_text(source, 50_000), extensions=["sane_lists"])
    return nh3.clean(
        html,
        tags=MARKDOWN_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow ugc",
    )


def clean_url(value: str | None) -> str | None:
    """An http(s) URL or None; anything else (javascript:, data:) is refused by the caller."""
    url = clean_text(value, 300)
    if not url:
        return None
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", url, re.IGNORECASE):
        raise ValueError("not an http(s) URL")
    return url


def local_path(target: str | None) -> str | None:
    """A path on this site to send someone back to (``next=``, a referrer), or None.

    Refuses other sites in every spelling a browser would follow: ``//host``, ``/\\host``, and
    ``/<tab>/host`` (browsers drop tabs and newlines, and Werkzeug strips them from Location).
    """
    if not target:
        return None
    if target.startswith(("http://", "https://")):
        host = request.host_url
        target = "/" + target[len(host) :] if target.startswith(host) else ""
    if not target.startswith("/") or any(c == "\\" or ord(c) < 0x21 for c in target):
        return None
    if target.startswith("//") or urlsplit(target).netloc:
        return None
    return target
