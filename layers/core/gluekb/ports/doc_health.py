"""The documentation health report's ports: what it reads (the catalog, raw records) and where
each report is kept for the next one's trend."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Protocol

from gluekb.models.catalog import CatalogRecord, Edge
from gluekb.models.doc_health import HealthSnapshot
from gluekb.ports.raw_records import RawReader as RawReader  # its home is raw_records


class HealthCatalog(Protocol):
    def records_of(self, organization_id: str, resource_type: str) -> Iterator[CatalogRecord]: ...

    def hashes_by_group(self, organization_id: str) -> dict[str, dict[str, str]]:
        """listing group -> source id -> content hash: every record of the organization."""

    def get_many(self, source_ids: Sequence[str]) -> dict[str, CatalogRecord]: ...

    def edges(
        self, source_id: str, direction: Literal["depends_on", "depended_on_by"]
    ) -> list[Edge]: ...


class HealthSnapshots(Protocol):
    def latest(self, organization_id: str) -> HealthSnapshot | None: ...

    def save(self, snapshot: HealthSnapshot) -> None: ...
