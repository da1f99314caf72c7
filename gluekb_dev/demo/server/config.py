"""The demo server's settings: the API key, the rate limit, page size, and the faults it
injects on purpose (`Faults`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

DEMO_API_KEY = "ITG.demo-key-0000"


@dataclass(frozen=True)
class Faults:
    """Misbehaviour on purpose. Probabilities apply per API request (after auth and the rate
    limit); `malformed_pages` corrupts list pages with those numbers, every time."""

    p_429: float = 0.0
    p_500: float = 0.0
    p_malformed: float = 0.0
    latency_s: float = 0.0
    latency_jitter_s: float = 0.0
    retry_after_s: int | None = 1  # Retry-After on an injected 429; None sends no header
    malformed_pages: frozenset[int] = frozenset()
    # Paths (prefixes, e.g. "/domains") answered 422 with a JSON:API detail, as IT Glue answers
    # a request it cannot process.
    unprocessable_paths: frozenset[str] = frozenset()
    seed: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Faults:
        values = dict(data)
        if "malformed_pages" in values:
            values["malformed_pages"] = frozenset(int(p) for p in values["malformed_pages"])
        if "unprocessable_paths" in values:
            values["unprocessable_paths"] = frozenset(values["unprocessable_paths"])
        return cls(**values)


@dataclass(frozen=True)
class DemoServerConfig:
    api_key: str = DEMO_API_KEY
    rate_limit: int = 3000  # requests per window, as IT Glue
    rate_window_s: float = 300.0
    default_page_size: int = 50
    faults: Faults = field(default_factory=Faults)
    # Resource types whose filter[updated_at] is ignored (to exercise a client's check).
    ignore_updated_at_for: frozenset[str] = frozenset()
    # The real API reveals a password on show unless show_password=false; the demo does not
    # unless show_password=true. Set True to mimic IT Glue's default.
    show_password_by_default: bool = False
    max_recorded_requests: int = 200_000
    # A tenant IT Glue has not rolled document folders out to: no folder tree (404), and/or no
    # filter[document_folder_id]=null (422). Either way a plain list holds root documents only.
    document_folders_endpoint: bool = True
    all_documents_filter: bool = True


def with_faults(config: DemoServerConfig, **changes: Any) -> DemoServerConfig:
    """A copy of `config` with some fault settings changed."""
    return replace(config, faults=replace(config.faults, **changes))
