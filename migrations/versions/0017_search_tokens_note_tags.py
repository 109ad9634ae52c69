"""search that reads Chinese: notes, campaigns and KOL profiles get a search_vector written
from CJK-bigram tokens (app/search.py; GIN-indexed tsvector on PostgreSQL in place of the
``simple`` expression indexes), and note_tags holds each note's hashtags for /tags/<tag>;
existing rows are backfilled

Revision ID: 12201c2d3e17
Revises: 11101c2d3e16
Create Date: 2026-12-06 07:15:00

"""

import re
import unicodedata

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR


# revision identifiers, used by Alembic.
revision = "12201c2d3e17"
down_revision = "11101c2d3e16"
branch_labels = None
depends_on = None

# Written out, not imported: a migration keeps the tokens of its own day (app/search.py).
_CJK = (
    "\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
_WORD = re.compile(r"[^\W_]+")
_RUN = re.compile(f"([{_CJK}]+)|([^{_CJK}]+)")
_TAG = re.compile(r"(?<![A-Za-z0-9_&/#])#([\w\-\u00b7]{1,50})")
FIELDS = {
    "notes": {"title": "A", "hashtags": "A", "body": "B"},
    "campaigns": {"title": "A", "brief": "B"},
    "kol_profiles": {"display_name": "A", "bio": "B"},
}
KEYS = {"notes": "id", "campaigns": "id", "kol_profiles": "user_id"}
OLD_INDEXES = {
    "notes": "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(body, ''))",
    "campaigns": "to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(brief, ''))",
}
BATCH = 1000


def _tokens(text):
    out = []
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    for word in _WORD.findall(folded):
        for cjk, other in _RUN.findall(word):
            if cjk:
                out.extend(cjk[i : i + 2] for i in range(len(cjk) - 1))
                out.append(cjk[-1])
            else:
                out.append(other)
    return " ".join(out)


def _tags(*texts):
    seen = {}
    for text in texts:
        for raw in _TAG.findall(text or ""):
            tag = unicodedata.normalize("NFKC", raw).casefold().strip("-")
            if tag:
                seen.setdefault(tag[:50])
    return list(seen)


def _vector_type():
    return sa.Text().with_variant(TSVECTOR(), "postgresql")


def _backfill(bind, table, postgres):
    fields, key = FIELDS[table], KEYS[table]
    weights = sorted(set(fields.values()))
    if postgres:
        document = " || ".join(
            f"setweight(to_tsvector('simple', CAST(:{w} AS text)), '{w}')" for w in weights
        )
    else:
        document = " || ' ' || ".join(f":{w}" for w in weights)
    update = sa.text(f"UPDATE {table} SET search_vector = {document} WHERE {key} = :key")
    columns = ", ".join(fields)
    last = None
    while True:
        after = "" if last is None else f"WHERE {key} > :last "
        rows = bind.execute(
            sa.text(f"SELECT {key}, {columns} FROM {table} {after}ORDER BY {key} LIMIT {BATCH}"),
            {} if last is None else {"last": last},
        ).all()
        if not rows:
            return
        params = []
        for row in rows:
            values = {w: [] for w in weights}
            for name, weight in fields.items():
                values[weight].append(_tokens(getattr(row, name)))
            params.append({"key": row[0], **{w: " ".join(v) for w, v in values.items()}})
        bind.execute(update, params)
        if table == "notes":
            tags = [{"note_id": r.id, "tag": t} for r in rows for t in _tags(r.hashtags, r.body)]
            if tags:
                bind.execute(
                    sa.text("INSERT INTO note_tags (note_id, tag) VALUES (:note_id, :tag)"), tags
                )
        last = rows[-1][0]


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.create_table(
        "note_tags",
        sa.Column("note_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_tags_note_id_notes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("note_id", "tag", name=op.f("pk_note_tags")),
    )
    op.create_index(op.f("ix_note_tags_tag"), "note_tags", ["tag"])
    for table in FIELDS:
        if postgres and table in OLD_INDEXES:
            op.drop_index(f"ix_{table}_fts", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("search_vector", _vector_type(), nullable=True))
        _backfill(bind, table, postgres)
        if postgres:  # after the backfill: one index build, not one update per row
            op.create_index(f"ix_{table}_fts", table, ["search_vector"], postgresql_using="gin")


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in FIELDS:
        if postgres:
            op.drop_index(f"ix_{table}_fts", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("search_vector")
        if postgres and table in OLD_INDEXES:
            op.create_index(
                f"ix_{table}_fts", table, [sa.text(OLD_INDEXES[table])], postgresql_using="gin"
            )
    op.drop_index(op.f("ix_note_tags_tag"), table_name="note_tags")
    op.drop_table("note_tags")
