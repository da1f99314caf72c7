"""Typed errors. Adapters raise them `from` the original exception; each entry point maps them
to an HTTP status, an SQS batch failure or an MCP tool error in exactly one place."""

from __future__ import annotations


class GluekbError(Exception):
    """Base class: `message` is safe to show to the caller (never a secret, never a stack)."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ConfigurationError(GluekbError):
    """A setting is missing or invalid; raised at start so a bad deploy fails loudly and early."""

    code = "configuration_error"


class InvalidInput(GluekbError):
    status_code = 422
    code = "invalid_input"


class Unauthorized(GluekbError):
    status_code = 401
    code = "unauthorized"


class Forbidden(GluekbError):
    """The caller is known but lacks a scope. Never used for another tenant's data: that is
    NotFound, so nothing about it leaks."""

    status_code = 403
    code = "forbidden"


class NotFound(GluekbError):
    status_code = 404
    code = "not_found"


class Conflict(GluekbError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(GluekbError):
    status_code = 413
    code = "payload_too_large"


class RateLimited(GluekbError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class UpstreamError(GluekbError):
    """A dependency outside gluekb (IT Glue, a git provider) answered with an error."""

    status_code = 502
    code = "upstream_error"


class DependencyUnavailable(GluekbError):
    """A dependency inside gluekb (table, queue, index, embedder) cannot be reached."""

    status_code = 503
    code = "dependency_unavailable"
