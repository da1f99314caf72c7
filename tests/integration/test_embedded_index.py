"""The embedded index survives its writer being killed (kill -9) in the middle of writing."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from pathlib import Path

import apsw
import numpy as np
import sqlite_vec

from gluekb.adapters.embedded_index import DATABASE_FILE, EmbeddedIndex
from gluekb.models.index import Chunk, ReplaceSource

DIM = 384
SOURCES = 8


def _version_of(text: str) -> int:
    return int(text.split()[1].removeprefix("v"))


def _replace(source_id: str, version: int) -> ReplaceSource:
    count = version % 4 + 1
    chunks = [
        Chunk(
            chunk_id=f"{source_id}#{p}",
            source_id=source_id,
            organization_id="acme",
            source_type="document",
            title="t",
            text=f"payload v{version} part{p} " + "filler " * 200,
            position=p,
            identifiers={"hostname": [f"host-{version}"]},
            content_hash=f"{version}-{p}",
        )
        for p in range(count)
    ]
    vectors = np.random.default_rng(version).standard_normal((count, DIM)).astype(np.float32)
    return ReplaceSource(
        source_id=source_id,
        organization_id="acme",
        source_hash=f"v{version}",
        chunks=chunks,
        embeddings=vectors,
    )


def _write_forever(path: str, progress: str) -> None:
    """The worker: replace every source, version after version; log each commit."""
    index = EmbeddedIndex(path, dimension=DIM, writer=True)
    fd = os.open(progress, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    version = 0
    while True:
        version += 1
        index.write([_replace(f"s{i}", version) for i in range(SOURCES)])
        os.write(fd, f"{version}\n".encode())


def test_a_killed_writer_leaves_a_whole_index(tmp_path: Path) -> None:
    # Given a writer process committing continuously
    path, progress = tmp_path / "index", tmp_path / "progress"
    EmbeddedIndex(path, dimension=DIM, writer=True).close()
    writer = multiprocessing.get_context("spawn").Process(
        target=_write_forever, args=(str(path), str(progress))
    )
    writer.start()

    # When it is killed with SIGKILL mid-stream
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if progress.exists() and len(progress.read_text().split()) >= 30:
            break
        time.sleep(0.02)
    writer.kill()
    writer.join(10)
    last_committed = int(progress.read_text().split()[-1])

    # Then the database is intact: SQLite, FTS5 and the vectors agree ...
    connection = apsw.Connection(str(path / DATABASE_FILE))
    connection.enable_load_extension(True)
    connection.load_extension(sqlite_vec.loadable_path())
    assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    connection.execute("INSERT INTO chunks_fts (chunks_fts) VALUES ('integrity-check')")
    chunks = connection.execute("SELECT count(*) FROM chunks").fetchall()[0][0]
    assert connection.execute("SELECT count(*) FROM chunk_vectors").fetchall() == [(chunks,)]
    connection.close()

    # ... every source holds exactly one version, whole, no older than the last reported commit
    index = EmbeddedIndex(path, dimension=DIM, writer=True)
    versions = set()
    for i in range(SOURCES):
        held = index.source_chunks(f"s{i}", ["acme"])
        version = _version_of(held[0].text)
        assert {_version_of(c.text) for c in held} == {version}
        assert len(held) == version % 4 + 1
        assert index.source_hashes([f"s{i}"]) == {f"s{i}": f"v{version}"}
        versions.add(version)
    assert min(versions) >= last_committed
    assert len(versions) == 1  # one write() is one transaction across its sources

    # ... and the worker carries on writing after its restart
    index.write([_replace("s0", 10_000)])
    assert len(index.source_chunks("s0", ["acme"])) == 10_000 % 4 + 1
    assert [h.chunk.source_id for h in index.exact({"hostname": ["HOST-10000"]}, ["acme"])] == [
        "s0"
    ]
    index.close()


def test_threads_of_one_process_read_while_it_writes(tmp_path: Path) -> None:
    # Given an index being written by the main thread
    index = EmbeddedIndex(tmp_path / "index", dimension=DIM, writer=True)
    index.write([_replace(f"s{i}", 1) for i in range(SOURCES)])
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        vector = np.ones(DIM, dtype=np.float32)
        while not stop.is_set():
            try:
                assert index.bm25("payload", ["acme"])
                assert index.knn(vector, ["acme"])
                assert all(index.source_chunks(f"s{i}", ["acme"]) for i in range(SOURCES))
            except BaseException as exc:
                errors.append(exc)
                return

    # When four threads search meanwhile (each on its own connection)
    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for version in range(2, 30):
        index.write([_replace(f"s{i}", version) for i in range(SOURCES)])
    stop.set()
    for thread in threads:
        thread.join(10)
    index.close()

    # Then none of them failed
    assert errors == []
