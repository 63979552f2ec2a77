"""Moving a SQLite database to PostgreSQL: ``python -m bot db copy --to postgresql://…``.

The target is migrated with the app's own revisions first, and must hold no rows yet (the rows the
revisions seed, such as the tip number counter at 0, do not count). Every table is then copied in
dependency order in one transaction on the target: if anything fails, the target stays empty. The
search index is not copied as FTS5 rows: each row is indexed again the way the repository indexes
it, so on PostgreSQL it gets its weighted vector. Last, each table's identity sequence is moved past
the largest id copied, so new rows get fresh ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, select

from bot.content.search import SearchDocument, SearchKind
from bot.db.database import Database
from bot.db.schema import metadata, search_index, server_tip_numbers
from bot.db.search_index import index_documents

BATCH = 1000


class CopyRefused(RuntimeError):
    """The copy would overwrite or duplicate data, so nothing was done."""


@dataclass(frozen=True, slots=True)
class CopyResult:
    rows: dict[str, int]  # table name → rows copied

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _copied_tables() -> list[Table]:
    return list(metadata.sorted_tables)


def _source_columns(table: Table) -> list[Any]:
    # search_index.document exists on PostgreSQL only; it is made again on the target.
    return [column for column in table.columns if not (table is search_index and column.name == "document")]


async def _seeded_only(target: Database, table: Table) -> bool:
    if table is server_tip_numbers:
        rows = await target.fetch_all(select(server_tip_numbers))
        return all(row["last_number"] == 0 for row in rows)
    return False


async def _occupied(target: Database) -> list[str]:
    occupied = []
    for table in _copied_tables():
        count = await target.scalar(select(func.count()).select_from(table))
        if count and not await _seeded_only(target, table):
            occupied.append(table.name)
    return occupied


async def copy_database(source: Database, target: Database) -> CopyResult:
    """Copy every row of ``source`` into the empty ``target`` (see the module's docstring)."""
    if source.url.sqlalchemy_url == target.url.sqlalchemy_url or source.dialect == target.dialect:
        raise CopyRefused(
            f"the source and the target are both {target.dialect}; copy from SQLite to PostgreSQL"
        )
    await target.migrate()
    occupied = await _occupied(target)
    if occupied:
        raise CopyRefused(
            f"the target {target.url.display()} already has rows (in {', '.join(occupied)}); "
            "copy only into an empty database"
        )
    copied: dict[str, int] = {}
    async with source.read() as reading, target.transaction() as writing:
        for table in _copied_tables():
            columns = _source_columns(table)
            rows = [dict(row) for row in (await reading.execute(select(*columns))).mappings()]
            if table is server_tip_numbers:
                await writing.execute(server_tip_numbers.delete())
            if table is search_index:
                documents = [
                    SearchDocument(
                        kind=cast(SearchKind, row["kind"]),
                        ref=str(row["ref"]),
                        title=row["title"] or "",
                        aliases=row["aliases"] or "",
                        summary=row["summary"] or "",
                        body=row["body"] or "",
                        guild_id=row["guild_id"],
                    )
                    for row in rows
                ]
                await index_documents(writing, documents)
            else:
                for start in range(0, len(rows), BATCH):
                    await writing.execute(table.insert(), rows[start : start + BATCH])
            copied[table.name] = len(rows)
        if target.dialect == "postgresql":
            await _reset_sequences(writing)
    return CopyResult(copied)


async def _reset_sequences(connection: Any) -> None:
    """Move each identity/serial sequence past the largest id in its table (to 1 for an empty one)."""
    for table in _copied_tables():
        for column in table.primary_key.columns:
            sequence = await connection.scalar(select(func.pg_get_serial_sequence(table.name, column.name)))
            if sequence is None:
                continue
            largest = select(func.max(column)).scalar_subquery()
            await connection.execute(select(func.setval(sequence, func.coalesce(largest, 0) + 1, False)))
