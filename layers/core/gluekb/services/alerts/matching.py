"""An alert's labels → the configuration (device) of the client it is about.

Monitoring names a target in many ways: `instance` (`10.10.10.13:9182`,
`http://acme-web01:8080/metrics`, `acme-dc01.acme.local:9182`), `host`, `hostname`, `ip`,
`nodename`, ... Candidates are read from the labels in a fixed order (addresses first, then host
names, then `job`/`service` as a last resort) and matched against the client's configurations:

1. exact identifiers: an IP any interface has, a hostname or name equal to the candidate (an
   FQDN's first label counts: `acme-dc01.acme.local` is `ACME-DC01`);
2. only then a partial name: the one configuration whose name ends with `-<candidate>`
   (`sql01` → `ACME-SQL01`), when exactly one does.

Nothing matching is an undocumented asset: the alert still makes a ticket, flagged so.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from gluekb.models.catalog import CatalogRecord
from gluekb.ports.catalog import CatalogReader

IP_LABELS = ("ip", "ip_address", "ipaddress", "address", "host_ip", "instance_ip")
HOST_LABELS = (
    "instance", "host", "hostname", "nodename", "node", "fqdn", "server", "device",
    "computer", "machine", "target", "exported_instance",
)  # fmt: skip
WEAK_LABELS = ("service", "job", "app")
ORGANIZATION_LABELS = ("organization", "organisation", "org", "client", "customer", "tenant")
_PORT = re.compile(r":\d{1,5}$")


@dataclass(frozen=True)
class Candidate:
    label: str
    value: str  # as sent
    normalised: str  # an IP, or a lower-case host name


@dataclass(frozen=True)
class AssetMatch:
    record: CatalogRecord | None
    matched_by: str | None  # "instance=10.10.10.13:9182 (IP 10.10.10.13)"
    identifier: str | None  # the candidate that named it (or the first one, unmatched)

    @property
    def documented(self) -> bool:
        return self.record is not None

    def asset_key(self, fallback: str) -> str:
        """What an incident is kept under: the record, else the identifier, else `fallback`."""
        if self.record is not None:
            return self.record.source_id
        return f"undocumented:{self.identifier or fallback}"


def normalise_host(value: str) -> str:
    """A label value as an IP or a bare lower-case host name: no scheme, path or port."""
    text = value.strip()
    if "://" in text:
        text = urlsplit(text).netloc or text
    text = text.split("/", 1)[0].rsplit("@", 1)[-1]
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:9100
        return text[1 : text.index("]")].lower()
    if text.count(":") == 1:
        text = _PORT.sub("", text)
    return text.strip(".").lower()


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def candidates(labels: dict[str, str]) -> list[Candidate]:
    """Identifiers in the labels, strongest first, each once."""
    found: list[Candidate] = []
    seen: set[str] = set()
    lowered = {k.lower(): v for k, v in labels.items() if v and v.strip()}
    for label in (*IP_LABELS, *HOST_LABELS, *WEAK_LABELS):
        value = lowered.get(label)
        if value is None:
            continue
        normalised = normalise_host(value)
        if normalised and normalised not in seen:
            seen.add(normalised)
            found.append(Candidate(label, value.strip(), normalised))
    return found


def organization_label(labels: dict[str, str]) -> str | None:
    lowered = {k.lower(): v.strip() for k, v in labels.items() if v and v.strip()}
    return next((lowered[k] for k in ORGANIZATION_LABELS if k in lowered), None)


@dataclass
class _Inventory:
    by_ip: dict[str, list[CatalogRecord]] = field(default_factory=dict)
    by_name: dict[str, list[CatalogRecord]] = field(default_factory=dict)
    records: list[CatalogRecord] = field(default_factory=list)

    @classmethod
    def of(cls, records: list[CatalogRecord]) -> _Inventory:
        inventory = cls(records=records)
        for record in records:
            for ip in record.identifiers.get("ip", []):
                inventory.by_ip.setdefault(ip.lower(), []).append(record)
            names = {record.name.lower(), *record.identifiers.get("hostname", [])}
            names |= {f.value.lower() for f in record.fields if f.name == "Hostname"}
            for name in names:
                inventory.by_name.setdefault(name.lower(), []).append(record)
        return inventory

    def exact(self, candidate: Candidate) -> tuple[CatalogRecord, str] | None:
        value = candidate.normalised
        if _is_ip(value):
            hits = self.by_ip.get(value, [])
            return (hits[0], f"IP {value}") if len(hits) == 1 else None
        for name in dict.fromkeys((value, value.split(".", 1)[0])):
            hits = self.by_name.get(name, [])
            if len(hits) == 1:
                return hits[0], f"hostname {hits[0].name}"
        return None

    def partial(self, candidate: Candidate) -> tuple[CatalogRecord, str] | None:
        token = candidate.normalised.split(".", 1)[0]
        if len(token) < 3 or _is_ip(candidate.normalised):
            return None
        hits = [r for r in self.records if r.name.lower().endswith(f"-{token}")]
        return (hits[0], f"name ending -{token.upper()}") if len(hits) == 1 else None


class AssetMatcher:
    """Matches labels against a client's configurations, read from the catalog at most every
    `ttl_s` per client (alerts come in bursts; the inventory changes on sync)."""

    def __init__(
        self,
        catalog: CatalogReader,
        ttl_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.catalog = catalog
        self.ttl_s = ttl_s
        self.clock = clock
        self._cache: dict[str, tuple[float, _Inventory]] = {}
        self._lock = threading.Lock()

    def _inventory(self, organization_id: str) -> _Inventory:
        with self._lock:
            cached = self._cache.get(organization_id)
            if cached is not None and cached[0] > self.clock():
                return cached[1]
        inventory = _Inventory.of(list(self.catalog.records_of(organization_id, "configurations")))
        with self._lock:
            self._cache[organization_id] = (self.clock() + self.ttl_s, inventory)
        return inventory

    def match(self, organization_id: str, labels: dict[str, str]) -> AssetMatch:
        found = candidates(labels)
        first = found[0].normalised if found else None
        if not found:
            return AssetMatch(None, None, None)
        inventory = self._inventory(organization_id)
        for way in (inventory.exact, inventory.partial):
            for candidate in found:
                hit = way(candidate)
                if hit is not None:
                    record, how = hit
                    return AssetMatch(record, f"{candidate.label}={candidate.value} ({how})", first)
        return AssetMatch(None, None, first)
