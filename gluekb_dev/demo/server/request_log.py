"""Every API request the demo server answered, with its arrival time: `server.requests` in
process, `GET /_demo/requests` from another."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestRecord:
    at: float  # epoch seconds (time.time) when the request arrived
    method: str
    path: str
    query: str
    status: int


class RequestLog:
    """Every API request the server answered, in arrival order (thread-safe)."""

    def __init__(self, limit: int) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=limit)
        self._lock = threading.Lock()

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def all(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
