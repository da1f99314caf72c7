"""Fixtures shared by integration modules."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gluekb.adapters.aws import AwsClients
from gluekb_dev.demo.server import DemoItGlueServer, DemoServerConfig
from gluekb_dev.demo.tenant import TenantStore
from tests.conftest import _provisioned_stack
from tests.integration.test_sync import KEY, Rig


@pytest.fixture(scope="module")
def synced_rig(demo_tenant_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """The demo tenant synced once for the module: template.yaml on in-process moto, the demo
    IT Glue server, the real sync. `rig.settings` are sync_worker's; other functions'
    environments are in `rig.environments` (the embedded index in a temporary folder, the
    embedder down)."""
    from moto import mock_aws

    home = tmp_path_factory.mktemp("synced")
    shutil.copytree(demo_tenant_dir, home / "tenant")
    server = DemoItGlueServer(home / "tenant", DemoServerConfig(api_key=KEY, rate_limit=1_000_000))
    with mock_aws(), server.running():
        stack = _provisioned_stack(AwsClients("us-east-1"), home)
        rig = Rig.of(stack["template"], stack["clients"], server, TenantStore(home / "tenant"))
        rig.environments = stack["env"]
        asyncio.run(rig.sync_all())
        yield rig
