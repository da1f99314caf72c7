"""Health report shared by the API's GET /health, the worker and the local stack."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class ComponentHealth(BaseModel):
    model_config = ConfigDict(extra="allow")

    ok: bool
    latency_ms: float | None = None
    detail: str | None = None


class HealthReport(BaseModel):
    status: Literal["ok", "degraded"]
    components: dict[str, ComponentHealth]

    @classmethod
    def of(cls, components: dict[str, ComponentHealth]) -> HealthReport:
        status: Literal["ok", "degraded"] = (
            "ok" if all(c.ok for c in components.values()) else "degraded"
        )
        return cls(status=status, components=dict(sorted(components.items())))

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)
