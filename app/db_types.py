"""Column types shared by every model: aware UTC timestamps, enums stored as their values."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Enum, Integer
from sqlalchemy.types import TypeDecorator

# The largest id a BigId column can hold (PostgreSQL BIGINT, SQLite INTEGER).
MAX_ID = 2**63 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class TZDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite returns naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    """Store an enum as its string value (readable in SQL, checked by a constraint)."""
    return Enum(
        enum_cls,
        values_callable=lambda cls: [member.value for member in cls],
        native_enum=False,
        length=length,
        validate_strings=True,
        create_constraint=True,
        name=enum_cls.__name__.lower(),
    )


# BIGINT ids on PostgreSQL; SQLite only autoincrements an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: PostgreSQL rewrites full-text index expressions, so autogenerate cannot
    compare them; they are created by hand in the migrations (names end in ``_fts``). The
    partitions of analytics_events are made by the migration and the scheduler, not models
    (app/analytics/partitions.py; retention in app/analytics/retention.py)."""
    if type_ == "table" and reflected and name and name.startswith("analytics_events_"):
        return False
    return not (type_ == "index" and name and name.endswith("_fts"))
