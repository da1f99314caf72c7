"""Which organization a sender belongs to, from what IT Glue knows: contacts' email addresses,
then the organization's domains.

1. an exact contact address that belongs to one organization;
2. the sender's domain (or a parent of it: mail.acme.com -> acme.com) when exactly one
   organization has it as an IT Glue domain, or when two or more contacts of exactly one
   organization use it (free-mail providers never count);
3. otherwise nobody: the ticket is `unassigned` and a technician assigns it.

A domain or address claimed by several organizations matches none of them: a ticket is never
filed under an organization it might not belong to. The map is rebuilt every `ttl_s` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from gluekb.ports.catalog import CatalogReader
from gluekb.ports.state import OrganizationSource

# Providers whose domain says nothing about an employer.
FREE_MAIL = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
        "protonmail.com", "gmx.com", "gmx.net", "gmx.de", "web.de", "mail.com", "zoho.com",
        "yandex.com", "fastmail.com", "hey.com", "comcast.net", "verizon.net", "att.net",
    }
)  # fmt: skip


@dataclass
class SenderDirectory:
    addresses: dict[str, set[str]] = field(default_factory=dict)  # email -> organizations
    domains: dict[str, set[str]] = field(default_factory=dict)  # domain -> organizations

    def match(self, email: str) -> str | None:
        address = email.strip().lower()
        owners = self.addresses.get(address, set())
        if len(owners) == 1:
            return next(iter(owners))
        if owners:
            return None  # an address several organizations list: ambiguous
        domain = address.rpartition("@")[2]
        labels = domain.split(".")
        for start in range(len(labels) - 1):
            candidate = ".".join(labels[start:])
            owners = self.domains.get(candidate, set())
            if owners:
                return next(iter(owners)) if len(owners) == 1 else None
        return None


def build_directory(state: OrganizationSource, catalog: CatalogReader) -> SenderDirectory:
    directory = SenderDirectory()
    for organization in state.organizations():
        org = organization.id
        contact_domains: dict[str, int] = {}
        for contact in catalog.records_of(org, "contacts"):
            for email in contact.identifiers.get("email", []):
                address = email.strip().lower()
                if "@" not in address:
                    continue
                directory.addresses.setdefault(address, set()).add(org)
                domain = address.rpartition("@")[2]
                contact_domains[domain] = contact_domains.get(domain, 0) + 1
        for record in catalog.records_of(org, "domains"):
            for name in record.identifiers.get("domain", []) or [record.name]:
                domain = name.strip().lower().rstrip(".")
                if domain and domain not in FREE_MAIL:
                    directory.domains.setdefault(domain, set()).add(org)
        for domain, contacts in contact_domains.items():
            if contacts >= 2 and domain not in FREE_MAIL:
                directory.domains.setdefault(domain, set()).add(org)
    return directory


class OrganizationMatcher:
    """A cached `SenderDirectory` (thread-safe), rebuilt when older than `ttl_s`."""

    def __init__(
        self,
        state: OrganizationSource,
        catalog: CatalogReader,
        ttl_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = state
        self.catalog = catalog
        self.ttl_s = ttl_s
        self.clock = clock
        self._directory: SenderDirectory | None = None
        self._built_at = 0.0
        self._lock = threading.Lock()

    def directory(self) -> SenderDirectory:
        with self._lock:
            now = self.clock()
            if self._directory is None or now - self._built_at > self.ttl_s:
                self._directory = build_directory(self.state, self.catalog)
                self._built_at = now
            return self._directory

    def match(self, email: str | None) -> str | None:
        return self.directory().match(email) if email else None
