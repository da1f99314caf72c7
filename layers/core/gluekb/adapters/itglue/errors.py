"""The errors the IT Glue client raises, and the mapping from an HTTP answer to one of them.

`ItGlueAuthError`, `MalformedPage` and `FilterIgnored` are IT Glue's own; the rest are the
shared `gluekb.errors` types (`InvalidInput`, `NotFound`, `RateLimited`, `UpstreamError`), each
carrying IT Glue's `detail` and the path, never the API key.
"""

from __future__ import annotations

from pydantic import ValidationError

from gluekb.errors import GluekbError, InvalidInput, NotFound, RateLimited, UpstreamError


class ItGlueAuthError(UpstreamError):
    """IT Glue refused the API key (401/403). Retrying cannot help: fix the key or its rights."""

    code = "itglue_auth"


class MalformedPage(UpstreamError):
    """A list page that is not a JSON:API document. The sync logs it and resumes after it."""

    code = "itglue_malformed_page"

    def __init__(
        self, resource_type: str, page_number: int, reason: str, total_pages: int | None = None
    ) -> None:
        super().__init__(f"IT Glue sent a malformed {resource_type} page {page_number}: {reason}")
        self.resource_type = resource_type
        self.page_number = page_number
        self.reason = reason
        self.total_pages = total_pages


class FilterIgnored(UpstreamError):
    """IT Glue returned records the filter excludes: it ignored the filter (unknown key, or a
    resource that does not support it). Trusting the page would re-sync or mis-scope data."""

    code = "itglue_filter_ignored"

    def __init__(self, resource_type: str, filter_name: str, record_id: str) -> None:
        super().__init__(
            f"IT Glue ignored filter[{filter_name}] on {resource_type} "
            f"(record {record_id} does not match it)"
        )
        self.resource_type = resource_type
        self.filter_name = filter_name
        self.record_id = record_id


def status_error(status: int, path: str, detail: str) -> GluekbError:
    """The error for an answer that no retry can fix (4xx other than 429)."""
    where = f"(HTTP {status} on GET {path})"
    if status in (401, 403):
        return ItGlueAuthError(
            f"IT Glue rejected the API key: {detail} {where}. Check the key, its region "
            "(US/EU/AU base URL) and, for passwords, its Password Access setting."
        )
    if status in (400, 422):
        return InvalidInput(f"IT Glue: {detail} {where}", details={"detail": detail})
    if status == 404:
        return NotFound(f"IT Glue: {detail} {where}", details={"detail": detail})
    return UpstreamError(f"IT Glue: {detail} {where}", details={"detail": detail})


def exhausted_error(
    status: int, path: str, detail: str, attempts: int, retry_after: float | None
) -> GluekbError:
    """The error once the retries for a 429 or 5xx are used up."""
    if status == 429:
        return RateLimited(
            f"IT Glue rate limit: {detail} (GET {path}, {attempts} attempts)",
            retry_after_s=retry_after,
        )
    return UpstreamError(
        f"IT Glue: {detail} (HTTP {status} on GET {path}, {attempts} attempts)",
        details={"detail": detail, "status": status},
    )


def validation_reason(exc: Exception) -> str:
    """Why a body did not parse, naming fields and never values (a body may hold a password)."""
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_input=False, include_url=False)
        if errors and errors[0]["type"] == "json_invalid":
            return "invalid JSON"
        fields = sorted({".".join(str(p) for p in e["loc"][:2]) for e in errors})
        return "missing or invalid " + ", ".join(fields[:5])
    return type(exc).__name__
