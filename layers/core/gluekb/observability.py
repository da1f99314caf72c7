"""Powertools Logger (JSON, correlation id), Metrics (EMF) and Tracer for every entry point.

Each deployable runs in its own process (a Lambda environment, a container), so module-level
instances pick up that process's POWERTOOLS_SERVICE_NAME. Modules other than entry points use
`Logger(child=True)`. A redacting filter keeps secrets out of log lines even if a caller slips.

One correlation id follows a piece of work from where it entered (an API request or a webhook
delivery: API Gateway's request id; a scheduled run: the EventBridge event id; a mail: the SES
message id) through the SQS message attribute `correlation_id` to the sync worker, the embedding
worker and its index write: every log line carries it (the Powertools `correlation_id` key), and
with tracing on it is the X-Ray annotation `correlation_id` (`annotation.correlation_id = "..."`
finds every segment of the trail). `gluekb trace <id>` prints the trail from the local logs.

With tracing on (a Lambda with `Tracing: Active`), X-Ray instruments each library that calls
out when that library is first imported, not all of them at start as `patch_all` does: a cold
start then pays for boto3, httpx or requests only if its code uses them (requests, for one, only
comes with the OpenSearch client). The instrumented set is the one `patch_all` finds installed.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Mapping
from typing import Any

import wrapt
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


# X-Ray's name for a library -> the package whose first import makes it worth patching. boto3
# for botocore: once boto3 is imported, botocore.client is too, and bound to its package.
# urllib3 for http.client: what calls out through http.client here goes through urllib3 (and
# X-Ray's http.client patch imports urllib3, 50 ms, which the API's start does not need).
TRACED_LIBRARIES = {
    "botocore": "boto3",
    "httpx": "httpx",
    "requests": "requests",
    "httplib": "urllib3",
    "sqlite3": "sqlite3",
}


def build_tracer() -> Tracer:
    """The process's Tracer; each traced library is patched on its first import."""
    created = Tracer(auto_patch=False)
    if not created.disabled:
        for library, module in TRACED_LIBRARIES.items():
            wrapt.register_post_import_hook(_patcher(created, library), module)
    return created


def _patcher(tracer: Tracer, library: str) -> Any:
    def patch(_module: object) -> None:
        tracer.patch([library])

    return patch


logger = build_logger()
metrics = Metrics(namespace=NAMESPACE)
tracer = build_tracer()

CORRELATION_ATTRIBUTE = "correlation_id"  # the SQS message attribute that carries it


def correlation_id() -> str | None:
    """The correlation id of the work in hand (None outside any)."""
    value = logger.get_correlation_id()
    return value if isinstance(value, str) and value else None


def use_correlation_id(value: str | None) -> None:
    """From now on, log lines (every logger of this process) and jobs queued carry `value`;
    with tracing on, the current X-Ray subsegment is annotated with it."""
    logger.set_correlation_id(value or None)
    trace_correlation()


def trace_correlation() -> None:
    """Annotate the current X-Ray subsegment with the correlation id, when tracing is on."""
    value = correlation_id()
    if value is None or tracer.disabled:
        return
    # Outside a subsegment (Lambda's facade segment) there is nothing to annotate.
    with contextlib.suppress(Exception):
        tracer.put_annotation(key=CORRELATION_ATTRIBUTE, value=value)


__all__ = [
    "CORRELATION_ATTRIBUTE",
    "NAMESPACE",
    "TRACED_LIBRARIES",
    "Logger",
    "MetricUnit",
    "build_logger",
    "build_tracer",
    "correlation_id",
    "logger",
    "metrics",
    "redact",
    "trace_correlation",
    "tracer",
    "use_correlation_id",
]
