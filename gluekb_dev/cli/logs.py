"""Where a command's log records go. What a command prints is its output (progress, results);
the log lines of what it runs in-process (the sync, the rebuild, boto3, the local stack) go to
`<home>/logs/<name>.log` as JSON lines, like the functions' and the worker's logs beside them,
or to stderr with `gluekb -v`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TextIO

from gluekb.observability import RedactingFilter, logger

QUIET_LIBRARIES = ("botocore", "boto3", "urllib3", "httpx", "httpcore", "asyncio")

_verbosity = 0
_routed = False


def set_verbosity(level: int) -> None:
    """0: logs to the log file; 1 (-v): to stderr, INFO; 2 (-vv): to stderr, DEBUG."""
    global _verbosity
    _verbosity = level


def route_logs(home: Path | None, name: str = "cli") -> Path | None:
    """Send every log record of this process to the log file (or stderr); once per process.
    Returns the file, or None when the records go to stderr."""
    global _routed
    if _routed:
        return None
    _routed = True
    target = None if _verbosity or home is None else home / "logs" / f"{name}.log"
    stream: TextIO = sys.stderr
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        stream = target.open("a", encoding="utf-8")
    logger.append_keys(service=f"gluekb-{name}")  # not "service_undefined"
    own = logger.registered_handler
    if isinstance(own, logging.StreamHandler):
        own.setStream(stream)  # Powertools' records: JSON, redacted, to the target
    logging.getLogger(logger.name).propagate = False  # written once, by its own handler
    others = logging.StreamHandler(stream)  # everything else (child loggers, libraries)
    others.setFormatter(logger.registered_formatter)
    others.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(others)
    root.setLevel(logging.DEBUG if _verbosity > 1 else logging.INFO)
    for library in QUIET_LIBRARIES:
        logging.getLogger(library).setLevel(logging.DEBUG if _verbosity > 1 else logging.WARNING)
    return target
