"""The embedded search index: SQLite FTS5 (BM25) + sqlite-vec (exact k-NN) in one file, via apsw.

Design (measured in shared/notes/embedded-index-bakeoff.md):
- `chunks` holds each chunk once; `chunks_fts` is an external-content FTS5 index over it, kept in
  step by triggers; `chunk_vectors` is a vec0 table with the organization as partition key (an
  org-filtered k-NN scans that organization's vectors only); `identifiers` is a plain keyword
  table; `generations` counts writes per organization.
- Tenant filter inside the FTS5 MATCH: every chunk carries an organization token (and a type
  token) in their own columns, and the query is `org_tok : (...) AND {title text} : (...)`, so
  FTS5 never ranks another tenant's rows. The tokens are hex and end in a digit: the unicode61
  tokenizer keeps each one whole and the porter stemmer leaves it alone.
- One writer process (`writer=True`, the embedding worker) and any number of reader processes:
  WAL, `synchronous=NORMAL`, writes in `BEGIN IMMEDIATE` transactions, reads in one snapshot
  each, `busy_timeout` on every connection. A source's text, vectors, identifiers and the
  generation bump commit together, so a kill -9 leaves either the old or the new source.
- Connections are per thread (apsw releases the GIL while SQLite works), and per process: a
  forked child opens its own.

Long because it is one class, the SearchIndex port over one SQLite file: the schema above and
every statement that reads or writes it (writes, BM25, k-NN, exact, hybrid) are kept together.
"""

from __future__ import annotations

import html
import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import apsw
import numpy as np
import sqlite_vec

from gluekb.adapters.index_semantics import (
    HYBRID_CANDIDATES,
    PreparedSource,
    bm25_words,
    identifier_candidates,
    normalize_identifier,
    prepare_operations,
    query_vector,
    reciprocal_rank_fusion,
    resolve_vector,
)
from gluekb.errors import ConfigurationError, DependencyUnavailable, InvalidInput
from gluekb.models.index import Chunk, SearchHit

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from gluekb.models.index import IndexOperation
    from gluekb.ports.search_index import LazyQueryVector, QueryVector

SCHEMA_VERSION = 1
DATABASE_FILE = "chunks.sqlite3"
MAX_K = 1000
# vec0 stores vectors in chunks of this many rows; 64-256 suits partitions of 50-4,000 chunks.
VECTOR_CHUNK_SIZE = 128
# Title matches count twice; the organization and type token columns never add to the score.
BM25_WEIGHTS = "bm25(0.0, 0.0, 2.0, 1.0)"
SNIPPET_TOKENS = 24
# Private markers FTS5 puts around matches; the text is HTML-escaped, then they become <mark>.
_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"
_CHUNK_COLUMNS = (
    "id, chunk_id, source_id, org, source_type, title, text, url, updated_at, position, "
    "identifiers, metadata, content_hash"
)


def _schema(dimension: int) -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE IF NOT EXISTS sources (
            source_id TEXT PRIMARY KEY,
            org TEXT NOT NULL,
            source_hash TEXT NOT NULL
        )""",
        """CREATE TABLE IF NOT EXISTS chunks (
            id INTEGER PRIMARY KEY,
            chunk_id TEXT NOT NULL UNIQUE,
            source_id TEXT NOT NULL,
            org TEXT NOT NULL,
            source_type TEXT NOT NULL,
            org_tok TEXT NOT NULL,
            type_tok TEXT NOT NULL,
            title TEXT NOT NULL,
            text TEXT NOT NULL,
            url TEXT,
            updated_at TEXT,
            position INTEGER NOT NULL,
            identifiers TEXT NOT NULL,
            metadata TEXT NOT NULL,
            content_hash TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks (source_id, position)",
        "CREATE INDEX IF NOT EXISTS chunks_by_org ON chunks (org)",
        """CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
            org_tok, type_tok, title, text,
            content='chunks', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
        )""",
        """CREATE TRIGGER IF NOT EXISTS chunks_fts_insert AFTER INSERT ON chunks BEGIN
            INSERT INTO chunks_fts (rowid, org_tok, type_tok, title, text)
            VALUES (new.id, new.org_tok, new.type_tok, new.title, new.text);
        END""",
        """CREATE TRIGGER IF NOT EXISTS chunks_fts_delete AFTER DELETE ON chunks BEGIN
            INSERT INTO chunks_fts (chunks_fts, rowid, org_tok, type_tok, title, text)
            VALUES ('delete', old.id, old.org_tok, old.type_tok, old.title, old.text);
        END""",
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS chunk_vectors USING vec0(
            id INTEGER PRIMARY KEY,
            org TEXT PARTITION KEY,
            source_type TEXT,
            embedding FLOAT[{dimension}] distance_metric=cosine,
            chunk_size={VECTOR_CHUNK_SIZE}
        )""",
        """CREATE TABLE IF NOT EXISTS identifiers (
            value TEXT NOT NULL,
            org TEXT NOT NULL,
            kind TEXT NOT NULL,
            source_type TEXT NOT NULL,
            chunk INTEGER NOT NULL,
            PRIMARY KEY (value, org, kind, chunk)
        ) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS identifiers_by_chunk ON identifiers (chunk)",
        """CREATE TABLE IF NOT EXISTS generations (
            org TEXT PRIMARY KEY,
            generation INTEGER NOT NULL
        )""",
    ]


def _token(prefix: str, value: str) -> str:
    """One FTS5 token per value: hex keeps it a single unicode61 token, the final digit keeps
    the porter stemmer off it (its suffixes all end in a letter)."""
    return f"{prefix}{value.encode().hex()}0"


def _phrase(word: str) -> str:
    """A user word as an FTS5 string: never operators, column filters or prefix queries."""
    return '"' + word.replace('"', '""') + '"'


def _all(
    connection: apsw.Connection, sql: str, params: apsw.Bindings | None = None
) -> list[tuple[Any, ...]]:
    return connection.execute(sql, params).fetchall()


def _one(
    connection: apsw.Connection, sql: str, params: apsw.Bindings | None = None
) -> tuple[Any, ...] | None:
    row: tuple[Any, ...] | None = connection.execute(sql, params).fetchone()
    return row


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


def _json_list(values: Iterable[str]) -> str:
    """A list of values bound as one JSON parameter (read with json_each): no SQL is built."""
    return json.dumps(list(dict.fromkeys(values)))


def _snippet_html(raw: str | None) -> str | None:
    if raw is None:
        return None
    return (
        html.escape(raw, quote=True).replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")
    )


def _bounded(k: int) -> int:
    return max(0, min(k, MAX_K))


def _chunk_from_row(row: Sequence[Any]) -> Chunk:
    (
        _id,
        chunk_id,
        source_id,
        org,
        source_type,
        title,
        text,
        url,
        updated_at,
        position,
        identifiers,
        metadata,
        content_hash,
    ) = row
    return Chunk.model_validate(
        {
            "chunk_id": chunk_id,
            "source_id": source_id,
            "organization_id": org,
            "source_type": source_type,
            "title": title,
            "text": text,
            "url": url,
            "updated_at": updated_at,
            "position": position,
            "identifiers": json.loads(identifiers),
            "metadata": json.loads(metadata),
            "content_hash": content_hash,
        }
    )


class EmbeddedIndex:
    """The search index in one SQLite file: `path` is a directory (`.gluekb/index/`) holding
    chunks.sqlite3, or, when it is not a directory and has a suffix (`x.sqlite3`), the file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        dimension: int = 384,
        writer: bool = False,
        busy_timeout_ms: int = 10_000,
    ) -> None:
        target = Path(path)
        is_file = target.suffix and not target.is_dir()
        self.path = target if is_file else target / DATABASE_FILE
        self._dimension = dimension
        self._writer = writer
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[apsw.Connection] = []
        self._closed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._ensure_schema(self._connection())

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def writer(self) -> bool:
        return self._writer

    # ------------------------------------------------------------ connections
    def _connection(self) -> apsw.Connection:
        if self._closed:
            raise DependencyUnavailable("the search index is closed")
        cached: tuple[int, apsw.Connection] | None = getattr(self._local, "connection", None)
        if cached is not None and cached[0] == os.getpid():
            return cached[1]
        try:
            connection = apsw.Connection(
                str(self.path), flags=apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
            )
            connection.set_busy_timeout(self._busy_timeout_ms)
            connection.enable_load_extension(True)
            connection.load_extension(sqlite_vec.loadable_path())
            connection.enable_load_extension(False)
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA cache_size = -32768")
            connection.execute("PRAGMA temp_store = MEMORY")
            # After a checkpoint the WAL shrinks back to this size (it would keep its peak).
            connection.execute("PRAGMA journal_size_limit = 67108864")
            # A reader's connections cannot write, whatever a caller does with them.
            connection.execute(f"PRAGMA query_only = {'OFF' if self._writer else 'ON'}")
        except apsw.Error as exc:
            raise DependencyUnavailable(f"cannot open the search index at {self.path}") from exc
        self._local.connection = (os.getpid(), connection)
        with self._lock:
            self._connections.append(connection)
        return connection

    def _ensure_schema(self, connection: apsw.Connection) -> None:
        try:
            if not self._has_schema(connection):
                # The first process to open the file creates it, reader or writer.
                connection.execute("PRAGMA query_only = OFF")
                # journal_mode is persistent; it cannot change inside a transaction.
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _schema(self._dimension):
                        connection.execute(statement)
                    connection.execute(
                        "INSERT OR IGNORE INTO meta (key, value) VALUES "
                        "('schema_version', ?), ('dimension', ?)",
                        (str(SCHEMA_VERSION), str(self._dimension)),
                    )
                    connection.execute(
                        "INSERT INTO chunks_fts (chunks_fts, rank) VALUES ('rank', ?)",
                        (BM25_WEIGHTS,),
                    )
                    connection.execute("COMMIT")
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                finally:
                    connection.execute(f"PRAGMA query_only = {'OFF' if self._writer else 'ON'}")
            stored = dict(_all(connection, "SELECT key, value FROM meta"))
        except apsw.Error as exc:
            raise DependencyUnavailable(f"cannot prepare the search index at {self.path}") from exc
        if int(stored["dimension"]) != self._dimension:
            raise ConfigurationError(
                f"the search index at {self.path} holds {stored['dimension']}-dimensional "
                f"vectors, not {self._dimension}"
            )
        if int(stored["schema_version"]) != SCHEMA_VERSION:
            raise ConfigurationError(
                f"the search index at {self.path} has schema {stored['schema_version']}, "
                f"this code reads {SCHEMA_VERSION}"
            )

    @staticmethod
    def _has_schema(connection: apsw.Connection) -> bool:
        row = _one(connection, "SELECT count(*) FROM sqlite_schema WHERE name = 'meta'")
        if not row or not row[0]:
            return False
        keys = _one(connection, "SELECT count(*) FROM meta")
        return bool(keys and keys[0] >= 2)

    @contextmanager
    def _snapshot(self) -> Iterator[apsw.Connection]:
        """One consistent read: every statement inside sees the same committed state."""
        connection = self._connection()
        try:
            connection.execute("BEGIN")
        except apsw.Error as exc:
            raise DependencyUnavailable("the search index cannot be read") from exc
        try:
            yield connection
        except apsw.Error as exc:
            connection.execute("ROLLBACK")
            raise DependencyUnavailable("the search index cannot be read") from exc
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        else:
            connection.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()

    def __enter__(self) -> EmbeddedIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ writes
    def write(self, operations: Sequence[IndexOperation]) -> None:
        if not self._writer:
            raise ConfigurationError("this search index was opened for reading (writer=False)")
        replacements = prepare_operations(operations, self._dimension)
        if not replacements:
            return
        connection = self._connection()
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                self._apply(connection, replacements)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        except apsw.ConstraintError as exc:
            raise InvalidInput(f"the index refused the write: {exc}") from exc
        except apsw.Error as exc:
            raise DependencyUnavailable("the search index cannot be written") from exc

    def _apply(self, connection: apsw.Connection, replacements: Sequence[PreparedSource]) -> None:
        touched: set[str] = set()
        row = _one(connection, "SELECT coalesce(max(id), 0) FROM chunks")
        next_id = int(row[0]) + 1 if row else 1
        for replacement in replacements:
            touched |= self._remove_source(connection, replacement.source_id)
            if replacement.source_hash is None:
                continue
            touched.add(replacement.organization_id)
            next_id = self._insert_source(connection, replacement, next_id)
        connection.executemany(
            "INSERT INTO generations (org, generation) VALUES (?, 1) "
            "ON CONFLICT (org) DO UPDATE SET generation = generation + 1",
            [(org,) for org in sorted(touched)],
        )

    @staticmethod
    def _remove_source(connection: apsw.Connection, source_id: str) -> set[str]:
        rows = _all(connection, "SELECT id, org FROM chunks WHERE source_id = ?", (source_id,))
        orgs = {str(org) for _, org in rows}
        ids = [(chunk_id,) for chunk_id, _ in rows]
        connection.executemany("DELETE FROM chunk_vectors WHERE id = ?", ids)
        connection.executemany("DELETE FROM identifiers WHERE chunk = ?", ids)
        connection.execute("DELETE FROM chunks WHERE source_id = ?", (source_id,))
        for (org,) in _all(
            connection, "DELETE FROM sources WHERE source_id = ? RETURNING org", (source_id,)
        ):
            orgs.add(str(org))
        return orgs

    @staticmethod
    def _insert_source(
        connection: apsw.Connection, replacement: PreparedSource, next_id: int
    ) -> int:
        org = replacement.organization_id
        org_tok = _token("o", org)
        chunk_rows: list[tuple[object, ...]] = []
        vector_rows: list[tuple[object, ...]] = []
        identifier_rows: list[tuple[object, ...]] = []
        for offset, chunk in enumerate(replacement.chunks):
            rowid = next_id + offset
            chunk_rows.append(
                (
                    rowid,
                    chunk.chunk_id,
                    chunk.source_id,
                    org,
                    chunk.source_type,
                    org_tok,
                    _token("t", chunk.source_type),
                    chunk.title,
                    chunk.text,
                    chunk.url,
                    chunk.updated_at.isoformat() if chunk.updated_at else None,
                    chunk.position,
                    json.dumps(chunk.identifiers),
                    json.dumps(chunk.metadata),
                    chunk.content_hash,
                )
            )
            vector_rows.append(
                (rowid, org, chunk.source_type, replacement.embeddings[offset].tobytes())
            )
            for kind, values in chunk.identifiers.items():
                for value in values:
                    normalized = normalize_identifier(value)
                    if normalized:
                        identifier_rows.append(
                            (normalized, org, kind.lower(), chunk.source_type, rowid)
                        )
        connection.executemany(
            "INSERT INTO chunks (id, chunk_id, source_id, org, source_type, org_tok, type_tok, "
            "title, text, url, updated_at, position, identifiers, metadata, content_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            chunk_rows,
        )
        connection.executemany(
            "INSERT INTO chunk_vectors (id, org, source_type, embedding) VALUES (?, ?, ?, ?)",
            vector_rows,
        )
        connection.executemany(
            "INSERT OR IGNORE INTO identifiers (value, org, kind, source_type, chunk) "
            "VALUES (?, ?, ?, ?, ?)",
            identifier_rows,
        )
        connection.execute(
            "INSERT INTO sources (source_id, org, source_hash) VALUES (?, ?, ?)",
            (replacement.source_id, org, replacement.source_hash),
        )
        return next_id + len(replacement.chunks)

    def source_hashes(self, source_ids: Sequence[str]) -> dict[str, str]:
        if not source_ids:
            return {}
        with self._snapshot() as connection:
            rows = _all(
                connection,
                "SELECT source_id, source_hash FROM sources "
                "WHERE source_id IN (SELECT value FROM json_each(?))",
                (_json_list(source_ids),),
            )
        return {str(source_id): str(source_hash) for source_id, source_hash in rows}

    def embeddings_by_hash(self, source_id: str) -> dict[str, NDArray[np.float32]]:
        with self._snapshot() as connection:
            rows = _all(
                connection,
                "SELECT c.content_hash, v.embedding FROM chunks AS c "
                "JOIN chunk_vectors AS v ON v.id = c.id WHERE c.source_id = ?",
                (source_id,),
            )
        return {str(h): np.frombuffer(blob, dtype=np.float32).copy() for h, blob in rows}

    # ------------------------------------------------------------ reads
    def bm25(
        self,
        query: str,
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]:
        words = bm25_words(query)
        if not organizations or types == [] or not words or _bounded(k) == 0:
            return []
        with self._snapshot() as connection:
            ranked = self._bm25(connection, words, organizations, types, _bounded(k))
            chunks = self._chunks(connection, [rowid for rowid, _, _ in ranked])
        return [
            SearchHit(chunk=chunks[rowid], score=score, matched_by=["bm25"], snippet=snippet)
            for rowid, score, snippet in ranked
            if rowid in chunks
        ]

    def knn(
        self,
        vector: QueryVector,
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]:
        query = self._vector_blob(vector)
        if not organizations or types == [] or _bounded(k) == 0:
            return []
        with self._snapshot() as connection:
            ranked = self._knn(connection, query, organizations, types, _bounded(k))
            chunks = self._chunks(connection, [rowid for rowid, _ in ranked])
        return [
            SearchHit(chunk=chunks[rowid], score=score, matched_by=["knn"])
            for rowid, score in ranked
            if rowid in chunks
        ]

    def exact(
        self,
        identifiers: Mapping[str, Sequence[str]],
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]:
        wanted = [
            (kind.lower(), normalize_identifier(value))
            for kind, values in identifiers.items()
            for value in values
            if normalize_identifier(value)
        ]
        if not organizations or types == [] or not wanted or _bounded(k) == 0:
            return []
        with self._snapshot() as connection:
            ranked = self._exact(connection, wanted, organizations, types, _bounded(k))
            chunks = self._chunks(connection, [rowid for rowid, _ in ranked])
        return [
            SearchHit(chunk=chunks[rowid], score=float(n), matched_by=["exact"])
            for rowid, n in ranked
            if rowid in chunks
        ]

    def hybrid(
        self,
        query: str,
        vector: LazyQueryVector | None,
        organizations: Sequence[str],
        *,
        types: Sequence[str] | None = None,
        k: int = 10,
    ) -> list[SearchHit]:
        words = bm25_words(query)
        k = _bounded(k)
        if not organizations or types == [] or k == 0:
            return []
        depth = max(k, HYBRID_CANDIDATES)
        candidates: list[tuple[str | None, str]] = [
            (None, value) for value in identifier_candidates(query)
        ]
        with self._snapshot() as connection:
            exact = (
                self._exact(connection, candidates, organizations, types, k) if candidates else []
            )
            lexical = self._bm25(connection, words, organizations, types, depth) if words else []
            # Resolved only now: a lazy vector was being embedded while the lookups above ran.
            resolved = resolve_vector(vector)
            blob = None if resolved is None else self._vector_blob(resolved)
            semantic = (
                self._knn(connection, blob, organizations, types, depth) if blob is not None else []
            )
            rowids = [r for r, _ in exact] + [r for r, _, _ in lexical] + [r for r, _ in semantic]
            chunks = self._chunks(connection, rowids)
            fused = reciprocal_rank_fusion(
                [
                    SearchHit(chunk=chunks[r], score=float(n), matched_by=["exact"])
                    for r, n in exact
                    if r in chunks
                ],
                [
                    [
                        SearchHit(chunk=chunks[r], score=s, matched_by=["bm25"], snippet=snip)
                        for r, s, snip in lexical
                        if r in chunks
                    ],
                    [
                        SearchHit(chunk=chunks[r], score=s, matched_by=["knn"])
                        for r, s in semantic
                        if r in chunks
                    ],
                ],
                k,
            )
            rowid_of = {chunk.chunk_id: rowid for rowid, chunk in chunks.items()}
            missing = [rowid_of[hit.chunk.chunk_id] for hit in fused if hit.snippet is None]
            snippets = self._snippets(connection, words, missing) if words and missing else {}
        return [
            hit.model_copy(update={"snippet": snippets[rowid_of[hit.chunk.chunk_id]]})
            if rowid_of[hit.chunk.chunk_id] in snippets
            else hit
            for hit in fused
        ]

    def source_chunks(self, source_id: str, organizations: Sequence[str]) -> list[Chunk]:
        if not organizations:
            return []
        with self._snapshot() as connection:
            rows = _all(
                connection,
                "SELECT id, chunk_id, source_id, org, source_type, title, text, url, updated_at, "
                "position, identifiers, metadata, content_hash FROM chunks WHERE source_id = ? "
                "AND org IN (SELECT value FROM json_each(?)) ORDER BY position, id",
                (source_id, _json_list(organizations)),
            )
        return [_chunk_from_row(row) for row in rows]

    def count(self, organizations: Sequence[str] | None = None) -> int:
        with self._snapshot() as connection:
            if organizations is None:
                row = _one(connection, "SELECT count(*) FROM chunks")
                return int(row[0]) if row else 0
            row = _one(
                connection,
                "SELECT count(*) FROM chunks WHERE org IN (SELECT value FROM json_each(?))",
                (_json_list(organizations),),
            )
            return int(row[0]) if row else 0

    def generation(self, organizations: Sequence[str]) -> dict[str, int]:
        generations = dict.fromkeys(organizations, 0)
        if not generations:
            return {}
        with self._snapshot() as connection:
            rows = _all(
                connection,
                "SELECT org, generation FROM generations "
                "WHERE org IN (SELECT value FROM json_each(?))",
                (_json_list(generations),),
            )
        generations.update({str(org): int(generation) for org, generation in rows})
        return generations

    # ------------------------------------------------------------ query internals
    def _vector_blob(self, vector: QueryVector) -> bytes:
        return np.array(query_vector(vector, self._dimension), dtype=np.float32).tobytes()

    @staticmethod
    def _match_expression(
        words: Sequence[str], organizations: Sequence[str], types: Sequence[str] | None
    ) -> str:
        orgs = " OR ".join(_token("o", org) for org in dict.fromkeys(organizations))
        expression = f"org_tok : ({orgs})"
        if types is not None:
            kinds = " OR ".join(_token("t", kind) for kind in dict.fromkeys(types))
            expression += f" AND type_tok : ({kinds})"
        terms = " OR ".join(_phrase(word) for word in words)
        return f"{expression} AND {{title text}} : ({terms})"

    def _bm25(
        self,
        connection: apsw.Connection,
        words: Sequence[str],
        organizations: Sequence[str],
        types: Sequence[str] | None,
        k: int,
    ) -> list[tuple[int, float, str | None]]:
        expression = self._match_expression(words, organizations, types)
        rows = _all(
            connection,
            "SELECT rowid, rank, snippet(chunks_fts, 3, ?, ?, '…', ?) FROM chunks_fts "
            "WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?",
            (_MARK_OPEN, _MARK_CLOSE, SNIPPET_TOKENS, expression, k),
        )
        return [(int(rowid), -float(rank), _snippet_html(snippet)) for rowid, rank, snippet in rows]

    def _snippets(
        self, connection: apsw.Connection, words: Sequence[str], rowids: Sequence[int]
    ) -> dict[int, str]:
        """Highlights for chunks found another way (k-NN) that contain query words too."""
        expression = "{title text} : (" + " OR ".join(_phrase(word) for word in words) + ")"
        snippets: dict[int, str] = {}
        for rowid in rowids:
            row = _one(
                connection,
                "SELECT snippet(chunks_fts, 3, ?, ?, '…', ?) FROM chunks_fts "
                "WHERE chunks_fts MATCH ? AND rowid = ?",
                (_MARK_OPEN, _MARK_CLOSE, SNIPPET_TOKENS, expression, rowid),
            )
            snippet = _snippet_html(row[0]) if row else None
            if snippet is not None:
                snippets[rowid] = snippet
        return snippets

    @staticmethod
    def _knn(
        connection: apsw.Connection,
        vector: bytes,
        organizations: Sequence[str],
        types: Sequence[str] | None,
        k: int,
    ) -> list[tuple[int, float]]:
        orgs = list(dict.fromkeys(organizations))
        # A literal IN list on the partition key runs one k-NN per organization (SQLite hands
        # vec0 each value in turn); the outer ORDER BY merges them. Only "?"s are formatted in.
        # (vec0 refuses a LIMIT next to `k = ?`; MATERIALIZED keeps SQLite from pushing it in.)
        sql = (
            "SELECT id, distance FROM chunk_vectors WHERE embedding MATCH ? AND k = ? "  # noqa: S608
            "AND org IN (" + _placeholders(orgs) + ")"
        )
        params: list[object] = [vector, k, *orgs]
        if types is not None:
            kinds = list(dict.fromkeys(types))
            sql += " AND source_type IN (" + _placeholders(kinds) + ")"
            params += kinds
        rows = _all(
            connection,
            "WITH hits AS MATERIALIZED (" + sql + ") "  # noqa: S608
            "SELECT id, distance FROM hits ORDER BY distance, id LIMIT ?",
            (*params, k),
        )
        return [(int(rowid), 1.0 - float(distance)) for rowid, distance in rows]

    @staticmethod
    def _exact(
        connection: apsw.Connection,
        wanted: Sequence[tuple[str | None, str]],
        organizations: Sequence[str],
        types: Sequence[str] | None,
        k: int,
    ) -> list[tuple[int, int]]:
        """(kind, value) pairs; a kind of None matches any kind. Most values matched first."""
        rows = _all(
            connection,
            "WITH wanted AS (SELECT value ->> 0 AS kind, value ->> 1 AS value FROM json_each(?)) "
            "SELECT i.chunk, count(DISTINCT i.value) AS matched FROM wanted AS w "
            "JOIN identifiers AS i ON i.value = w.value AND (w.kind IS NULL OR i.kind = w.kind) "
            "WHERE i.org IN (SELECT value FROM json_each(?)) "
            "AND (? IS NULL OR i.source_type IN (SELECT value FROM json_each(?))) "
            "GROUP BY i.chunk ORDER BY matched DESC, i.chunk LIMIT ?",
            (
                json.dumps(list(dict.fromkeys(wanted))),
                _json_list(organizations),
                None if types is None else 1,
                _json_list(types or []),
                k,
            ),
        )
        return [(int(rowid), int(matched)) for rowid, matched in rows]

    @staticmethod
    def _chunks(connection: apsw.Connection, rowids: Sequence[int]) -> dict[int, Chunk]:
        unique = list(dict.fromkeys(rowids))
        if not unique:
            return {}
        rows = _all(
            connection,
            "SELECT id, chunk_id, source_id, org, source_type, title, text, url, updated_at, "
            "position, identifiers, metadata, content_hash FROM chunks "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(unique),),
        )
        return {int(row[0]): _chunk_from_row(row) for row in rows}
