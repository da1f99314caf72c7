"""`generate_tenant(seed)`: the lookups, then each organization of `vocabulary.ORGANIZATIONS` in
order, from one `random.Random(seed)`."""

from __future__ import annotations

import random

from gluekb_dev.demo import vocabulary
from gluekb_dev.demo.generator.builder import GENERATED_AT, RecordBuilder
from gluekb_dev.demo.generator.health_seeds import add_health_seeds
from gluekb_dev.demo.generator.lookups import build_lookups
from gluekb_dev.demo.generator.organization import build_organization
from gluekb_dev.demo.records import JSONAPI_TYPES, Tenant, parse_iso

DEFAULT_SEED = 42

ID_BASES: dict[str, int] = {
    "organizations": 1001,
    "configuration_types": 101,
    "configuration_statuses": 201,
    "manufacturers": 301,
    "models": 401,
    "operating_systems": 601,
    "configurations": 200001,
    "configuration_interfaces": 500001,
    "flexible_asset_types": 31,
    "flexible_asset_fields": 3101,
    "flexible_assets": 700001,
    "passwords": 800001,
    "documents": 900001,
    "document_sections": 1000001,
    "document_folders": 60001,
    "contacts": 300001,
    "locations": 40001,
    "domains": 50001,
    "related_items": 2000001,
}


def generate_tenant(seed: int = DEFAULT_SEED) -> Tenant:
    """The demo tenant for `seed`. Same seed, same tenant (compare `Tenant.dumps()`)."""
    tenant = Tenant(
        seed=seed,
        step=0,
        clock=GENERATED_AT,
        records={resource_type: {} for resource_type in JSONAPI_TYPES},
        secrets={},
        next_ids=dict(ID_BASES),
    )
    builder = RecordBuilder(tenant, random.Random(seed), GENERATED_AT)
    build_lookups(builder)
    for index, profile in enumerate(vocabulary.ORGANIZATIONS):
        build_organization(builder, index, profile)
    add_health_seeds(tenant, seed)
    tenant.clock = max(
        parse_iso(record["attributes"]["updated-at"])
        for records in tenant.records.values()
        for record in records.values()
    )
    return tenant
