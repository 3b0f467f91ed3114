"""Where SQLite and PostgreSQL differ, and nowhere else.

The store's queries are written once, in the SQL both understand, with SQLite's spellings for the
few things they say differently (`?` placeholders, `INSERT OR IGNORE/REPLACE`, `BEGIN IMMEDIATE`,
`REAL`, `BLOB`, `WITHOUT ROWID`, the implicit `rowid`). A PostgreSQL connection rewrites those
spellings here; the callers name the two things that cannot be rewritten from text alone: the
lock a queue claim skips (`skip_locked`) and the lock that makes count-then-insert atomic
(`lock`). SQLite needs neither: BEGIN IMMEDIATE already lets one writer in at a time."""

from __future__ import annotations

import functools
import re
import sqlite3
import zlib


def is_url(target) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """A store URL for logs, messages and the admin page: the password replaced by ***, wherever
    it is written: user:password@ (a password may hold '@' or '/': everything up to the last '@'
    before the host), and ?password=… among the query's parameters."""
    scheme, sep, rest = url.partition("://")
    if sep:
        head, query = re.match(r"([^?#]*)(.*)", rest, re.S).groups()
        if "@" in head:  # the last '@' before the query ends the user part, whatever the password holds
            userinfo, host = head.rsplit("@", 1)
            head = _user(userinfo) + "@" + host
        url = scheme + sep + head + query
    return re.sub(r"(?i)([?&]password=)[^&#]*", r"\1***", url)


def _user(userinfo: str) -> str:
    return userinfo.split(":", 1)[0] + ":***" if ":" in userinfo else userinfo


class SqliteConnection(sqlite3.Connection):
    """sqlite3's own connection, knowing its dialect (created through sqlite3.connect(factory=...))."""

    dialect = "sqlite"
    begin = "BEGIN IMMEDIATE"
    skip_locked = ""  # one writer at a time: nothing to skip
    errors = (sqlite3.IntegrityError,)

    def lock(self, key: str) -> None:
        pass  # BEGIN IMMEDIATE took the write lock already

    def version(self) -> int:
        return self.execute("PRAGMA user_version").fetchone()[0]

    def set_version(self, n: int) -> None:
        self.execute(f"PRAGMA user_version = {int(n)}")

    def columns(self, table: str) -> set[str]:
        return {r[1] for r in self.execute(f"PRAGMA table_info({table})")}

    def ddl(self, sql: str) -> str:
        return sql

    def series(self, run_id: str) -> list[tuple]:
        """Every metric series of a run: [((split, name), steps, values), ...]: one index-ordered
        scan per series (the primary key is run, split, name, step); a single scan of all four
        columns made a Python string per row for split and name and cost half as much again."""
        out = []
        for split, name in self.execute("SELECT DISTINCT split, name FROM metrics WHERE run = ?", (run_id,)).fetchall():
            cur = self.cursor()
            cur.row_factory = None  # plain tuples: 10,000 sqlite3.Row objects cost more than the scan
            rows = cur.execute("SELECT step, value FROM metrics WHERE run = ? AND split = ? AND name = ? ORDER BY step",
                               (run_id, split, name)).fetchall()
            if rows:
                out.append(((split, name), *zip(*rows)))
        return out


@functools.lru_cache(maxsize=64)
def _row_class(names: tuple):
    """Rows readable by position and by name, and dict(row)-able, like sqlite3.Row."""
    index = {n: i for i, n in enumerate(names)}

    class Row(tuple):
        __slots__ = ()

        def keys(self):
            return names

        def __getitem__(self, key):
            return tuple.__getitem__(self, index[key] if isinstance(key, str) else key)

    return Row


def _row_factory(cursor):
    cls = _row_class(tuple(c.name for c in cursor.description or ()))
    return cls


_INSERT = re.compile(r"\s*INSERT OR (IGNORE|REPLACE) INTO (\w+)\s*(\([^)]*\))?\s*VALUES", re.I)


_VALUES = re.compile(r"INSERT INTO (\w+)\s+VALUES\s*\((?:%s,\s*)*%s\)(.*)$", re.S)


class PgConnection:
    """A psycopg 3 connection in autocommit (we say BEGIN ourselves, as with SQLite) that
    speaks the store's SQL: see the module's docstring for what is rewritten."""

    dialect = "postgres"
    begin = "BEGIN"
    skip_locked = " FOR UPDATE SKIP LOCKED"  # two replicas' workers never wait on one queued row

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:
            raise ValueError("LOSSLAB_DATABASE_URL names a PostgreSQL server, but psycopg is not installed: "
                             "pip install -r requirements-cluster.txt") from None
        self.errors = (psycopg.errors.IntegrityError,)
        try:
            self.raw = psycopg.connect(url, autocommit=True, row_factory=_row_factory, connect_timeout=10)
        except psycopg.OperationalError as exc:
            where = redact(url)
            reason = " ".join((str(exc).strip().splitlines() or ["no answer"])[-1].split())
            raise ValueError(f"cannot reach the PostgreSQL store at {where} ({reason}): check LOSSLAB_DATABASE_URL "
                             "and that the server is running") from None
        self._tables: dict[str, tuple[list[str], list[str], list[str]]] = {}

    def execute(self, sql: str, params=()):
        # Results in binary: a 10,000-row series loads in half the time it takes as text.
        cur = self.raw.cursor(binary=True)
        if not params:  # no placeholders: psycopg reads a literal % as it is
            return cur.execute(_translate(sql, self._upsert_keys, False))
        return cur.execute(self._sql(sql), tuple(params))

    def executemany(self, sql: str, rows):
        """`INSERT OR IGNORE ... VALUES (?, ...)` of many rows (a worker's metric flush) as one
        INSERT ... SELECT FROM unnest(arrays): one statement, not one per row (psycopg's
        executemany: 18 ms for a 700-row flush). Anything else row by row: an upsert's
        DO UPDATE may not meet one key twice in a single statement."""
        rows = list(rows)
        cur = self.raw.cursor()
        if not rows:
            return cur
        sql = self._sql(sql)
        m = _VALUES.match(sql)
        if m is None or not m.group(2).strip().endswith("DO NOTHING"):
            cur.executemany(sql, rows)
            return cur
        arrays = ", ".join(f"%s::{t}[]" for t in self._table(m.group(1))[1])
        cur.execute(f"INSERT INTO {m.group(1)} SELECT * FROM unnest({arrays}){m.group(2)}", [list(c) for c in zip(*rows)])
        return cur

    def close(self) -> None:
        self.raw.close()

    def lock(self, key: str) -> None:
        """Serialise transactions about one key (e.g. an owner's run cap) until this one ends."""
        self.execute("SELECT pg_advisory_xact_lock(?)", (zlib.crc32(key.encode()) - 2**31,))

    def version(self) -> int:
        if self.raw.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
            return 0
        return self.raw.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0

    def set_version(self, n: int) -> None:
        self.raw.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        self.raw.execute("DELETE FROM schema_version")
        self.raw.execute("INSERT INTO schema_version VALUES (%s)", (int(n),))

    def columns(self, table: str) -> set[str]:
        return set(self._read(table)[0])  # not cached: a migration is about to change it

    def ddl(self, sql: str) -> str:
        sql = re.sub(r"\bREAL\b", "DOUBLE PRECISION", sql)  # PostgreSQL's REAL has 24 bits
        sql = re.sub(r"\bBLOB\b", "BYTEA", sql)
        return re.sub(r"\)\s*WITHOUT ROWID", ")", sql)

    def series(self, run_id: str) -> list[tuple]:
        """As SqliteConnection.series; here the server builds one array per series (binary, parsed
        in C): 20,000 rows arrive in a third of the time they take as rows."""
        rows = self.execute("SELECT split, name, array_agg(step ORDER BY step), array_agg(value ORDER BY step) "
                            "FROM metrics WHERE run = ? GROUP BY split, name ORDER BY split, name", (run_id,)).fetchall()
        return [((r[0], r[1]), r[2], r[3]) for r in rows]

    def _sql(self, sql: str) -> str:
        return _translate(sql, self._upsert_keys)

    def _upsert_keys(self, table: str) -> tuple[list[str], list[str]]:
        """(primary key columns, other columns) of a table."""
        names, _, keys = self._table(table)
        return keys, [c for c in names if c not in keys]

    def _table(self, table: str) -> tuple[list[str], list[str], list[str]]:
        """A table's columns in order, their types and its primary key, read once per connection."""
        if table not in self._tables:
            self._tables[table] = self._read(table)
        return self._tables[table]

    def _read(self, table: str) -> tuple[list[str], list[str], list[str]]:
        """From the catalogue; `rowid` (PostgreSQL's stand-in for SQLite's) left out: no INSERT names it."""
        cols = self.raw.execute(
            "SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = %s "
            "AND table_schema = current_schema() AND column_name <> 'rowid' ORDER BY ordinal_position",
            (table,)).fetchall()
        keys = [r[0] for r in self.raw.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(%s) AND i.indisprimary", (table,))]
        return [c[0] for c in cols], [c[1] for c in cols], keys


@functools.lru_cache(maxsize=512)
def _cached(sql: str, replace_tail: str, placeholders: bool) -> str:
    out = sql.replace("%", "%%").replace("?", "%s") if placeholders else sql
    out = re.sub(r"^\s*BEGIN IMMEDIATE\b", "BEGIN", out)
    m = _INSERT.match(out)
    if m:
        out = "INSERT INTO " + m.group(2) + " " + (m.group(3) or "") + " VALUES" + out[m.end():] + replace_tail
    return out


def _translate(sql: str, keys_of, placeholders: bool = True) -> str:
    m = _INSERT.match(sql)
    if not m:
        return _cached(sql, "", placeholders)
    if m.group(1).upper() == "IGNORE":
        return _cached(sql, " ON CONFLICT DO NOTHING", placeholders)
    keys, others = keys_of(m.group(2))
    sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in others)
    return _cached(sql, f" ON CONFLICT ({', '.join(keys)}) DO " + (f"UPDATE SET {sets}" if sets else "NOTHING"),
                   placeholders)
