"""Powertools Logger (JSON, correlation id), Metrics (EMF) and Tracer for every entry point.

Each deployable runs in its own process (a Lambda environment, a container), so module-level
instances pick up that process's POWERTOOLS_SERVICE_NAME. Modules other than entry points use
`Logger(child=True)`. A redacting filter keeps secrets out of log lines even if a caller slips.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

NAMESPACE = "gluekb"
REDACTED = "[redacted]"

_SENSITIVE_KEY = re.compile(
    r"pass(word)?|secret|api[_-]?key|authorization|token|credential|x-api-key|cookie", re.I
)
# Secrets that look like ours even when logged as free text: gluekb API keys and bearer tokens.
_SENSITIVE_TEXT = re.compile(r"(gkb_[A-Za-z0-9_\-]{8,}|Bearer\s+[A-Za-z0-9._\-~+/=]{8,})")


def redact(value: Any, key: str = "") -> Any:
    """A copy of `value` with sensitive fields replaced (by key name, or by the shape of a key)."""
    if key and _SENSITIVE_KEY.search(key) and not isinstance(value, bool) and value is not None:
        return REDACTED
    if isinstance(value, Mapping):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return _SENSITIVE_TEXT.sub(REDACTED, value)
    return value


_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """Scrubs secrets from a record's message and structured extras before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _SENSITIVE_TEXT.sub(REDACTED, record.msg)
        elif isinstance(record.msg, Mapping):
            record.msg = redact(record.msg)
        for name, value in list(record.__dict__.items()):
            if name not in _STANDARD_ATTRS:
                record.__dict__[name] = redact(value, name)
        return True


def build_logger(**kwargs: Any) -> Logger:
    """A Powertools Logger whose handler redacts; child loggers propagate to that handler."""
    created = Logger(**kwargs)
    if not kwargs.get("child"):
        created.registered_handler.addFilter(RedactingFilter())
    return created


logger = build_logger()
metrics = Metrics(namespace=NAMESPACE)
tracer = Tracer()

__all__ = [
    "NAMESPACE",
    "Logger",
    "MetricUnit",
    "build_logger",
    "logger",
    "metrics",
    "redact",
    "tracer",
]
