"""Query results cached in-process, keyed by what they depend on.

The key includes the index *generation* of every organization the answer could draw on, so a
write to any of them makes the old entry unreachable: a cached answer never outlives its data.
A TTL bounds memory and staleness of anything outside the index (for example catalog reads).
Password reveals never come through here.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0

    @property
    def hit_ratio(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class QueryCache(Generic[T]):
    def __init__(
        self,
        ttl_s: float = 300.0,
        max_entries: int = 2048,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self.stats = CacheStats()
        self._entries: OrderedDict[str, tuple[float, T]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(kind: str, request: Mapping[str, Any], generations: Mapping[str, int]) -> str:
        material = json.dumps(
            {"kind": kind, "request": request, "generations": dict(sorted(generations.items()))},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(material.encode()).hexdigest()

    def get(self, key: str) -> T | None:
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                if entry is not None:
                    del self._entries[key]
                self.stats.misses += 1
                return None
            self._entries.move_to_end(key)
            self.stats.hits += 1
            return entry[1]

    def put(self, key: str, value: T) -> None:
        with self._lock:
            self._entries[key] = (self.clock() + self.ttl_s, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
