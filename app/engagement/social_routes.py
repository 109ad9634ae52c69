"""Web pages of the social side: comments and the feed (the wishlist is in wishlist.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import viewer_cache
from app.auth.forms import ConfirmForm
from app.auth.models import Role
from app.authz import SIGNED_IN, access
from app.engagement import comments, feed, shoppers
from app.engagement.comment_section import comment_limit, comment_limit_key
from app.engagement.models import NoteComment
from app.engagement.services import ENGAGERS
from app.engagement.social_forms import CommentForm, ReportForm
from app.errors import DomainError
from app.extensions import db, limiter
from app.forms import form_status, show_errors
from app.notes import queries
from app.notes.models import Note

bp = Blueprint("social", __name__)  # its wishlist pages are in wishlist.py


# --- feed ------------------------------------------------------------------------------------


def _feed_key() -> tuple:
    return ("social.feed", request.query_string)


@bp.get("/feed")
@viewer_cache.served_to_viewer_first(_feed_key)
@access(*ENGAGERS)
def feed_page():
    """The signed-in person's feed, cached for them like their workbench (app/pagecache.py
    ``viewer_page``: rebuilt after their own actions and notifications and when public content
    changes, else at most VIEWER_TTL old)."""
    html = viewer_cache.viewer_page(_feed_key(), _feed_page)
    return html if html is not None else _feed_page()


def _feed_page() -> str:
    tab = request.args.get("tab", "newest")
    tab = tab if tab in feed.TABS else "newest"
    page = feed.feed_page(
        user_id=current_user.id,
        tab=tab,
        page=request.args.get("page", 1, int),
        cursor=request.args.get("cursor") or None,
    )
    cards = queries.note_cards(page.items)
    suggestions, interests = [], []
    if not page.items:
        suggestions = feed.suggested_kols(current_user.id)
        interests = shoppers.interests_of(current_user.id)
    return render_template(
        "engagement/feed.html",
        page=page,
        tab=tab,
        tabs=feed.TABS,
        **cards,
        suggestions=suggestions,
        interests=interests,
    )


# --- comments --------------------------------------------------------------------------------


def _note_url(note_id: int, anchor: str = "comments") -> str:
    note = db.session.get(Note, note_id) or abort(404)
    return url_for("notes.public", note_id=note.id, slug=note.slug) + f"#{anchor}"


def _comment_or_404(comment_id: int) -> NoteComment:
    comment = db.session.get(NoteComment, comment_id)
    if comment is None or comment.removed_at is not None:
        abort(404)
    return comment


@bp.post("/n/<int:note_id>/comments")
@access(*ENGAGERS)
@limiter.shared_limit(comment_limit, scope="comments", key_func=comment_limit_key)
def add_comment(note_id: int):
    note = queries.published_note(note_id) or abort(404)
    form = CommentForm()
    if form.validate_on_submit():
        parent = form.parent_id.data
        try:
            comment = comments.add_comment(
                note_id=note.id,
                user_id=current_user.id,
                body=form.body.data,
                parent_id=int(parent) if parent and parent.isdecimal() else None,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("Comment posted."), "success")
            return redirect(_note_url(note.id, f"comment-{comment.id}"))
    return render_template("engagement/comment_form.html", form=form, note=note), form_status(form)


@bp.post("/comments/<int:comment_id>/delete")
@access(*ENGAGERS)
def delete_comment(comment_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    comment = comments.delete_own_comment(comment_id=comment_id, user_id=current_user.id)
    db.session.commit()
    flash(_("Comment deleted."), "info")
    return redirect(_note_url(comment.note_id))


@bp.post("/comments/<int:comment_id>/hide")
@access(Role.BRAND, Role.KOL)
def hide_comment(comment_id: int):
    return _set_hidden(comment_id, True)


@bp.post("/comments/<int:comment_id>/unhide")
@access(Role.BRAND, Role.KOL)
def unhide_comment(comment_id: int):
    return _set_hidden(comment_id, False)


def _set_hidden(comment_id: int, hidden: bool):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    comment = comments.set_hidden(comment_id=comment_id, user_id=current_user.id, hidden=hidden)
    db.session.commit()
    flash(_("Comment hidden from the public.") if hidden else _("Comment shown again."), "info")
    return redirect(_note_url(comment.note_id, f"comment-{comment.id}"))


@bp.route("/comments/<int:comment_id>/report", methods=["GET", "POST"])
@access(SIGNED_IN)
def report_comment(comment_id: int):
    comment = _comment_or_404(comment_id)
    note = queries.published_note(comment.note_id) or abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            comments.report_comment(
                comment_id=comment.id, user_id=current_user.id, reason=form.reason.data
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("Thanks. An admin will look at this comment."), "success")
            return redirect(_note_url(note.id))
    return render_template(
        "engagement/report.html", form=form, comment=comment, note=note
    ), form_status(form)
