"""A published note's comment section as the note page (app/notes/public_routes.py) shows it,
and the posting limit the comment form and the comments API share."""

from __future__ import annotations

from flask import current_app, g, request
from flask_login import current_user

from app.engagement import comments
from app.engagement.services import ENGAGERS
from app.engagement.social_forms import CommentForm
from app.notes.models import Note


def comment_limit() -> str:
    return current_app.config["COMMENT_LIMIT"]


def comment_limit_key() -> str:
    """Per account, shared by the web form and the API."""
    user = getattr(g, "api_user", None) or current_user
    return f"comments:{user.id}"


def comment_sort() -> str:
    """The order the visitor chose for a note's comments (part of the page cache's key)."""
    sort = request.args.get("comments_sort", "newest")
    return sort if sort in comments.SORTS else "newest"


def note_comments(note: Note) -> dict:
    """What the note page needs to show its comments. The note's KOL and brand also see the
    comments they hid; everyone's controls are decided from ids already loaded."""
    moderator = current_user.is_authenticated and current_user.id in (note.kol_id, note.brand_id)
    page = comments.comments_page(
        note,
        page=request.args.get("comments_page", 1, int),
        include_hidden=moderator,
        sort=comment_sort(),
    )
    can_comment = current_user.is_authenticated and current_user.role in ENGAGERS
    return {
        "comments": page,
        "comments_sort": comment_sort(),
        # Built only for who can post: a form makes a CSRF token, i.e. a session cookie.
        "comment_form": CommentForm(formdata=None) if can_comment else None,
        "can_comment": can_comment,
        "can_moderate": moderator,
    }
