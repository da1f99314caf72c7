"""One encode at a time on the device; query embeddings go before index sub-batches."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class PriorityGate:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._busy = False
        self._high_waiting = 0

    @contextmanager
    def high(self) -> Iterator[None]:
        with self._condition:
            self._high_waiting += 1
            while self._busy:
                self._condition.wait()
            self._high_waiting -= 1
            self._busy = True
        try:
            yield
        finally:
            with self._condition:
                self._busy = False
                self._condition.notify_all()

    @contextmanager
    def low(self) -> Iterator[None]:
        with self._condition:
            while self._busy or self._high_waiting:
                self._condition.wait()
            self._busy = True
        try:
            yield
        finally:
            with self._condition:
                self._busy = False
                self._condition.notify_all()
