"""Column types that mean the same on both engines.

* ``Snowflake``: a Discord id, a 64-bit integer (BIGINT on PostgreSQL, INTEGER on SQLite, which is
  64-bit already and is the only integer type a STRICT table accepts).
* ``RowId``: a table's own integer key: BIGINT identity on PostgreSQL, the rowid on SQLite.
* ``UTCDateTime``: an aware instant. PostgreSQL keeps ``timestamptz``; SQLite keeps the fixed-width UTC
  ISO-8601 text that ``bot.clock.to_storage`` writes (what every database made so far holds), which
  sorts as text, so comparisons and MIN() in SQL stay right. Reads are aware UTC datetimes on both.
* ``Flag``: a boolean; SQLite keeps 0/1 (with a CHECK in the table), PostgreSQL a boolean.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Dialect, Integer, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

from bot.clock import from_storage, require_aware, to_storage

Snowflake: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")
RowId: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return to_storage(value)
        return require_aware(value).astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return from_storage(value)
        return require_aware(value).astimezone(UTC)


class Flag(TypeDecorator[bool]):
    impl = Boolean(create_constraint=False)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(Boolean(create_constraint=False))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return int(bool(value)) if dialect.name == "sqlite" else bool(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> bool | None:
        return None if value is None else bool(value)
