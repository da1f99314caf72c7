"""How the client sends a GET to IT Glue: a rate-limiter token per attempt, bounded retries on
429, 5xx, timeouts and connection errors (`Retry-After` when IT Glue sends it, exponential
backoff with full jitter otherwise), typed errors for the rest, and counters for the summary.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC

import httpx
from pydantic import SecretStr, ValidationError

from gluekb.adapters.itglue.errors import exhausted_error, status_error
from gluekb.adapters.rate_limit import RateLimiter
from gluekb.errors import RateLimited, UpstreamError
from gluekb.models.itglue import ErrorDocument
from gluekb.observability import Logger

logger = Logger(child=True)

REGIONS = {
    "us": "https://api.itglue.com",
    "eu": "https://api.eu.itglue.com",
    "au": "https://api.au.itglue.com",
}
JSONAPI = "application/vnd.api+json"
Sleep = Callable[[float], Awaitable[None]]
_RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass
class RequestStats:
    """What the client sent, for the sync's summary (`asdict(client.stats)`)."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0  # 429 answers
    server_errors: int = 0  # 5xx answers
    transport_errors: int = 0  # timeouts, refused or dropped connections
    malformed_pages: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. A `Retry-After` over `max_retry_after_s` is not slept
    on: `RateLimited` is raised with it, so a caller can reschedule instead of holding a Lambda."""

    max_retries: int = 5
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    max_retry_after_s: float = 120.0


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


class ItGlueTransport:
    """GETs against one IT Glue base URL with the API key, the limiter and the retry policy.
    (`http_transport` is httpx's own transport, which tests replace with the demo app.)"""

    def __init__(
        self,
        base_url: str,
        api_key: SecretStr,
        *,
        limiter: RateLimiter,
        policy: RetryPolicy,
        timeout_s: float,
        sleep: Sleep,
        rng: random.Random,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.limiter = limiter
        self.policy = policy
        self.stats = RequestStats()
        self._sleep = sleep
        self._rng = rng
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={
                "x-api-key": api_key.get_secret_value(),
                "Accept": JSONAPI,
                "Content-Type": JSONAPI,
            },
            timeout=httpx.Timeout(timeout_s),
            transport=http_transport,
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def get(self, path: str, params: Mapping[str, str]) -> httpx.Response:
        """A 2xx answer, after at most `max_retries` retries; otherwise a typed error."""
        attempt = 0
        while True:
            await self.limiter.acquire()
            self.stats.requests += 1
            try:
                response = await self._http.get(path, params=params)
            except httpx.TransportError as exc:  # timeouts, refused and dropped connections
                delay = self._after_transport_error(path, exc, attempt)
            else:
                if response.status_code < 300:
                    return response
                delay = self._after_error_status(path, response, attempt)
            attempt += 1
            self.stats.retries += 1
            await self._sleep(delay)

    def _after_transport_error(self, path: str, exc: httpx.TransportError, attempt: int) -> float:
        """The delay before the next attempt, or `UpstreamError` when none is left."""
        self.stats.transport_errors += 1
        if attempt >= self.policy.max_retries:
            raise UpstreamError(
                f"IT Glue unreachable for GET {path} after {attempt + 1} attempts: "
                f"{type(exc).__name__}"
            ) from exc
        delay = self._backoff(attempt)
        self._log_retry(path, type(exc).__name__, attempt, delay)
        return delay

    def _after_error_status(self, path: str, response: httpx.Response, attempt: int) -> float:
        """The delay before the next attempt, or the typed error for the answer."""
        detail = error_detail(response)
        status = response.status_code
        if status not in _RETRYABLE_STATUS:
            raise status_error(status, path, detail)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            self.stats.rate_limited += 1
            if retry_after is not None and retry_after > self.policy.max_retry_after_s:
                raise RateLimited(
                    f"IT Glue rate limit: retry after {retry_after:.0f}s ({detail})",
                    retry_after_s=retry_after,
                )
        else:
            self.stats.server_errors += 1
        if attempt >= self.policy.max_retries:
            raise exhausted_error(status, path, detail, attempt + 1, retry_after)
        delay = retry_after if retry_after is not None else self._backoff(attempt)
        self._log_retry(path, f"HTTP {status}", attempt, delay)
        return delay

    def _backoff(self, attempt: int) -> float:
        # Full jitter: spreads the retries of many workers instead of synchronising them.
        policy = self.policy
        return self._rng.uniform(0, min(policy.backoff_max_s, policy.backoff_base_s * 2**attempt))

    def _log_retry(self, path: str, reason: str, attempt: int, delay: float) -> None:
        logger.warning(
            "retrying IT Glue request",
            extra={
                "path": path,
                "reason": reason,
                "attempt": attempt + 1,
                "delay_s": round(delay, 3),
            },
        )


def error_detail(response: httpx.Response) -> str:
    """IT Glue's `errors[].detail` (or title), else the HTTP reason phrase."""
    try:
        message = ErrorDocument.model_validate_json(response.content).message()
    except (ValidationError, ValueError):
        message = None
    return message or response.reason_phrase or f"HTTP {response.status_code}"
