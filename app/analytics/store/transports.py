"""Two ways to run the ClickHouse store's SQL: ``ServerTransport`` sends it to a ClickHouse server
or cluster over HTTP (clickhouse-connect, the runtime extra), ``ChdbTransport`` runs it in this
process with the embedded engine (chdb, a test dependency: tests, CI and the bench).

Both take the same three calls, each one statement: ``command`` (DDL, mutations), ``rows`` (a
SELECT, its rows as lists) and ``insert`` (``INSERT INTO table (columns) FORMAT TabSeparated``
with the rows as the statement's data). Parameters are ClickHouse's server-side ``{name:Type}``
placeholders, turned into text by clickhouse-connect's own ``format_bind_value`` for both, so a
statement means the same on both engines (tests/analytics/test_store_transports.py).
"""

from __future__ import annotations

import json
import tempfile
from typing import Any, Protocol


class Transport(Protocol):
    def command(self, sql: str, params: dict | None = None) -> None: ...

    def rows(self, sql: str, params: dict | None = None) -> list[list]: ...

    def insert(self, table: str, columns: tuple[str, ...], data: bytes) -> None: ...


# chdb's inserts read their rows from a file: ``file()`` with the target's column types.
FROM_FILE = "SELECT * FROM file({path:String}, TabSeparated, {structure:String})"


def insert_statement(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) FORMAT TabSeparated"


def bind_text(params: dict | None) -> dict[str, str]:
    """Parameters as the text a server receives for its ``{name:Type}`` placeholders."""
    from clickhouse_connect.driver.binding import format_bind_value

    return {name: format_bind_value(value) for name, value in (params or {}).items()}


class ServerTransport:
    """A ClickHouse server (``CLICKHOUSE_URL``, e.g. http://user:pass@host:8123/analytics),
    through the official client; ``client`` can be handed in (tests record what it sends)."""

    def __init__(self, url: str = "", client: Any = None):
        if client is None:
            import clickhouse_connect

            # Parameters in the POST body: a writer's batch of ids does not fit in a URL.
            client = clickhouse_connect.get_client(dsn=url, form_encode_query_params=True)
        self.client = client

    def command(self, sql: str, params: dict | None = None) -> None:
        self.client.command(sql, parameters=params or None)

    def rows(self, sql: str, params: dict | None = None) -> list[list]:
        return [list(row) for row in self.client.query(sql, parameters=params or None).result_rows]

    def insert(self, table: str, columns: tuple[str, ...], data: bytes) -> None:
        if data:  # raw_insert sends insert_statement(table, columns) with the rows as its body
            self.client.raw_insert(table, list(columns), insert_block=data, fmt="TabSeparated")


class ChdbTransport:
    """ClickHouse in this process, on a data directory only this process opens (chdb's rule):
    the tests' and the bench's store. ``executed`` keeps each statement run when ``record``."""

    def __init__(self, path: str, *, record: bool = False):
        from chdb import session

        self.session = session.Session(path)
        # 64-bit integers as JSON numbers, not strings (the server client decodes Native)
        self.session.query("SET output_format_json_quote_64bit_integers = 0")
        self.executed: list[tuple] | None = [] if record else None
        self._structures: dict[tuple, str] = {}

    def _run(self, sql: str, params: dict | None, fmt: str = "CSV"):
        text = bind_text(params)
        return self.session.query(sql, fmt, params=text) if text else self.session.query(sql, fmt)

    def command(self, sql: str, params: dict | None = None) -> None:
        self._note("command", sql, params)
        self._run(sql, params)

    def rows(self, sql: str, params: dict | None = None) -> list[list]:
        self._note("rows", sql, params)
        body = self._run(sql, params, "JSONCompact").bytes()
        return json.loads(body)["data"] if body else []

    def insert(self, table: str, columns: tuple[str, ...], data: bytes) -> None:
        """The rows the server would receive as the INSERT's body, read by the engine from a
        temporary file (``file()``: parsed in parallel; as a statement's inline data they are
        parsed on one thread, three times slower — issue 25's writer, 20,000 rows 65 → 22 ms)."""
        self._note("insert", insert_statement(table, columns), None, data)
        if not data:
            return
        with tempfile.NamedTemporaryFile(prefix="chdb-insert-", suffix=".tsv") as rows:
            rows.write(data)
            rows.flush()
            self._run(
                insert_statement(table, columns).replace("FORMAT TabSeparated", FROM_FILE),
                {"path": rows.name, "structure": self._structure(table, columns)},
            )

    def _structure(self, table: str, columns: tuple[str, ...]) -> str:
        """``columns`` with their types in ``table`` (read once), as ``file()`` takes them."""
        if (table, columns) not in self._structures:
            database, name = table.split(".")
            body = self._run(
                "SELECT name, type FROM system.columns "
                "WHERE database = {database:String} AND table = {table:String}",
                {"database": database, "table": name}, "JSONCompact",
            ).bytes()  # fmt: skip
            types = dict(json.loads(body)["data"])
            self._structures[table, columns] = ", ".join(f"{c} {types[c]}" for c in columns)
        return self._structures[table, columns]

    def _note(self, kind: str, sql: str, params: dict | None, data: bytes | None = None) -> None:
        if self.executed is not None:
            self.executed.append((kind, sql, bind_text(params), data))

    def close(self) -> None:
        self.session.close()
