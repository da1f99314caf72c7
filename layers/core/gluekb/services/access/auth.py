"""Authentication and tenancy for the API and the MCP server.

A verified key is cached in-process for a short time (revocation takes effect within
`CACHE_TTL_S`), so an authenticated request that is answered from the query cache needs no
database read at all. Failed lookups are not cached.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

from gluekb.errors import Forbidden, InvalidInput, Unauthorized
from gluekb.models.auth import ALL_ORGANIZATIONS, SCOPES, Principal
from gluekb.ports.access import ApiKeyVerifier

CACHE_TTL_S = 60.0


class Authenticator:
    def __init__(self, keys: ApiKeyVerifier, clock: Callable[[], float] = time.monotonic) -> None:
        self.keys = keys
        self.clock = clock
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def authenticate(self, key: str | None) -> Principal:
        if not key:
            raise Unauthorized("missing API key: send `Authorization: Bearer <key>`")
        fingerprint = hashlib.sha256(key.encode()).hexdigest()
        now = self.clock()
        with self._lock:
            cached = self._cache.get(fingerprint)
        if cached and cached[0] > now:
            return cached[1]
        record = self.keys.verify(key)
        if record is None:
            raise Unauthorized("invalid, revoked or expired API key")
        principal = Principal(
            key_id=record.key_id,
            name=record.name,
            organizations=frozenset(o for o in record.organizations if o != ALL_ORGANIZATIONS),
            all_organizations=ALL_ORGANIZATIONS in record.organizations,
            scopes=frozenset(record.scopes),
        )
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[fingerprint] = (now + CACHE_TTL_S, principal)
        return principal


def key_from_headers(authorization: str | None, x_api_key: str | None = None) -> str | None:
    """The API key of an HTTP request: `Authorization: Bearer <key>`, else `X-API-Key`."""
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return x_api_key.strip() if x_api_key and x_api_key.strip() else None


def require_scope(principal: Principal, scope: str) -> None:
    if not principal.has(scope):
        raise Forbidden(f"this API key lacks the '{scope}' scope")


def parse_scopes(text: str) -> list[str]:
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput(
            f"unknown scope(s) {unknown or '(none)'}; choose from {', '.join(SCOPES)}"
        )
    return scopes
