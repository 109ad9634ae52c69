"""Migration 0017 on a database with history, of the suite's kind: notes, campaigns and KOL
profiles written before it are found by Chinese words after it, and their hashtags have
pages; the downgrade gives the old schema back."""

import sqlalchemy as sa
from sqlalchemy import select

from app import create_app, search
from app.campaigns.models import Campaign
from app.extensions import db
from app.notes.models import Note, NoteTag
from app.profiles.models import KolProfile
from tests.factories import make_campaign, make_kol
from tests.notes.support import funded_contract, published_note

BEFORE = "11101c2d3e16"


def test_rows_written_before_are_searchable_and_tagged_after(history_url, tmp_path):
    from flask_migrate import downgrade, upgrade

    fresh = create_app("test", SQLALCHEMY_DATABASE_URI=history_url, UPLOAD_DIR=str(tmp_path))
    with fresh.app_context():
        # The factories write today's schema: make the rows there, then go back to before.
        upgrade()
        note = published_note(
            funded_contract(), title="夏天的防晒霜推荐", hashtags="#glowserum #防晒"
        )
        make_campaign(title="秋冬口红", brief="Dior 口红 新色")
        kol = make_kol()
        db.session.get(KolProfile, kol.id).bio = "专注敏感肌护肤"
        db.session.commit()
        note_id, kol_id = note.id, kol.id
        db.session.remove()
        downgrade(revision=BEFORE)
        assert not sa.inspect(db.engine).has_table("note_tags")
        db.session.remove()

        upgrade()
        dialect = db.engine.dialect.name
        assert db.session.scalars(
            select(Note.id).where(search.matches(Note, "防晒霜", dialect))
        ).all() == [note_id]
        assert db.session.scalars(
            select(Campaign.title).where(search.matches(Campaign, "dior 口红", dialect))
        ).all() == ["秋冬口红"]
        assert db.session.scalars(
            select(KolProfile.user_id).where(search.matches(KolProfile, "护肤", dialect))
        ).all() == [kol_id]
        tags = db.session.scalars(select(NoteTag.tag).where(NoteTag.note_id == note_id))
        assert sorted(tags) == ["ad", "glowserum", "防晒"]
        db.session.remove()
        downgrade(revision=BEFORE)
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("notes")}
        assert "search_vector" not in columns
        db.session.remove()
