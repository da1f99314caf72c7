"""Builds the demo MSP tenant, and changes it step by step. Deterministic: one seeded
`random.Random` drives every choice, and records are visited in id order, so the same seed gives
the same tenant byte for byte, and the same step the same changes. (Evaluations are written
against this data: `tests/integration/test_demo_tenant.py` pins its sha256.)

Shape (seed independent): 7 client organizations from 5 to 452 configurations (1,093 in all),
each with a FortiGate at `10.<10*n>.0.1`, interfaces with private IPs and vendor MACs, servers of
which some run SQL Server, six flexible asset types whose Tag fields link assets to
configurations, contacts, passwords, documents, domains and locations, password metadata with the
values kept apart, 203 documents with HTML sections (headings, lists, steps, code blocks), most
of them filed in document folders (two levels deep in places), a main contact per organization,
locations and email domains. Then the documentation health report's seeds (`health_seeds`: SSL
certificates, two virtual machines; new records only, from their own random stream and id
blocks).

Modules, in the order a tenant is built: `generate` (the entry point), `builder` (ids, times,
record shapes), `lookups`, `organization` (one client: locations, domains, contacts, then
`configurations`, `passwords`, `documents` with their `sections`, `flexible_assets`, then
`folders`, which files documents and draws nothing), `health_seeds`, and `mutation` (one step
of change).
"""

from gluekb_dev.demo.generator.builder import GENERATED_AT, HISTORY_START, PORTAL, tag
from gluekb_dev.demo.generator.generate import DEFAULT_SEED, ID_BASES, generate_tenant
from gluekb_dev.demo.generator.lookups import FLEXIBLE_ASSET_TYPES, name_key
from gluekb_dev.demo.generator.mutation import MutationPlan, apply_mutation

__all__ = [
    "DEFAULT_SEED",
    "FLEXIBLE_ASSET_TYPES",
    "GENERATED_AT",
    "HISTORY_START",
    "ID_BASES",
    "PORTAL",
    "MutationPlan",
    "apply_mutation",
    "generate_tenant",
    "name_key",
    "tag",
]
