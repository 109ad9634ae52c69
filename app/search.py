"""Search that reads Chinese: text becomes search tokens once, when it is written.

PostgreSQL's ``simple`` configuration keeps a whole run of Han characters as one word, so
``防晒霜`` was never found in ``夏天的防晒霜推荐``. As Lucene's ``cjk`` analyzer does, each run of
CJK characters becomes its overlapping bigrams (``防晒 晒霜 …``) plus its last character on its
own, so every character starts some token and a one-character query can match by prefix; other
words are kept whole, lower-cased. A query is cut the same way; the bigrams of one run must be
adjacent (``<->``), so ``口红色`` does not match ``口红和红色``; words and runs are ANDed.

A model that mixes in ``Searchable`` lists its text columns and their weights in
``SEARCH_FIELDS``; on every insert or update of those columns its ``search_vector`` is
rewritten (on PostgreSQL a weighted ``tsvector`` under a GIN index, ranked by ``ts_rank``; on
SQLite the token text, matched there with LIKE patterns that read it the same way).
"""

from __future__ import annotations

import re
import unicodedata
from functools import reduce
from typing import ClassVar

from sqlalchemy import ColumnElement, Text, and_, case, event, false, func, inspect, literal, or_
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import literal_column

from app import hanzi

# Han (with extensions and compatibility ideographs), kana and Hangul: the scripts written
# without spaces between words.
_CJK = (
    "\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
_WORD = re.compile(r"[^\W_]+")
_RUN = re.compile(f"([{_CJK}]+)|([^{_CJK}]+)")
_TAG = re.compile(r"(?<![A-Za-z0-9_&/#])#([\w\-\u00b7]{1,50})")
WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}  # ts_rank's own defaults, for SQLite too
SIMPLE = literal_column("'simple'")


def _runs(text: str) -> list[tuple[bool, str]]:
    """(is CJK, run) for each word or run of CJK characters, normalised (full-width Latin is
    Latin, case folded)."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return [
        (bool(cjk), cjk or other)
        for word in _WORD.findall(folded)
        for cjk, other in _RUN.findall(word)
    ]


def tokens(text: str | None) -> str:
    """The search tokens of ``text``, space-separated: what is indexed."""
    out: list[str] = []
    for is_cjk, run in _runs(text or ""):
        if is_cjk:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
        else:
            out.append(run)
    return " ".join(out)


def _query_parts(q: str, prefix: bool) -> list[tuple[list[str], bool]]:
    """Each word or CJK run of a query: its tokens (a run's bigrams, which must be adjacent)
    and whether the last one may be the start of a longer token."""
    runs = _runs(q)
    parts = []
    for index, (is_cjk, run) in enumerate(runs):
        if is_cjk and len(run) > 1:
            parts.append(([run[i : i + 2] for i in range(len(run) - 1)], False))
        else:
            parts.append(([run], is_cjk or (prefix and index == len(runs) - 1)))
    return parts


def tsquery(q: str, *, prefix: bool = False) -> str | None:
    """``q`` as a ``to_tsquery`` expression (None when nothing searchable is left). With
    ``prefix`` the last word also matches longer words (suggestions as people type). Tokens
    are letters and digits only, so quoting them needs no escaping."""
    terms = []
    for lexemes, open_end in _query_parts(q, prefix):
        phrase = " <-> ".join(f"'{lexeme}'" for lexeme in lexemes)
        terms.append(f"({phrase})" if len(lexemes) > 1 else phrase + (":*" if open_end else ""))
    return " & ".join(terms) or None


def _token_patterns(q: str, prefix: bool) -> list[str]:
    """The same query as LIKE patterns over the space-separated token text (SQLite): a run's
    bigrams stand next to each other there too."""
    return [
        f"% {' '.join(lexemes)}{'%' if open_end else ' %'}"
        for lexemes, open_end in _query_parts(q, prefix)
    ]


def hashtags_in(*texts: str | None) -> list[str]:
    """The hashtags written in ``texts`` (``#防晒`` or ``#SPF50``), normalised like tokens and
    without the ``#``, each once, in order of appearance. A ``#`` inside a word or link
    (``page#part``, ``&#123;``) is not a tag; Chinese text may run straight into one."""
    seen: dict[str, None] = {}
    for text in texts:
        for raw in _TAG.findall(text or ""):
            tag = normal_tag(raw)
            if tag:
                seen.setdefault(tag)
    return list(seen)


def normal_tag(text: str) -> str:
    """A tag as stored, from the text of a note, a URL or the search box."""
    return unicodedata.normalize("NFKC", text.strip().lstrip("#")).casefold().strip("-")[:50]


class Searchable:
    """A model whose ``SEARCH_FIELDS`` (column name → weight A–D) are searchable."""

    SEARCH_FIELDS: ClassVar[dict[str, str]] = {}
    search_vector: Mapped[str | None] = mapped_column(
        Text().with_variant(TSVECTOR(), "postgresql"), deferred=True
    )


def _document(target: Searchable, dialect: str):
    by_weight: dict[str, list[str]] = {}
    for name, weight in target.SEARCH_FIELDS.items():
        by_weight.setdefault(weight, []).append(tokens(getattr(target, name)))
    if dialect != "postgresql":
        return " ".join(t for texts in by_weight.values() for t in texts if t)
    return reduce(
        lambda left, right: left.op("||")(right),
        (
            func.setweight(
                func.to_tsvector(SIMPLE, literal(" ".join(texts), Text)),
                literal_column(f"'{weight}'"),
            )
            for weight, texts in sorted(by_weight.items())
        ),
    )


@event.listens_for(Searchable, "before_insert", propagate=True)
def _index_new(mapper, connection, target: Searchable) -> None:
    target.search_vector = _document(target, connection.dialect.name)


@event.listens_for(Searchable, "before_update", propagate=True)
def _index_changed(mapper, connection, target: Searchable) -> None:
    state = inspect(target)
    if any(state.attrs[name].history.has_changes() for name in target.SEARCH_FIELDS):
        target.search_vector = _document(target, connection.dialect.name)


def _any_script(q: str, *, prefix: bool = False) -> str | None:
    """The tsquery of ``q`` as typed, in simplified or in traditional characters (app/hanzi.py)."""
    queries = [t for t in (tsquery(v, prefix=prefix) for v in hanzi.variants(q)) if t]
    if len(queries) < 2:
        return queries[0] if queries else None
    return " | ".join(f"({query})" for query in queries)


def matches(model: type[Searchable], q: str, dialect: str, *, prefix: bool = False):
    """WHERE ``model`` matches the query ``q`` (written in either script)."""
    if dialect == "postgresql":
        query = _any_script(q, prefix=prefix)
        if query is None:
            return false()
        return model.search_vector.bool_op("@@")(func.to_tsquery(SIMPLE, query))
    padded = literal(" ") + func.coalesce(model.search_vector, "") + literal(" ")
    found = [
        and_(*(padded.like(pattern) for pattern in patterns))
        for patterns in (_token_patterns(v, prefix) for v in hanzi.variants(q))
        if patterns
    ]
    return or_(*found) if found else false()


def rank(model: type[Searchable], q: str, dialect: str) -> ColumnElement[float]:
    """How well ``model`` matches ``q``: a title match weighs more than one in the body."""
    if dialect == "postgresql":
        query = _any_script(q) or ""  # nothing searchable: an empty query, no match
        return func.ts_rank(model.search_vector, func.to_tsquery(SIMPLE, query))
    # SQLite: each word or run found in a field scores that field's weight.
    return reduce(
        lambda left, right: left + right,
        (
            case((_contains(getattr(model, name), run), WEIGHTS[weight]), else_=0.0)
            for name, weight in model.SEARCH_FIELDS.items()
            for _cjk, run in {r: None for v in hanzi.variants(q) for r in _runs(v)}
        ),
        literal(0.0),
    )


def _contains(column, q: str):
    # ``%`` and ``_`` typed by a visitor are letters, not wildcards.
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")
