"""The catalog's ports: synced records and their relationships."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Literal, Protocol

from gluekb.models.catalog import CatalogRecord, Edge


class CatalogReader(Protocol):
    def get(self, source_id: str) -> CatalogRecord | None: ...

    def records_of(self, organization_id: str, resource_type: str) -> Iterator[CatalogRecord]: ...


class SyncCatalog(CatalogReader, Protocol):
    """What the sync reads and writes."""

    def records_of(
        self, organization_id: str, resource_type: str | None = None
    ) -> Iterator[CatalogRecord]:
        """An organization's records of one type, or all of them (a purge removes them all)."""

    def hashes_by_group(self, organization_id: str) -> dict[str, dict[str, str]]:
        """listing group -> source id -> content hash, for every record of the organization."""

    def put_many(self, records: Iterable[CatalogRecord]) -> None: ...

    def set_edges(self, source_id: str, edges: Iterable[Edge]) -> None:
        """Replace the record's outgoing edges (and their reverse entries)."""

    def delete(self, source_id: str) -> None:
        """Remove the record and its edges."""

    def documents_in_folders(self, organization_id: str) -> int:
        """How many of the organization's documents IT Glue files in a folder."""


class GraphReader(CatalogReader, Protocol):
    """Records and the relationship graph, read side (alert context, health report)."""

    def get_many(self, source_ids: Sequence[str]) -> dict[str, CatalogRecord]: ...

    def edges(
        self, source_id: str, direction: Literal["depends_on", "depended_on_by"]
    ) -> list[Edge]: ...

    def walk(
        self,
        source_id: str,
        direction: Literal["depends_on", "depended_on_by"],
        depth: int,
        kinds: Sequence[str] = ("depends_on", "related"),
    ) -> list[tuple[int, Edge]]:
        """(distance, edge) for everything within `depth` hops, breadth first."""
