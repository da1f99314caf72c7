"""Runs component probes side by side, each bounded in time; a failure is reported, not raised."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from gluekb.models.health import ComponentHealth, HealthReport

# A probe returns facts worth showing (counts, versions) or raises when the component is unwell.
# A probe may also return {"components": {...}} to report several components at once.
Probe = Callable[[], Mapping[str, Any]]

_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="health")


def _run(probe: Probe) -> tuple[ComponentHealth, dict[str, ComponentHealth]]:
    started = time.perf_counter()
    try:
        facts = dict(probe())
    except Exception as exc:
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        return ComponentHealth(ok=False, latency_ms=elapsed, detail=_describe(exc)), {}
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    nested = facts.pop("components", None)
    children = (
        {name: ComponentHealth.model_validate(value) for name, value in nested.items()}
        if isinstance(nested, Mapping)
        else {}
    )
    ok = bool(facts.pop("ok", True)) and all(child.ok for child in children.values())
    return ComponentHealth(ok=ok, latency_ms=elapsed, **facts), children


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


def check_health(probes: Mapping[str, Probe], timeout_s: float = 3.0) -> HealthReport:
    futures = {name: _pool.submit(_run, probe) for name, probe in probes.items()}
    wait(futures.values(), timeout=timeout_s)
    components: dict[str, ComponentHealth] = {}
    for name, future in futures.items():
        if not future.done():
            components[name] = ComponentHealth(ok=False, detail=f"no answer within {timeout_s}s")
            continue
        own, children = future.result()
        components[name] = own
        components.update(children)
    return HealthReport.of(components)
