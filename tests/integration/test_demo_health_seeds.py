"""The documentation health report's seeds in the demo tenant: new records only, from their
own random stream and id blocks, so the tenant without them is byte for byte the tenant every
evaluation was written against, and mutation steps change exactly what they changed before."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from gluekb_dev.demo.generator import MutationPlan, apply_mutation, generate_tenant
from gluekb_dev.demo.generator.health_seeds import CERTIFICATES, VIRTUAL_MACHINES, is_health_seed
from gluekb_dev.demo.records import Tenant

# sha256 of generate_tenant(42) before the seeds were added (what evaluations were written on).
TENANT_42_WITHOUT_SEEDS_SHA256 = "0c1a03772fbe372fa2da633f493084ff47b4d468e5c157b9cd19abe3d1394b28"
STEP_1_WITHOUT_SEEDS_SHA256 = "6e8ec478a3f05bfc5d8030356d9854450f76f6fd3a8829bb71bfc27ef2432662"


def without_seeds(tenant: Tenant) -> str:
    """The tenant's hash without its health seeds, and without the document folders that came
    after them (taken away as tests/integration/test_demo_tenant.py does, which pins that
    folders add nothing else): the tenant as it was before either."""
    data = tenant.to_json()
    data["records"].pop("document_folders")
    data["next_ids"].pop("document_folders")
    for document in data["records"]["documents"]:
        document["attributes"]["document-folder-id"] = None
    data["records"] = {
        kind: [r for r in members if not is_health_seed(r)]
        for kind, members in data["records"].items()
    }
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_seeds_are_new_records_and_change_nothing_else() -> None:
    # Given the demo tenant with its health seeds
    tenant = generate_tenant(42)
    seeds = [
        r for members in tenant.records.values() for r in members.values() if is_health_seed(r)
    ]
    # Then they are the certificates, their type and fields, the virtual machines, their
    # interfaces and type: 18 records
    kinds = sorted(r["type"] for r in seeds)
    assert len(seeds) == 6 + 1 + 6 + 2 + 2 + 1 == 18, kinds
    assert len(CERTIFICATES) == 6 and len(VIRTUAL_MACHINES) == 2
    # And without them the tenant is the one evaluations were written against, byte for byte
    assert without_seeds(tenant) == TENANT_42_WITHOUT_SEEDS_SHA256
    # And mutation step 1 changes exactly what it did, never a seed
    at = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    report = apply_mutation(tenant, step=1, at=at, plan=MutationPlan())
    assert without_seeds(tenant) == STEP_1_WITHOUT_SEEDS_SHA256
    changed = {
        i
        for kind in (report.created, report.updated, report.deleted)
        for ids in kind.values()
        for i in ids
    }
    assert not changed & {r["id"] for r in seeds}
