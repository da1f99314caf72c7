"""The MCP server in-process over the real services, for integration tests: template.yaml on
in-process moto, two demo organizations synced from the demo IT Glue server (real HTTP), real
API keys, the real audit table, and an embedded search index the tests can plant chunks in."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from mcp import Client
from mcp_types import CallToolResult
from pydantic import SecretStr

from gluekb.adapters.api_keys import ApiKeyStore
from gluekb.adapters.aws import AwsClients
from gluekb.adapters.embedded_index import EmbeddedIndex
from gluekb.adapters.itglue import ItGlueClient
from gluekb.adapters.rate_limit import Unlimited
from gluekb.models.index import Chunk, ReplaceSource
from gluekb.models.sync import SyncJob
from gluekb.services.sync.organization_sync import (
    OrganizationSync,
    SyncStores,
    discover_organizations,
)
from gluekb.settings import McpSettings, load_settings
from gluekb.wiring.query import QueryServices
from gluekb_dev.demo.server import DemoItGlueServer, DemoServerConfig
from gluekb_dev.demo.tenant import OrgFacts, Tenant, TenantStore
from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.provision import Provisioner
from gluekb_dev.stack.template import Template
from mcp_server.auth import Tenancy
from mcp_server.server import create_server
from tests.support import ROOT, environment, template_sync_stores

ITGLUE_KEY = "ITG.mcp-test-key"
CONSOLE_URL = "http://127.0.0.1:8000"
T = TypeVar("T")


@dataclass
class Rig:
    services: QueryServices
    clients: AwsClients
    stores: SyncStores
    tenant: Tenant
    tmp: Path
    keys: dict[str, str]
    itglue: DemoItGlueServer
    env: dict[str, str | None] = field(default_factory=dict)

    def reveals_asked(self, record_id: str) -> int:
        """Requests IT Glue answered with a password value for this record."""
        path = "/passwords/" + record_id.rsplit(":", 1)[1]
        return sum(
            1 for r in self.itglue.requests if r.path == path and "show_password=true" in r.query
        )

    def facts(self, name: str) -> OrgFacts:
        return self.tenant.facts_for(name)

    def key(self, name: str, organizations: list[str], scopes: list[str]) -> str:
        if name not in self.keys:
            store = ApiKeyStore(self.clients.dynamodb, self.services.settings.keys_table)
            self.keys[name] = store.create(name, organizations, scopes)[0]
        return self.keys[name]

    def admin(self) -> str:
        return self.key("admin", ["*"], ["admin"])

    def acme_only(self) -> str:
        """Acme only, every scope but sync: what an assistant for one client gets."""
        acme = self.facts("Acme Corp").id
        return self.key("acme", [acme], ["search", "passwords:reveal", "tickets"])

    def reader(self) -> str:
        return self.key("reader", ["*"], ["search"])

    def with_settings(self, **changes: Any) -> QueryServices:
        """The same stores and clients, with other MCP settings (e.g. password_reveal)."""
        return QueryServices(self.services.settings.model_copy(update=changes), self.clients)

    def call(
        self,
        key: str,
        tool: str,
        arguments: dict[str, Any] | None = None,
        services: QueryServices | None = None,
    ) -> CallToolResult:
        async def go(client: Client) -> CallToolResult:
            return await client.call_tool(tool, arguments or {})

        return self.session(key, go, services)

    def session(
        self,
        key: str,
        work: Callable[[Client], Awaitable[T]],
        services: QueryServices | None = None,
        **client: Any,
    ) -> T:
        """Run `work` in a client session with a server holding `key` (as over stdio)."""
        chosen = services or self.services
        server = create_server(chosen, Tenancy(chosen.authenticator, SecretStr(key)))

        async def run() -> T:
            async with Client(server, **client) as session:
                return await work(session)

        return asyncio.run(run())

    def password_of(self, org_name: str, index: int = 0) -> tuple[str, str]:
        """(record id, value) of one of the organization's passwords."""
        org = self.facts(org_name).id
        record = self.tenant.of_organization("passwords", org)[index]
        return f"itglue:passwords:{record['id']}", self.tenant.secrets[str(record["id"])]

    def plant(self, source_id: str, org_name: str, source_type: str, title: str, text: str) -> None:
        """Index one chunk as the worker would (a vector of zeros: keyword search finds it)."""
        organization = self.facts(org_name).id
        chunk = Chunk(
            chunk_id=f"{source_id}#0",
            source_id=source_id,
            organization_id=organization,
            source_type=source_type,
            title=title,
            text=text,
            metadata={"ticket_id": source_id.removeprefix("ticket:"), "subject": title},
            content_hash=Chunk.hash_content(title, text),
        )
        index_path = self.services.settings.index_path
        assert index_path is not None
        writer = EmbeddedIndex(index_path, dimension=384, writer=True)
        vectors = np.zeros((1, 384), dtype=np.float32)
        vectors[0, 0] = 1.0
        replace = ReplaceSource(
            source_id=source_id,
            organization_id=organization,
            source_hash=chunk.content_hash,
            chunks=[chunk],
            embeddings=vectors,
        )
        writer.write([replace])
        writer.close()


@contextmanager
def running_rig(demo_tenant_dir: Path, tmp: Path) -> Iterator[Rig]:
    """The rig, with Acme Corp and Contoso synced. Link-mode reveals point at CONSOLE_URL."""
    from moto import mock_aws

    tenant_dir = tmp / "tenant"
    shutil.copytree(demo_tenant_dir, tenant_dir)
    tenant = TenantStore(tenant_dir).load()
    server = DemoItGlueServer(tenant_dir, DemoServerConfig(api_key=ITGLUE_KEY, rate_limit=10**6))
    with mock_aws(), server.running():
        template = Template(ROOT / "template.yaml", LOCAL_PARAMETERS)
        clients = AwsClients("us-east-1")
        secrets = {
            "WebhookSecret": '{"signing_secret":"x"}',
            "ConsoleSessionSecret": '{"session_secret":"console-session-secret-for-tests-0123"}',
        }
        Provisioner(template, clients, secrets, tls=False).provision()
        local: dict[str, str | None] = {
            "GLUEKB_SEARCH_BACKEND": "embedded",
            "GLUEKB_INDEX_PATH": str(tmp / "index"),
            "GLUEKB_EMBEDDER_URL": "http://127.0.0.1:9",
            "GLUEKB_ITGLUE_BASE_URL": server.url,
            "GLUEKB_ITGLUE_API_KEY_SECRET": None,
            "ITGLUE_API_KEY": ITGLUE_KEY,
            "GLUEKB_CONSOLE_URL": CONSOLE_URL,
        }
        env = template.function_environment("api") | local
        with environment(env):
            settings = load_settings(McpSettings)
        EmbeddedIndex(tmp / "index", dimension=384, writer=True).close()
        stores = template_sync_stores(template, clients)
        orgs = [tenant.facts_for(n).id for n in ("Acme Corp", "Contoso")]
        asyncio.run(_sync(server.url, stores, orgs))
        services = QueryServices(settings, clients)
        yield Rig(services, clients, stores, tenant, tmp, {}, server, env)


async def _sync(url: str, stores: SyncStores, organizations: list[str]) -> None:
    async with ItGlueClient(url, ITGLUE_KEY, limiter=Unlimited()) as client:
        await discover_organizations(client, stores.state, datetime.now(UTC))
        for org in organizations:
            job = SyncJob(
                organization_id=org, mode="full", reason="cli", requested_at=datetime.now(UTC)
            )
            await OrganizationSync(client, stores).run(job)
