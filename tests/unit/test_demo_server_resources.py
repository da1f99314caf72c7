"""The demo IT Glue server and the client agree on every resource: each `ResourceSpec` the client
holds (list path, show path, filters, required filters, `updated_since`) is answered by the demo
server as the client expects. The server derives its table from the client's; these tests drive
the real client through every entry of it, so a path or filter the server does not honour
fails here, not in a sync."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from gluekb.adapters.itglue import ALL_DOCUMENTS, DOCUMENTS, RESOURCES, ItGlueClient, ResourceSpec
from gluekb.adapters.rate_limit import Unlimited
from gluekb.errors import InvalidInput
from gluekb_dev.demo.server import DemoServerConfig, create_app
from gluekb_dev.demo.server.selection import filter_value
from gluekb_dev.demo.tenant import Resource, Tenant, TenantStore, parse_iso

T = TypeVar("T")
KEY = "ITG.resources-test-key"
SPECS = sorted(RESOURCES.values(), key=lambda spec: spec.name)


@pytest.fixture(scope="module")
def tenant(demo_tenant_dir: Path) -> Tenant:
    return TenantStore(demo_tenant_dir).load()


def run(tenant_dir: Path, scenario: Callable[[ItGlueClient], Awaitable[T]]) -> T:
    """`scenario` with a client on the demo app, in process."""
    app = create_app(tenant_dir, DemoServerConfig(api_key=KEY))

    async def main() -> T:
        transport = httpx.ASGITransport(app=app)
        async with ItGlueClient(
            "http://itglue.test", KEY, limiter=Unlimited(), transport=transport
        ) as client:
            return await scenario(client)

    return asyncio.run(main())


def scope(tenant: Tenant, spec: ResourceSpec[Any]) -> tuple[dict[str, str], list[Resource]]:
    """The path ids and required filters a list of `spec` needs (taken from its first record),
    and the records that list can answer."""
    first = tenant.all(spec.name)[0]
    arguments = {
        name: str(first["id"] if name == "id" else first["attributes"][name.replace("_", "-")])
        for name in (*spec.path_params, *sorted(spec.required_filters))
    }
    candidates = [
        record
        for record in tenant.all(spec.name)
        if all(filter_value(record, name) == value for name, value in arguments.items())
    ]
    if spec is DOCUMENTS:  # IT Glue lists root documents only unless asked for every one
        arguments["document_folder_id"] = ALL_DOCUMENTS
    return arguments, candidates


async def listed_ids(client: ItGlueClient, spec: ResourceSpec[Any], **kwargs: Any) -> set[str]:
    return {
        str(record.id) async for page in client.pages(spec, **kwargs) for record in page.records
    }


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_the_server_answers_every_list_path_of_the_client(
    demo_tenant_dir: Path, tenant: Tenant, spec: ResourceSpec[Any]
) -> None:
    # Given a resource type of the client's table, and the path ids and filters it requires
    arguments, candidates = scope(tenant, spec)

    # When the client lists it
    listed = run(demo_tenant_dir, lambda client: listed_ids(client, spec, **arguments))

    # Then the server answered its list path with exactly the records in that scope
    assert listed == {str(record["id"]) for record in candidates}
    assert listed


@pytest.mark.parametrize(
    "spec", [s for s in SPECS if s.show_path is not None], ids=lambda spec: spec.name
)
def test_the_server_answers_every_show_path_of_the_client(
    demo_tenant_dir: Path, tenant: Tenant, spec: ResourceSpec[Any]
) -> None:
    # Given a record of a type the client can show
    record_id = str(tenant.all(spec.name)[-1]["id"])

    # When the client asks for it by id, Then it gets that record
    shown = run(demo_tenant_dir, lambda client: client.record(spec, record_id))
    assert str(shown.record.id) == record_id


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.name)
def test_the_server_honours_every_filter_the_client_sends(
    demo_tenant_dir: Path, tenant: Tenant, spec: ResourceSpec[Any]
) -> None:
    # Given each filter the client may send for the type, with a value some record has
    arguments, candidates = scope(tenant, spec)
    checks: list[tuple[str, str, set[str]]] = []
    for name in sorted(spec.filters):
        values = [filter_value(record, name) for record in candidates]
        present = [value for value in values if value]
        if not present:
            continue  # the demo data leaves this attribute empty (e.g. region_id)
        value = present[len(present) // 2]
        wanted = {
            str(r["id"]) for r in candidates if filter_value(r, name).lower() == value.lower()
        }
        checks.append((name, value, wanted))

    # When the client lists the type with each filter
    async def scenario(client: ItGlueClient) -> list[set[str]]:
        return [
            await listed_ids(client, spec, **{**arguments, name: value})
            for name, value, _ in checks
        ]

    listed = run(demo_tenant_dir, scenario)

    # Then the server kept exactly the records with that value
    for (name, value, wanted), got in zip(checks, listed, strict=True):
        assert got == wanted, (spec.name, name, value)


def test_every_filter_of_the_client_is_checked_somewhere(tenant: Tenant) -> None:
    # Given the filters the test above skips because the demo data leaves them empty
    skipped = sorted(
        (spec.name, name)
        for spec in SPECS
        for name in spec.filters
        if not any(filter_value(record, name) for record in scope(tenant, spec)[1])
    )
    # Then they are these few known ones, and every other filter is checked
    assert skipped == [
        ("locations", "country_id"),
        ("locations", "region_id"),
    ]
    assert sum(len(spec.filters) for spec in SPECS) - len(skipped) >= 50


@pytest.mark.parametrize(
    "spec", [s for s in SPECS if s.supports_updated_since], ids=lambda spec: spec.name
)
def test_updated_since_is_honoured_where_the_client_sends_it(
    demo_tenant_dir: Path, tenant: Tenant, spec: ResourceSpec[Any]
) -> None:
    # Given a moment about half of the type's records were updated after
    arguments, candidates = scope(tenant, spec)
    moments = sorted(parse_iso(r["attributes"]["updated-at"]) for r in candidates)
    since = moments[len(moments) // 2]

    # When the client lists the records changed since then
    listed = run(
        demo_tenant_dir, lambda client: listed_ids(client, spec, updated_since=since, **arguments)
    )

    # Then the server answered exactly those
    wanted = {str(r["id"]) for r in candidates if parse_iso(r["attributes"]["updated-at"]) >= since}
    assert listed == wanted
    assert 0 < len(wanted) < len(candidates)


@pytest.mark.parametrize(
    "spec", [s for s in SPECS if not s.supports_updated_since], ids=lambda spec: spec.name
)
def test_updated_since_is_ignored_where_the_client_cannot_send_it(
    demo_tenant_dir: Path, tenant: Tenant, spec: ResourceSpec[Any]
) -> None:
    # Given a type IT Glue cannot filter by updated_at
    arguments, candidates = scope(tenant, spec)
    since = parse_iso("2100-01-01T00:00:00Z")

    # When the client is asked to, Then it refuses before sending anything
    with pytest.raises(InvalidInput):
        run(demo_tenant_dir, lambda client: listed_ids(client, spec, updated_since=since))

    # When the filter is sent anyway, Then the server ignores it, as IT Glue would
    path = spec.list_path.format(**arguments)
    params = {f"filter[{k}]": v for k, v in arguments.items() if k not in spec.path_params}
    params |= {"filter[updated_at]": "2100-01-01T00:00:00Z,*", "page[size]": "1000"}
    body = run(demo_tenant_dir, lambda client: client.get(path, params))
    assert len(body["data"]) == len(candidates)
