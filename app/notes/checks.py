"""Rules on a note's text: hashtags, slugs, and what a submission must contain."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _

from app.campaigns.models import Campaign, ContentFormat
from app.errors import ValidationFailed

MAX_HASHTAGS = 30
MAX_IMAGES = 9
_HASHTAG = re.compile(r"^#[\w\-\u00b7]{1,50}$")
_DISCLOSURE = re.compile(r"(?<![\w#])#ad(?!\w)|广告|(?<!\w)sponsored(?!\w)", re.IGNORECASE)


def parse_hashtags(text: str | None) -> str:
    """Space-separated hashtags, each with one leading #, duplicates dropped (case-insensitive)."""
    tags: list[str] = []
    seen: set[str] = set()
    for raw in re.split(r"[\s,，、]+", text or ""):
        if not raw:
            continue
        tag = "#" + raw.lstrip("#")
        if not _HASHTAG.match(tag):
            raise ValidationFailed(
                {"hashtags": [_("“%(tag)s” is not a hashtag: use letters, digits and _.", tag=raw)]}
            )
        if tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    if len(tags) > MAX_HASHTAGS:
        raise ValidationFailed({"hashtags": [_("Use at most %(n)d hashtags.", n=MAX_HASHTAGS)]})
    return " ".join(tags)


def slugify(title: str) -> str:
    """An ASCII slug for the public URL; "note" when nothing ASCII is left."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")
    return slug or "note"


def _normalised(items: list[str], prefix: str) -> list[str]:
    return [prefix + item.lstrip(prefix) for item in items if item.strip(prefix)]


def _contains(text: str, token: str) -> bool:
    pattern = r"(?<![\w#@])" + re.escape(token) + r"(?!\w)"
    return re.search(pattern, text, re.IGNORECASE) is not None


def submission_problems(
    *,
    campaign: Campaign,
    title: str,
    body: str,
    hashtags: str,
    image_count: int,
    has_video: bool,
    video: bool | None = None,
) -> dict[str, list[str]]:
    """What the note still lacks before the brand may see it; empty when it is complete."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    text = f"{hashtags}\n{body}"
    if not title.strip():
        add("title", _("a title"))
    if not body.strip():
        add("body", _("the text of the note"))
    for tag in _normalised(campaign.hashtags, "#"):
        if not _contains(text, tag):
            add("hashtags", _("the required hashtag %(tag)s", tag=tag))
    for mention in _normalised(campaign.mentions, "@"):
        if not _contains(f"{title}\n{text}", mention):
            add("body", _("the required mention %(mention)s", mention=mention))
    if not _DISCLOSURE.search(text):
        add("hashtags", _("a disclosure: #ad, 广告 or sponsored"))
    if video if video is not None else campaign.content_format == ContentFormat.VIDEO:
        if not has_video:
            add("video_url", _("a video (a file or a link)"))
    elif not 1 <= image_count <= MAX_IMAGES:
        add("images", _("1 to %(n)d images (now %(count)d)", n=MAX_IMAGES, count=image_count))
    return problems


def problems_message(problems: dict[str, list[str]]) -> str:
    missing = [item for items in problems.values() for item in items]
    return _("Before submitting, add: %(items)s.", items="; ".join(missing))
