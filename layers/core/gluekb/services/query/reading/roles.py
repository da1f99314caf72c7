"""The kinds of things technicians name instead of hostnames: "the firewall", "the sql box",
"the backup server", "guest wifi", "the Chicago office", "the main contact".

A role says which records may be meant (resource types, type labels, hostname tokens such as
`DC01`, words in the record's notes) and which search types to look in. Roles are matched on
the question's terms (abbreviations already expanded), longest phrase first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gluekb.models.catalog import CatalogRecord
from gluekb.services.query.reading.language import phrase_in


@dataclass(frozen=True)
class Role:
    name: str
    phrases: tuple[tuple[str, ...], ...]
    resource_types: tuple[str, ...]
    labels: tuple[str, ...] = ()  # type-label substrings (lower case)
    hostname: str | None = None  # a regex on the record name's last part (e.g. r"dc\d+")
    notes: tuple[str, ...] = ()  # phrases in the record's own text (lower case)
    fields: tuple[tuple[str, str], ...] = ()  # (field name prefix, value substring), lower case

    def score(self, record: CatalogRecord, text: str) -> float:
        """1.0 when the record is plainly this kind of thing, 0.6 when only its text says so,
        0 when it is not."""
        if record.resource_type not in self.resource_types:
            return 0.0
        if not (self.labels or self.hostname or self.notes or self.fields):
            return 1.0
        label = (record.type_label or "").lower()
        strong = any(part in label for part in self.labels)
        if self.hostname and re.search(rf"(^|[-_. ]){self.hostname}$", record.name.lower()):
            strong = True
        if strong:
            return 1.0
        lowered = text.lower()
        if any(phrase in lowered for phrase in self.notes):
            return 0.8
        for prefix, value in self.fields:
            if any(
                f.name.lower().startswith(prefix) and value in f.value.lower()
                for f in record.fields
            ):
                return 0.8
        return 0.0


def _p(*phrases: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split()) for p in phrases)


CONFIG = ("configurations",)
ASSET = ("flexible_assets",)

ROLES: tuple[Role, ...] = (
    Role("firewall", _p("firewall", "fortigate", "fortinet"), CONFIG,
         ("firewall",), r"fw\d*"),
    Role("router", _p("router"), CONFIG, ("router",), r"rtr\d*"),
    Role("switch", _p("switch", "network switch"), CONFIG,
         ("switch",), r"sw\d*"),
    Role("access point", _p("access point", "wireless access point", "meraki", "unifi ap"),
         CONFIG, ("access point",), r"ap\d*"),
    Role("domain controller", _p("domain controller", "active directory server",
                                 "active directory"), CONFIG, (), r"dc\d*",
         ("domain controller",)),
    Role("sql server", _p("sql server", "sql", "database server", "database", "sql instance"),
         CONFIG, (), r"sql\d*", ("sql server",)),
    Role("file server", _p("file server", "file share", "fileserver"), CONFIG, (), r"fs\d*",
         ("file server",)),
    Role("backup server", _p("backup server", "veeam server"), CONFIG, (), r"bkp\d*",
         ("backup server",)),
    Role("mail server", _p("mail server", "email server", "exchange server", "exchange"),
         CONFIG, (), r"exch\d*", ("exchange",)),
    Role("print server", _p("print server"), CONFIG, (), r"print\d*", ("print server",)),
    Role("remote desktop", _p("remote desktop", "remote desktop server",
                              "remote desktop session host", "terminal server"), CONFIG, (),
         r"rds\d*", ("remote desktop",)),
    Role("hyper-v host", _p("hyper-v", "hyper-v server", "virtualization server"), CONFIG, (),
         r"hv\d*", ("hyper-v",)),
    Role("wsus", _p("wsus", "patch server", "wsus server"), CONFIG, (), r"wsus\d*", ("wsus",)),
    Role("monitoring", _p("monitoring server", "monitoring", "rmm probe", "syslog server"),
         CONFIG, (), r"mon\d*", ("monitoring",)),
    Role("certificate authority", _p("certificate authority", "ca server", "pki"), CONFIG, (),
         r"ca\d*", ("certificate authority",)),
    Role("dev server", _p("dev server", "development server", "test server"), CONFIG, (),
         r"dev\d*", ("development",)),
    Role("app server", _p("app server", "application server"), CONFIG, (), r"app\d*",
         ("application server",)),
    Role("server", _p("server"), CONFIG, ("server",)),
    Role("nas", _p("nas", "storage", "synology"), CONFIG, ("nas",), r"nas\d*"),
    Role("ups", _p("ups", "battery backup", "battery"), CONFIG, ("ups",), r"ups\d*"),
    Role("printer", _p("printer", "laserjet"), CONFIG, ("printer",), r"prn\d*"),
    Role("laptop", _p("laptop"), CONFIG, ("laptop",), r"lt\d*"),
    Role("workstation", _p("workstation"), CONFIG, ("workstation",), r"ws\d*"),
    Role("device", _p("device", "configuration", "asset", "machine", "hardware"), CONFIG),
    Role("wireless", _p("wireless", "wireless network", "ssid"), ASSET, ("wireless",)),
    Role("network", _p("network", "subnet", "vlan", "lan"), ASSET, ("network",)),
    Role("internet", _p("internet", "internet provider", "provider", "circuit", "wan",
                        "internet circuit", "internet connection", "fiber", "uplink", "line",
                        "pipe", "connection", "isp line"), ASSET,
         ("internet",)),
    Role("email", _p("email", "email system", "email platform", "mail system", "mailbox",
                     "tenant", "webmail"), ASSET,
         ("email",)),
    Role("backup", _p("backup", "backup job", "veeam", "backup software"), ASSET, ("backup",)),
    Role("application", _p("application", "app", "line of business", "lob", "erp",
                           "software", "line-of-business"), ASSET, ("line-of-business",)),
    Role("main contact", _p("main contact", "primary contact", "key contact",
                            "point of contact", "poc", "main person"), ("contacts",),
         ("primary contact",), fields=(("important", "yes"),)),
    Role("billing contact", _p("billing contact", "billing", "accounts payable"),
         ("contacts",), ("billing",)),
    Role("approver", _p("approver", "who approve", "approval"), ("contacts",), ("approver",)),
    Role("vendor contact", _p("vendor contact", "vendor"), ("contacts",), ("vendor",)),
    Role("contact", _p("contact", "person", "employee", "staff", "user"), ("contacts",)),
    Role("location", _p("location", "office", "site", "branch", "building", "shop", "store",
                        "plant", "warehouse", "facility", "clinic", "campus", "factory"),
         ("locations",)),
    Role("domain", _p("domain", "domain name", "website domain", "dns zone"), ("domains",)),
    Role("password", _p("password", "credentials", "username", "account", "service account",
                        "admin account", "pre shared key"), ("passwords",)),
    Role("document", _p("document", "doc", "runbook", "article", "kb", "procedure",
                        "checklist", "guide", "sop", "policy", "plan"), ("documents",)),
    Role("organization", _p("organization", "client", "customer", "company", "business"),
         ("organizations",)),
)  # fmt: skip

# Which roles mean a configuration when the question says "server" in passing ("sql box").
_BY_PHRASE = sorted(
    ((phrase, role) for role in ROLES for phrase in role.phrases),
    key=lambda item: -len(item[0]),
)


def roles_in(terms: list[str]) -> list[tuple[Role, tuple[int, int]]]:
    """The roles a question names, each with the span of terms it used (longest first, no
    overlaps)."""
    taken: set[int] = set()
    found: list[tuple[Role, tuple[int, int]]] = []
    for phrase, role in _BY_PHRASE:
        start = phrase_in(phrase, terms)
        while start >= 0:
            span = set(range(start, start + len(phrase)))
            if not span & taken:
                taken |= span
                found.append((role, (start, start + len(phrase))))
                break
            following = phrase_in(phrase, terms[start + 1 :])
            start = start + 1 + following if following >= 0 else -1
    return sorted(found, key=lambda item: item[1][0])
