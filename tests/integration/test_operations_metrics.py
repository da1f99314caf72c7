"""The alarms on gluekb's own metrics watch what the functions really emit: the metric name,
the `gluekb` namespace and the dimensions of the EMF lines the handlers print, and the
`service` dimension's value is the emitting function's POWERTOOLS_SERVICE_NAME."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from gluekb.adapters.state_store import StateStore
from gluekb.models.organizations import RegisteredOrganization
from gluekb.models.sync import SyncStatus
from gluekb_dev.demo.server import DemoItGlueServer, DemoServerConfig
from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.template import Template
from tests.support import ROOT, LambdaContext, environment, event, load_handler
from tests.webhook_support import encode, github_headers, http_event, sample


def emitted(output: str) -> dict[str, dict[str, Any]]:
    """EMF lines printed: metric name -> namespace, dimension names, values by dimension."""
    metrics: dict[str, dict[str, Any]] = {}
    for line in output.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or "_aws" not in record:
            continue
        for directive in record["_aws"]["CloudWatchMetrics"]:
            (dimensions,) = directive["Dimensions"]
            for metric in directive["Metrics"]:
                seen = metrics.setdefault(
                    metric["Name"],
                    {"namespace": directive["Namespace"], "dimensions": set(dimensions), "at": []},
                )
                seen["at"].append(
                    {d: record[d] for d in dimensions} | {"value": record[metric["Name"]]}
                )
    return metrics


def alarm_on(template: Template, metric: str) -> dict[str, Any]:
    (alarm,) = [
        dict(r["Properties"])
        for r in template.resources.values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"].get("MetricName") == metric
    ]
    return alarm


def service_of(template: Template, function: str) -> str:
    return str(template.function_environment(function)["POWERTOOLS_SERVICE_NAME"])


def assert_watched(template: Template, metric: str, function: str, seen: dict[str, Any]) -> None:
    alarm = alarm_on(template, metric)
    assert alarm["Namespace"] == seen["namespace"] == "gluekb"
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert set(dimensions) == seen["dimensions"]  # the alarm's dimension set is the emitted one
    assert dimensions["service"] == service_of(template, function)


@pytest.fixture
def itglue(moto_stack: dict[str, Any], demo_tenant_dir: Path) -> Iterator[DemoItGlueServer]:
    env = moto_stack["env"]["scheduled_sync"]
    moto_stack["clients"].secretsmanager.put_secret_value(
        SecretId=env["GLUEKB_ITGLUE_API_KEY_SECRET"], SecretString="ITG.metrics-test"
    )
    with DemoItGlueServer(
        demo_tenant_dir, DemoServerConfig(api_key="ITG.metrics-test")
    ).running() as server:
        env["GLUEKB_ITGLUE_BASE_URL"] = server.url
        yield server


def test_scheduled_sync_reports_each_organizations_sync_age_as_the_staleness_alarm_reads_it(
    moto_stack: dict[str, Any], itglue: DemoItGlueServer, capfd: pytest.CaptureFixture[str]
) -> None:
    template: Template = moto_stack["template"]
    # Given an organization whose last complete sync was two hours ago
    state = StateStore(moto_stack["clients"].dynamodb, "gluekb-local-state")
    state.put_organization(RegisteredOrganization(id="1001", name="Acme Corp"))
    state.save_sync_status(
        SyncStatus(
            organization_id="1001",
            state="ok",
            last_success_at=datetime.now(UTC) - timedelta(hours=2),
        )
    )
    capfd.readouterr()
    # When the schedule fires
    with environment(moto_stack["env"]["scheduled_sync"]):
        load_handler("scheduled_sync").handler(
            event("scheduled_sync/scheduled_event.json"), LambdaContext()
        )
    metrics = emitted(capfd.readouterr().out)
    # Then every organization's age is emitted, and the oldest is what the alarm watches
    ages = {at["organization"]: at["value"] for at in metrics["SyncAgeSeconds"]["at"]}
    assert len(ages) == 7 and 7190 < ages["1001"][0] < 7300
    assert metrics["SyncAgeSeconds"]["dimensions"] == {"organization", "service"}
    assert metrics["OldestSyncAgeSeconds"]["at"][0]["value"] == ages["1001"]
    assert_watched(
        template, "OldestSyncAgeSeconds", "scheduled_sync", metrics["OldestSyncAgeSeconds"]
    )


def test_a_refused_webhook_is_counted_as_the_rejections_alarm_reads_it(
    moto_stack: dict[str, Any], capfd: pytest.CaptureFixture[str]
) -> None:
    template: Template = moto_stack["template"]
    headers, payload = sample("github_push")
    body = encode(payload)
    forged = github_headers(headers, SecretStr("guessed"), body)
    capfd.readouterr()
    with environment(moto_stack["env"]["webhooks"]):
        response = load_handler("webhooks").handler(
            http_event("/webhooks/github", forged, body), LambdaContext()
        )
    assert response["statusCode"] == 401
    metrics = emitted(capfd.readouterr().out)
    assert_watched(template, "WebhookRejected", "webhooks", metrics["WebhookRejected"])


def test_the_worker_start_filter_matches_the_line_the_worker_logs_when_ready() -> None:
    template = Template(ROOT / "template.yaml", LOCAL_PARAMETERS)
    pattern = template.resources["WorkerStartsMetric"]["Properties"]["FilterPattern"]
    assert pattern == '{ $.message = "worker ready" }'
    source = (ROOT / "gpu_worker" / "__main__.py").read_text()
    assert 'logger.info("worker ready"' in source
