"""Progress for long commands: bars on a terminal, plain lines otherwise (a pipe, a CI log, a
file), so nothing is redrawn where it cannot be. Both take the same calls: `add_task` then
`update` with what is done out of how much."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, Protocol

import click

PLAIN_EVERY_S = 5.0  # a plain line per task at most this often, and once when it completes


class ProgressDisplay(Protocol):
    def add_task(self, description: str, total: float | None = None) -> Any: ...

    def update(self, task: Any, *, completed: float, total: float | None = None) -> None: ...

    def __enter__(self) -> ProgressDisplay: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class PlainProgress:
    """`description: done/total` lines: when a task starts, every few seconds, when it ends."""

    def __init__(self, every_s: float = PLAIN_EVERY_S) -> None:
        self.every_s = every_s
        self._tasks: list[dict[str, Any]] = []

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return

    def add_task(self, description: str, total: float | None = None) -> int:
        self._tasks.append({"description": description, "total": total, "done": None, "at": 0.0})
        return len(self._tasks) - 1

    def update(self, task: int, *, completed: float, total: float | None = None) -> None:
        state = self._tasks[task]
        state["total"] = total if total is not None else state["total"]
        finished = state["total"] is not None and completed >= state["total"]
        now = time.monotonic()
        if completed == state["done"] or (not finished and now - state["at"] < self.every_s):
            return
        state["done"], state["at"] = completed, now
        of = f"/{state['total']:g}" if state["total"] is not None else ""
        click.echo(f"{state['description']}: {completed:g}{of}" + (" done" if finished else ""))


def progress_display(*, disable: bool = False) -> ProgressDisplay:
    """Bars when stdout is a terminal, plain lines when it is not; nothing when disabled."""
    if disable or sys.stdout.isatty():
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        bars: Any = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=disable,
            transient=False,
        )
        return bars  # type: ignore[no-any-return]
    return PlainProgress()
