"""The IT Glue client against the demo IT Glue app, in process (ASGI transport: no network).

Pagination from meta, filters refused or caught when IT Glue would ignore them, Retry-After and
backoff, bounded retries, one clear error for a bad key, IT Glue's detail surfaced, malformed
pages reported by number, and secrets kept out of logs."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from gluekb.adapters.itglue import (
    ALL_DOCUMENTS,
    CONFIGURATIONS,
    FilterIgnored,
    ItGlueAuthError,
    ItGlueClient,
    MalformedPage,
    format_updated_since,
    parse_retry_after,
)
from gluekb.adapters.rate_limit import Unlimited
from gluekb.errors import InvalidInput, NotFound, RateLimited, UpstreamError
from gluekb_dev.demo.server import DemoServerConfig, DemoState, Faults, create_app
from gluekb_dev.demo.tenant import Tenant, TenantStore, parse_iso

T = TypeVar("T")
BASE = "http://itglue.test"
KEY = "ITG.unit-test-key-4242"


class Harness:
    """The demo app in process, a client on it, and the sleeps the client asked for."""

    def __init__(self, tenant_dir: Path, config: DemoServerConfig, **client_args: Any) -> None:
        self.app = create_app(tenant_dir, config)
        self.sleeps: list[float] = []
        self.client_args: dict[str, Any] = {
            "max_retries": 3,
            "page_size": 100,
            "rng": random.Random(7),
        }
        self.client_args.update(client_args)

    @property
    def state(self) -> DemoState:
        state: DemoState = self.app.state.demo
        return state

    @property
    def requests(self) -> int:
        return len(self.state.log.all())

    async def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, api_key: str = KEY) -> ItGlueClient:
        return ItGlueClient(
            BASE,
            api_key,
            limiter=Unlimited(),
            transport=httpx.ASGITransport(app=self.app),
            sleep=self._sleep,
            **self.client_args,
        )

    def run(self, scenario: Callable[[ItGlueClient], Awaitable[T]], api_key: str = KEY) -> T:
        async def main() -> T:
            async with self.client(api_key) as client:
                return await scenario(client)

        return asyncio.run(main())


def harness(tenant_dir: Path, faults: Faults | None = None, **config: Any) -> Harness:
    client_args = config.pop("client_args", {})
    server = DemoServerConfig(api_key=KEY, faults=faults or Faults(), **config)
    return Harness(tenant_dir, server, **client_args)


@pytest.fixture(scope="module")
def tenant(demo_tenant_dir: Path) -> Tenant:
    return TenantStore(demo_tenant_dir).load()


def ids_of(tenant: Tenant, resource_type: str, org_name: str) -> set[str]:
    org_id = tenant.organization_named(org_name)["id"]
    return {r["id"] for r in tenant.of_organization(resource_type, org_id)}


# --------------------------------------------------------------------------- pagination
def test_pages_follow_meta_until_next_page_is_null(demo_tenant_dir: Path, tenant: Tenant) -> None:
    # Given Acme Corp's 452 configurations, fetched 100 to a page
    h = harness(demo_tenant_dir)
    acme = tenant.organization_named("Acme Corp")["id"]

    async def walk(client: ItGlueClient) -> list[Any]:
        return [page async for page in client.pages("configurations", organization_id=acme)]

    # When the client walks the pages
    pages = asyncio.run(_with(h, walk))

    # Then it made one request per page, numbered from meta, and got every record once
    assert [p.number for p in pages] == [1, 2, 3, 4, 5]
    assert [p.next_page for p in pages] == [2, 3, 4, 5, None]
    assert {p.total_count for p in pages} == {452} and {p.total_pages for p in pages} == {5}
    ids = [r.id for p in pages for r in p.records]
    assert len(ids) == len(set(ids)) == 452
    assert set(ids) == ids_of(tenant, "configurations", "Acme Corp")
    assert h.requests == 5


def test_a_walk_can_start_at_any_page(demo_tenant_dir: Path, tenant: Tenant) -> None:
    h = harness(demo_tenant_dir)
    acme = tenant.organization_named("Acme Corp")["id"]

    async def walk(client: ItGlueClient) -> list[int]:
        return [
            p.number async for p in client.pages(CONFIGURATIONS, organization_id=acme, start_page=4)
        ]

    assert asyncio.run(_with(h, walk)) == [4, 5]


def test_typed_helpers_return_typed_records(demo_tenant_dir: Path, tenant: Tenant) -> None:
    h = harness(demo_tenant_dir)
    facts = tenant.facts_for("Acme Corp")

    async def scenario(client: ItGlueClient) -> dict[str, Any]:
        types = {t.name: t for t in await client.flexible_asset_types()}
        lob = types["Line-of-Business App"]
        fields = await client.flexible_asset_fields(lob.id)
        apps = [a async for a in client.flexible_assets(lob.id, organization_id=facts.id)]
        interfaces = await client.configuration_interfaces(facts.firewall_id)
        docs = [d async for d in client.documents(facts.id, document_folder_id=ALL_DOCUMENTS)]
        root = [d async for d in client.documents(facts.id)]
        sections = await client.document_sections(docs[0].id)
        contacts = [c async for c in client.contacts(facts.id)]
        domains = [d async for d in client.domains(facts.id)]
        locations = [loc async for loc in client.locations(facts.id)]
        return {
            "fields": [f.name_key for f in fields],
            "apps": apps,
            "interfaces": interfaces,
            "docs": docs,
            "root": root,
            "sections": sections,
            "contacts": contacts,
            "domains": [d.name for d in domains],
            "locations": locations,
        }

    got = h.run(scenario)
    assert got["fields"][:3] == ["application-name", "vendor", "version"]
    epicor = next(a for a in got["apps"] if a.name == "Epicor Kinetic ERP")
    database = epicor.tag_traits()["database-server"].values
    assert [v.id for v in database] == [facts.sql_server_ids[0]]
    assert any(i.primary and i.ip_address == facts.firewall_ip for i in got["interfaces"])
    assert len(got["docs"]) == 70
    # IT Glue lists only root documents unless asked for every one (issue 14)
    assert 0 < len(got["root"]) < 70
    assert all(d.document_folder_id is None for d in got["root"])
    assert any(d.document_folder_id is not None for d in got["docs"])
    assert [s.sort for s in got["sections"]] == sorted(s.sort for s in got["sections"])
    assert got["sections"][0].section_type == "Document::Heading"
    main = [c for c in got["contacts"] if c.contact_type_name == "Primary Contact"]
    assert [c.id for c in main] == [facts.main_contact_id] and main[0].important
    assert "acmecorp.com" in got["domains"]
    assert sum(1 for loc in got["locations"] if loc.primary) == 1


# --------------------------------------------------------------------------- filters
def test_a_filter_it_glue_does_not_know_is_refused_before_sending(demo_tenant_dir: Path) -> None:
    # Given a typo'd filter that IT Glue would silently ignore (returning every record)
    h = harness(demo_tenant_dir)
    # When the client is asked to use it, Then it refuses without a request
    with pytest.raises(InvalidInput, match="organisation_id"):
        h.run(lambda c: c.page("configurations", organisation_id="1001"))
    assert h.requests == 0


def test_flexible_assets_need_their_type_and_the_client_says_so(demo_tenant_dir: Path) -> None:
    h = harness(demo_tenant_dir)
    with pytest.raises(InvalidInput, match=r"filter\[flexible_asset_type_id\]"):
        h.run(lambda c: c.page("flexible_assets", organization_id="1001"))
    assert h.requests == 0


def test_it_glue_ignores_an_unknown_filter_and_returns_everything(
    demo_tenant_dir: Path, tenant: Tenant
) -> None:
    # Given the raw API, and a filter key IT Glue does not have
    h = harness(demo_tenant_dir)

    async def scenario(client: ItGlueClient) -> tuple[int, int]:
        typo = await client.get("/configurations", {"filter[organisation_id]": 1001})
        real = await client.get("/configurations", {"filter[organization_id]": 1001})
        return typo["meta"]["total-count"], real["meta"]["total-count"]

    # When both are sent
    typo, real = h.run(scenario)
    # Then the unknown key narrowed nothing: that is why the client refuses unknown keys
    assert typo == len(tenant.all("configurations"))
    assert real == len(ids_of(tenant, "configurations", "Acme Corp"))


def test_an_ignored_updated_since_filter_is_caught_on_the_page(demo_tenant_dir: Path) -> None:
    # Given an IT Glue that ignores filter[updated_at] on configurations
    h = harness(demo_tenant_dir, ignore_updated_at_for=frozenset({"configurations"}))
    since = datetime(2026, 5, 1, tzinfo=UTC)

    async def scenario(client: ItGlueClient) -> None:
        async for _ in client.pages("configurations", organization_id="1001", updated_since=since):
            pass

    # When an incremental walk runs, Then the first page gives it away
    with pytest.raises(FilterIgnored) as caught:
        h.run(scenario)
    assert caught.value.filter_name == "updated_at"


def test_total_count_shows_whether_an_incremental_filter_narrowed(
    demo_tenant_dir: Path, tenant: Tenant
) -> None:
    since = datetime(2026, 5, 1, tzinfo=UTC)
    expected = sum(
        1
        for r in tenant.of_organization("configurations", "1001")
        if parse_iso(r["attributes"]["updated-at"]) >= since
    )

    honest = harness(demo_tenant_dir).run(
        lambda c: c.check_incremental("configurations", updated_since=since, organization_id="1001")
    )
    ignoring = harness(demo_tenant_dir, ignore_updated_at_for=frozenset({"configurations"})).run(
        lambda c: c.check_incremental("configurations", updated_since=since, organization_id="1001")
    )

    assert honest.narrowed and honest.filtered_count == expected < honest.total_count == 452
    assert not ignoring.narrowed and ignoring.filtered_count == ignoring.total_count == 452


def test_updated_since_is_rfc3339_utc_with_an_open_end() -> None:
    from datetime import timedelta, timezone

    moment = datetime(2026, 8, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert format_updated_since(moment) == "2026-08-01T00:00:00Z,*"
    with pytest.raises(InvalidInput):
        format_updated_since(datetime(2026, 8, 1))


# --------------------------------------------------------------------------- errors
def test_it_glue_detail_is_surfaced_on_422(demo_tenant_dir: Path) -> None:
    # Given a date range with a wildcard start, which IT Glue rejects
    h = harness(demo_tenant_dir)
    with pytest.raises(InvalidInput) as caught:
        h.run(lambda c: c.get("/configurations", {"filter[updated_at]": "*,2026-01-01T00:00:00Z"}))
    # Then the error carries IT Glue's own words, and nothing was retried
    assert "start date cannot be a wildcard" in caught.value.message
    assert "wildcard" in str(caught.value.details["detail"])
    assert h.requests == 1


def test_a_bad_api_key_is_one_clear_error_and_one_request(demo_tenant_dir: Path) -> None:
    # Given a key IT Glue does not know
    h = harness(demo_tenant_dir)
    bad_key = "ITG.wrong-key-9999"

    async def walk(client: ItGlueClient) -> None:
        async for _ in client.pages("organizations"):
            pass

    # When a walk starts, Then it fails at once, says why, and never repeats the key
    with pytest.raises(ItGlueAuthError) as caught:
        h.run(walk, api_key=bad_key)
    assert "rejected the API key" in caught.value.message
    assert bad_key not in caught.value.message
    assert h.requests == 1


def test_a_missing_record_is_not_found(demo_tenant_dir: Path) -> None:
    with pytest.raises(NotFound):
        harness(demo_tenant_dir).run(lambda c: c.record("configurations", "1"))


def test_ids_in_paths_must_be_ids(demo_tenant_dir: Path) -> None:
    h = harness(demo_tenant_dir)
    with pytest.raises(InvalidInput):
        h.run(lambda c: c.record("configurations", "../organizations"))
    assert h.requests == 0


# --------------------------------------------------------------------------- retries
def test_retry_after_is_honoured_then_the_attempts_run_out(demo_tenant_dir: Path) -> None:
    # Given an IT Glue that answers every request with 429 and Retry-After: 7
    h = harness(demo_tenant_dir, Faults(p_429=1.0, retry_after_s=7, seed=1))
    # When a page is asked for, Then the client waits exactly 7 s between its 4 attempts
    with pytest.raises(RateLimited) as caught:
        h.run(lambda c: c.page("organizations"))
    assert h.sleeps == [7.0, 7.0, 7.0]
    assert h.requests == 4
    assert caught.value.retry_after_s == 7.0


def test_a_long_retry_after_is_handed_back_instead_of_slept(demo_tenant_dir: Path) -> None:
    h = harness(
        demo_tenant_dir,
        Faults(p_429=1.0, retry_after_s=600, seed=1),
        client_args={"max_retry_after_s": 60.0},
    )
    with pytest.raises(RateLimited) as caught:
        h.run(lambda c: c.page("organizations"))
    assert caught.value.retry_after_s == 600 and h.sleeps == [] and h.requests == 1


def test_without_retry_after_the_backoff_is_exponential_with_jitter(demo_tenant_dir: Path) -> None:
    h = harness(
        demo_tenant_dir,
        Faults(p_500=1.0, seed=1),
        client_args={"max_retries": 4, "backoff_base_s": 1.0, "backoff_max_s": 5.0},
    )
    with pytest.raises(UpstreamError) as caught:
        h.run(lambda c: c.page("organizations"))
    assert "injected" in caught.value.message  # IT Glue's detail, even after retries
    assert len(h.sleeps) == 4 and h.requests == 5
    for attempt, slept in enumerate(h.sleeps):
        assert 0 <= slept <= min(5.0, 2**attempt)
    assert len(set(h.sleeps)) == 4  # jittered, not synchronised


def test_thirty_percent_429s_still_deliver_every_record(
    demo_tenant_dir: Path, tenant: Tenant
) -> None:
    # Given an IT Glue that throttles 30% of requests (Retry-After: 0)
    h = harness(
        demo_tenant_dir,
        Faults(p_429=0.3, retry_after_s=0, seed=3),
        client_args={"max_retries": 8},
    )

    async def everything(client: ItGlueClient) -> tuple[int, Any]:
        count = 0
        async for page in client.pages("configurations"):
            count += len(page.records)
        return count, client.stats

    # When every configuration is fetched
    count, stats = h.run(everything)
    # Then all of them arrive, and the summary counts the throttling
    assert count == len(tenant.all("configurations"))
    assert stats.rate_limited > 0 and stats.retries == stats.rate_limited
    assert stats.requests == h.requests == 11 + stats.retries


def test_transport_errors_are_retried_then_reported() -> None:
    attempts: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def scenario() -> None:
        async with ItGlueClient(
            BASE,
            KEY,
            limiter=Unlimited(),
            transport=httpx.MockTransport(refuse),
            max_retries=2,
            sleep=sleep,
        ) as client:
            await client.page("organizations")

    with pytest.raises(UpstreamError, match="unreachable"):
        asyncio.run(scenario())
    assert len(attempts) == 3 and len(sleeps) == 2


# --------------------------------------------------------------------------- malformed pages
def test_a_malformed_page_is_reported_by_number_and_the_walk_can_resume(
    demo_tenant_dir: Path, tenant: Tenant
) -> None:
    # Given an IT Glue whose page 2 is cut off mid-document
    h = harness(demo_tenant_dir, Faults(malformed_pages=frozenset({2})))
    acme = tenant.organization_named("Acme Corp")["id"]
    seen: list[str] = []

    async def walk(client: ItGlueClient, start: int) -> None:
        async for page in client.pages("configurations", organization_id=acme, start_page=start):
            seen.extend(r.id for r in page.records)

    async def scenario(client: ItGlueClient) -> MalformedPage:
        try:
            await walk(client, 1)
        except MalformedPage as exc:
            await walk(client, exc.page_number + 1)  # log it, carry on with the rest
            return exc
        raise AssertionError("page 2 was not reported")

    # When the walk meets it
    bad = h.run(scenario)
    # Then it knows which page and how many there are, and the rest still arrives
    assert (bad.page_number, bad.total_pages, bad.reason) == (2, 5, "invalid JSON")
    assert len(seen) == 452 - 100
    assert h.requests == 5


def test_pages_without_data_or_meta_are_malformed(demo_tenant_dir: Path) -> None:
    h = harness(demo_tenant_dir, Faults(p_malformed=1.0, seed=11))
    reasons = set()
    for _ in range(6):
        with pytest.raises(MalformedPage) as caught:
            h.run(lambda c: c.page("organizations"))
        reasons.add(caught.value.reason.split(" ")[0])
    assert h.requests == 6  # a malformed page is not retried
    assert len(reasons) >= 2


# --------------------------------------------------------------------------- records, passwords
def test_a_record_comes_with_its_related_items(demo_tenant_dir: Path, tenant: Tenant) -> None:
    facts = tenant.facts_for("Acme Corp")
    sql = facts.sql_server_ids[0]
    got = harness(demo_tenant_dir).run(lambda c: c.record("configurations", sql))
    assert got.record.id == sql
    kinds = {(i.destination_type, i.destination_name) for i in got.related_items}
    assert ("Flexible Asset", "Epicor Kinetic ERP") in kinds
    assert any(kind == "Document" for kind, _ in kinds)


def test_password_metadata_is_asked_for_without_the_value(
    demo_tenant_dir: Path, tenant: Tenant
) -> None:
    # Given an IT Glue that reveals passwords unless told not to (as the real one does)
    h = harness(demo_tenant_dir, show_password_by_default=True)
    password_id = tenant.all("passwords")[0]["id"]
    secret = tenant.secrets[password_id]

    async def scenario(client: ItGlueClient) -> tuple[Any, Any]:
        return await client.password(password_id), await client.record("passwords", password_id)

    metadata, record = h.run(scenario)
    assert metadata.name and secret not in repr(metadata) and secret not in repr(record)
    assert all("show_password=false" in r.query for r in h.state.log.all())


def test_a_password_value_is_revealed_only_on_request_and_never_logged(
    demo_tenant_dir: Path, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a flaky IT Glue (so retries get logged) and a recognisable API key
    h = harness(demo_tenant_dir, Faults(p_500=0.5, seed=1), client_args={"max_retries": 10})
    password_id = tenant.all("passwords")[0]["id"]
    secret = tenant.secrets[password_id]
    caplog.set_level(logging.DEBUG)

    async def scenario(client: ItGlueClient) -> tuple[str, str]:
        value = await client.password_value(password_id)
        revealed = await client.reveal_password(password_id)
        return value.get_secret_value(), f"{value!r} {value} {revealed!r} {client!r}"

    # When the value is revealed
    value, printed = h.run(scenario)

    # Then the caller gets it, and no log line, repr or str carries it or the key
    assert value == secret
    assert h.sleeps  # the flaky server did cause logged retries
    assert secret not in printed and KEY not in printed
    assert secret not in caplog.text and KEY not in caplog.text
    assert any("show_password=true" in r.query for r in h.state.log.all())


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Sat, 21 Nov 2026 09:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Sat, 21 Nov 2026 08:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


async def _with(h: Harness, scenario: Callable[[ItGlueClient], Awaitable[T]]) -> T:
    async with h.client() as client:
        return await scenario(client)


def test_changes_are_found_by_sorting_when_the_filter_is_ignored(
    demo_tenant_dir: Path, tenant: Tenant
) -> None:
    # Given an IT Glue that ignores filter[updated_at] on configurations
    h = harness(demo_tenant_dir, ignore_updated_at_for=frozenset({"configurations"}))
    since = datetime(2026, 6, 1, tzinfo=UTC)
    expected = {
        r["id"]
        for r in tenant.all("configurations")
        if parse_iso(r["attributes"]["updated-at"]) >= since
    }

    async def scenario(client: ItGlueClient) -> list[str]:
        return [r.id async for r in client.changed_since("configurations", since)]

    # When changes are asked for newest first
    found = h.run(scenario)

    # Then exactly the changed records come back, and the walk stopped early
    assert expected and set(found) == expected and len(found) == len(expected)
    assert h.requests < 1093 / 100
    assert all("sort=-updated_at" in r.query for r in h.state.log.all())


def test_interfaces_can_ride_along_with_their_configurations(
    demo_tenant_dir: Path, tenant: Tenant
) -> None:
    # Given Acme Corp's 452 configurations and their interfaces
    h = harness(demo_tenant_dir)
    facts = tenant.facts_for("Acme Corp")

    async def scenario(client: ItGlueClient) -> dict[str, list[str]]:
        return {
            config.id: [i.id for i in interfaces]
            async for config, interfaces in client.configurations_with_interfaces(facts.id)
        }

    # When they are fetched with include=configuration_interfaces
    got = h.run(scenario)

    # Then every configuration comes with exactly its interfaces, in one request per page
    expected: dict[str, list[str]] = {}
    for interface in tenant.all("configuration_interfaces"):
        expected.setdefault(str(interface["attributes"]["configuration-id"]), []).append(
            interface["id"]
        )
    assert got == {config_id: expected[config_id] for config_id in got}
    assert (
        len(got) == 452 and sum(map(len, got.values())) == facts.counts["configuration_interfaces"]
    )
    assert h.requests == 5
