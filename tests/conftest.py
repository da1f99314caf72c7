"""Test-wide settings: no real AWS, no tracing daemon, quiet metrics."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "gluekb",
        "POWERTOOLS_SERVICE_NAME": "gluekb-tests",
        "HF_HUB_OFFLINE": "1",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

from gluekb_dev.stack import moto_patches
from tests.support import ROOT, FakeClock, wait_until

if TYPE_CHECKING:
    from tests.e2e.conftest import RunningStack

moto_patches.apply()  # in-process moto scales like the emulator (see the module)


@pytest.fixture
def project_root() -> Path:
    return ROOT


def _provisioned_stack(clients: Any, tmp_path: Path) -> dict[str, Any]:
    """template.yaml provisioned through `clients`; each function's environment resolved.

    What the template takes from resources moto cannot emulate gets its local equivalent, as
    `gluekb up` does: the embedded index in a temporary folder, and an embedder URL where
    nothing listens (the embedder is down unless a test serves one: intake then degrades)."""
    from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
    from gluekb_dev.stack.provision import Provisioner
    from gluekb_dev.stack.template import Template

    template = Template(ROOT / "template.yaml", LOCAL_PARAMETERS)
    secrets = {
        "WebhookSecret": '{"signing_secret":"s3cr3t"}',
        "ConsoleSessionSecret": '{"session_secret":"console-session-secret-for-tests-0123456789"}',
    }
    Provisioner(template, clients, secrets, tls=False).provision()
    env = {}
    for spec in template.functions():
        env[spec.name] = template.function_environment(spec)
        if "GLUEKB_SEARCH_BACKEND" in env[spec.name]:
            env[spec.name].update(
                GLUEKB_SEARCH_BACKEND="embedded",
                GLUEKB_INDEX_PATH=str(tmp_path / "index"),
                GLUEKB_EMBEDDER_URL="http://127.0.0.1:9",
            )
    return {"clients": clients, "template": template, "env": env}


@pytest.fixture
def moto_stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """template.yaml provisioned on in-process moto; yields clients and each function's env."""
    from moto import mock_aws

    from gluekb.adapters.aws import AwsClients

    with mock_aws():
        yield _provisioned_stack(AwsClients("us-east-1"), tmp_path)


@pytest.fixture
def sync_like_queue() -> Iterator[tuple[Any, str, str]]:
    """(sqs client, queue url, queue arn) on in-process moto: one queue whose visibility timeout
    is the sync queue's in AWS (90 minutes), so a message seen again soon was handed back."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="sync", Attributes={"VisibilityTimeout": "5400"})[
            "QueueUrl"
        ]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
        yield sqs, url, attributes["Attributes"]["QueueArn"]


@pytest.fixture
def moto_server_stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """template.yaml provisioned on the local AWS emulator in its own process (as `gluekb up`
    runs it): for tests that measure this process alone (memory), with moto's copies elsewhere.
    Each function's env names the endpoint (`AWS_ENDPOINT_URL`)."""
    import json
    import subprocess
    import sys

    from gluekb.adapters.aws import AwsClients

    state = str(tmp_path / "aws")
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gluekb_dev.stack.aws_emulator",
            "--port",
            "0",
            "--state-dir",
            state,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert emulator.stdout is not None
        url = json.loads(emulator.stdout.readline())["url"]
        stack = _provisioned_stack(AwsClients("us-east-1", url), tmp_path)
        for env in stack["env"].values():
            env["AWS_ENDPOINT_URL"] = url
        yield stack
    finally:
        emulator.terminate()
        try:
            emulator.wait(10)
        except subprocess.TimeoutExpired:
            emulator.kill()
            emulator.wait()


@pytest.fixture(scope="session")
def embedder() -> Any:
    """The real model (all-MiniLM-L6-v2, offline), loaded once for the whole run."""
    from gluekb.adapters.sentence_embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(device="cpu")


@pytest.fixture(scope="session")
def demo_tenant_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo IT Glue tenant (seed 42), generated once per session. Read-only: a test that
    mutates it copies it first (`shutil.copytree`)."""
    from gluekb_dev.demo.tenant import TenantStore

    directory = tmp_path_factory.mktemp("itglue-tenant")
    TenantStore(directory).ensure(seed=42)
    return directory


@pytest.fixture(scope="session")
def synced_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The demo tenant synced and indexed through the real path (schedule -> sync_worker ->
    index queue -> worker), shared by every test that queries it (tests/e2e, then
    tests/browser: one stack for both). IT Glue allows 3000 requests per 5 minutes, so the
    demo's first sync may run faster than the 9/s steady pace."""
    from tests.e2e.conftest import start_stack, stop_stack

    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    running = start_stack(
        tmp_path_factory.mktemp("synced-home"),
        clock,
        first_sync=True,
        environment={"GLUEKB_ITGLUE_MAX_REQUESTS_PER_S": "40"},
    )
    try:
        wait_until(running.synced, timeout_s=900, every_s=2)
        yield running
    finally:
        stop_stack(running)
