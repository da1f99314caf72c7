"""Misbehaviour on purpose, for tests: latency, injected 429 / 500 / 422 answers, and list pages
cut short or missing `data` or `meta`. Every draw comes from `DemoState.rng` (seeded by
`Faults.seed`), so a seeded run misbehaves the same way each time."""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import asdict
from typing import Any

from gluekb_dev.demo.server.config import Faults
from gluekb_dev.demo.server.errors import ApiError, unprocessable
from gluekb_dev.demo.server.state import DemoState


async def inject_faults(state: DemoState, path: str) -> None:
    """Sleep, or raise the error the faults in force draw for this request (if any)."""
    faults = state.faults
    if faults.latency_s or faults.latency_jitter_s:
        await asyncio.sleep(faults.latency_s + state.rng.random() * faults.latency_jitter_s)
    if faults.p_429 and state.rng.random() < faults.p_429:
        headers = {} if faults.retry_after_s is None else {"Retry-After": str(faults.retry_after_s)}
        raise ApiError(429, "Too Many Requests", "Rate limit exceeded (injected)", headers)
    if faults.p_500 and state.rng.random() < faults.p_500:
        raise ApiError(500, "Internal Server Error", "Something went wrong (injected)")
    if any(path.startswith(prefix) for prefix in faults.unprocessable_paths):
        raise unprocessable(f"{path} cannot be processed (injected)")


def corrupt_page(state: DemoState, number: int, body: dict[str, Any], payload: bytes) -> bytes:
    """The list page as sent: `payload`, or a malformed version of it."""
    faults = state.faults
    if number in faults.malformed_pages:
        return payload[: len(payload) // 2]  # cut off mid-document: not JSON
    if faults.p_malformed and state.rng.random() < faults.p_malformed:
        return _malform(body, payload, state.rng)
    return payload


def _malform(body: dict[str, Any], payload: bytes, rng: random.Random) -> bytes:
    variant = rng.randrange(3)
    if variant == 0:
        return payload[: len(payload) // 2]
    broken = dict(body)
    broken.pop("meta" if variant == 1 else "data")
    return json.dumps(broken).encode()


def faults_json(faults: Faults) -> dict[str, Any]:
    data = asdict(faults)
    data["malformed_pages"] = sorted(faults.malformed_pages)
    data["unprocessable_paths"] = sorted(faults.unprocessable_paths)
    return data
