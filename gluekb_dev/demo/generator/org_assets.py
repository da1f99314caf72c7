"""`OrgAssets`: what the build of one organization has made so far, so that later steps can
point at it (a password at its firewall, a document at its SQL server, a Tag at both)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gluekb_dev.demo.records import Resource
from gluekb_dev.demo.vocabulary import OrgProfile


@dataclass
class OrgAssets:
    org: Resource
    profile: OrgProfile
    base: str  # the first two octets of its networks, "10.10"
    locations: list[Resource] = field(default_factory=list)
    domains: list[Resource] = field(default_factory=list)
    main_contact: Resource | None = None
    vendor_contacts: list[Resource] = field(default_factory=list)
    employees: list[Resource] = field(default_factory=list)
    firewalls: list[Resource] = field(default_factory=list)
    router: Resource | None = None
    switches: list[Resource] = field(default_factory=list)
    access_points: list[Resource] = field(default_factory=list)
    servers: dict[str, Resource] = field(default_factory=dict)  # role suffix -> config
    sql_servers: list[Resource] = field(default_factory=list)
    nas: Resource | None = None
    ups: Resource | None = None
    printers: list[Resource] = field(default_factory=list)
    endpoints: list[Resource] = field(default_factory=list)
    passwords: dict[str, Resource] = field(default_factory=dict)
    documents: dict[str, Resource] = field(default_factory=dict)

    @property
    def firewall(self) -> Resource:
        """The first firewall (`<SHORT>-FW01`), which every organization has."""
        return self.firewalls[0]

    @property
    def headquarters(self) -> Resource:
        return self.locations[0]
