"""Forms of the notes feature: the editor, the review, a cross-post link, the feed filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class NoteForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=140)])
    body = TextAreaField(
        _l("Text"),
        validators=[Length(max=20_000)],
        description=_l("Markdown: **bold**, *italic*, lists and links. HTML is not kept."),
    )
    hashtags = StringField(
        _l("Hashtags"),
        validators=[Length(max=1000)],
        description=_l("Separated by spaces, e.g. #glowserum #ad"),
    )
    images = MultipleFileField(
        _l("Add images (JPEG, PNG or WebP)"),
        description=_l("1 to 9 images. Location and camera data are removed."),
    )
    video_url = StringField(
        _l("Video link"), validators=[Optional(), Length(max=500)], description="https://…"
    )
    video_file = FileField(_l("Or upload a video (MP4, MOV or WebM)"))
    remove_video = BooleanField(_l("Remove the uploaded video"))


class ReviewForm(FlaskForm):
    brief_item = SelectField(
        _l("About"),
        choices=[],
        validators=[DataRequired(_l("Choose the part of the brief this is about."))],
    )
    comment = TextAreaField(_l("What should change"), validators=[DataRequired(), Length(max=4000)])


class ExternalUrlForm(FlaskForm):
    external_url = StringField(
        _l("Also posted on (link)"),
        validators=[Optional(), Length(max=500)],
        description=_l("Shown as unverified: only views on KOL Market are counted."),
    )
