from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from gluekb.errors import ConfigurationError
from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.template import PhysicalResource, Template
from infra import layer_requirements

FUNCTIONS = {
    "api", "webhooks", "email_intake", "scheduled_sync", "sync_worker", "alerts", "health_report",
}  # fmt: skip
RUNTIME = f"python{layer_requirements.LAMBDA_PYTHON}"  # the layer is resolved for this one


@pytest.fixture
def template(project_root: Path) -> Template:
    return Template(project_root / "template.yaml", LOCAL_PARAMETERS)


def test_the_functions_are_declared_with_thin_handlers(template: Template) -> None:
    specs = {spec.name: spec for spec in template.functions()}
    assert set(specs) == FUNCTIONS
    for spec in specs.values():
        assert spec.runtime == RUNTIME  # Amazon Linux 2023: runs numpy's manylinux_2_28 wheels
        assert spec.handler == "handler.handler"
        assert (spec.code_uri / "handler.py").is_file()
        assert spec.environment["POWERTOOLS_SERVICE_NAME"] == spec.name
        # Thin entry points: no boto3 in a handler, and short.
        source = (spec.code_uri / "handler.py").read_text()
        assert "import boto3" not in source
        assert len(source.splitlines()) <= 60


def test_queue_consumers_report_batch_item_failures(template: Template) -> None:
    mappings = {spec.name: spec.sqs for spec in template.functions() if spec.sqs}
    assert set(mappings) == {"email_intake", "sync_worker", "alerts"}
    for name, specs in mappings.items():
        assert all(m.report_batch_item_failures for m in specs), name


def test_every_work_queue_has_a_dead_letter_queue(template: Template) -> None:
    queues = {k: r for k, r in template.resources.items() if r["Type"] == "AWS::SQS::Queue"}
    work = {k: r for k, r in queues.items() if "DeadLetter" not in k}
    assert set(work) == {"SyncQueue", "IndexQueue", "MailQueue", "AlertQueue"}
    for logical_id, resource in work.items():
        redrive = resource["Properties"]["RedrivePolicy"]
        target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert target in queues and "DeadLetter" in target, logical_id


def test_routes_and_schedule_come_from_the_template(template: Template) -> None:
    specs = {spec.name: spec for spec in template.functions()}
    api_routes = {r.route_key for r in specs["api"].routes}
    assert {"GET /health", "ANY /v1/{proxy+}", "GET /openapi.json"} <= api_routes
    assert [r.route_key for r in specs["webhooks"].routes] == ["POST /webhooks/{proxy+}"]
    assert [s.expression for s in specs["scheduled_sync"].schedules] == ["rate(15 minutes)"]
    assert [s.expression for s in specs["health_report"].schedules] == ["cron(0 7 ? * MON *)"]


def test_intrinsics_resolve_against_parameters_and_physical_resources(template: Template) -> None:
    template.physical["SyncQueue"] = PhysicalResource(
        "http://aws/q/gluekb-local-sync", {"Arn": "arn:aws:sqs:us-east-1:1:gluekb-local-sync"}
    )
    assert template.resolve({"Ref": "SyncQueue"}) == "http://aws/q/gluekb-local-sync"
    assert template.resolve({"Fn::GetAtt": ["SyncQueue", "Arn"]}).endswith(":gluekb-local-sync")
    assert template.resolve({"Fn::Sub": "${AWS::StackName}-x-${Stage}"}) == "gluekb-local-x-local"
    assert (
        template.resolve({"Fn::Sub": ["${A}/${B}", {"A": "a", "B": {"Ref": "Stage"}}]}) == "a/local"
    )
    assert template.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}) == "a-local"
    assert template.resolve({"Fn::Select": [0, {"Ref": "SubnetIds"}]}) == "subnet-00000000"
    # A created-only-in-AWS resource resolves to None locally, never to an invented value.
    assert template.resolve({"Fn::Sub": "https://${OpenSearchDomain.DomainEndpoint}"}) is None
    assert template.condition("CreateOpenSearch") is True
    # A function's environment as deployed: references resolved, unset values left out
    environment = template.function_environment("scheduled_sync")
    assert environment["GLUEKB_SYNC_QUEUE_URL"] == "http://aws/q/gluekb-local-sync"
    assert "GLUEKB_OPENSEARCH_URL" not in environment
    with pytest.raises(KeyError, match="no function named nope"):
        template.function_environment("nope")


def test_unknown_parameters_and_missing_values_are_refused(project_root: Path) -> None:
    with pytest.raises(ConfigurationError, match="unknown template parameter"):
        Template(project_root / "template.yaml", {**LOCAL_PARAMETERS, "Nope": "1"})
    params = {k: v for k, v in LOCAL_PARAMETERS.items() if k != "WorkerImage"}
    with pytest.raises(ConfigurationError, match="WorkerImage has no default"):
        Template(project_root / "template.yaml", params)


def test_the_layer_is_built_for_the_functions_runtime_from_the_lock(template: Template) -> None:
    layer = template.resources["CoreLayer"]
    assert layer["Properties"]["CompatibleRuntimes"] == [RUNTIME]
    # `make build-CoreLayer` installs layers/core/requirements.txt with --no-deps.
    assert layer["Metadata"] == {"BuildMethod": "makefile", "ContextPath": "."}


def test_layer_requirements_are_the_locked_closure_of_the_base_dependencies(
    project_root: Path,
) -> None:
    # Given pyproject's base dependencies and constraints.txt
    written = (project_root / "layers/core/requirements.txt").read_text()
    # Then the layer's requirements are exactly what the generator makes of them (`make lock`)
    assert written == layer_requirements.expected()
    pins = dict(line.split("==") for line in written.splitlines() if "==" in line)
    pyproject = tomllib.loads((project_root / "pyproject.toml").read_text())
    declared = {re.split(r"[<>=\[ ]", d)[0].lower() for d in pyproject["project"]["dependencies"]}
    assert declared <= set(pins)
    locked = layer_requirements.locked_versions()
    assert all(locked[name] == version for name, version in pins.items())
    # And nothing a function never imports: the CLI, the emulator, torch, gRPC
    for unwanted in ("click", "moto", "torch", "sentence-transformers", "grpcio", "protobuf"):
        assert unwanted not in pins, unwanted


def test_api_and_webhooks_start_from_a_snapstart_snapshot_behind_an_alias(
    template: Template,
) -> None:
    snapstart = {
        logical_id
        for logical_id, resource in template.resources.items()
        if resource.get("Properties", {}).get("SnapStart") == {"ApplyOn": "PublishedVersions"}
    }
    assert snapstart == {"ApiFunction", "WebhooksFunction"}
    for logical_id in snapstart:
        props = template.resources[logical_id]["Properties"]
        # SAM points the function's HTTP API routes at the alias it moves on every deploy
        assert props["AutoPublishAlias"] == "live"
        assert props["AutoPublishAliasAllProperties"] is True  # a new layer is a new version


def _mcp_environment(template: Template) -> dict[str, Any]:
    (container,) = template.resources["McpTaskDefinition"]["Properties"]["ContainerDefinitions"]
    return {item["Name"]: item["Value"] for item in container["Environment"]}


def test_the_mcp_server_runs_on_fargate_behind_https_with_the_apis_settings(
    template: Template,
) -> None:
    resources = template.resources
    mcp = {k for k, r in resources.items() if k.startswith("Mcp")}
    assert all(resources[k].get("Condition") == "DeployMcp" for k in mcp)
    assert not template.condition("DeployMcp")  # locally (no image): nothing to run
    listener = resources["McpHttpsListener"]["Properties"]
    assert listener["Protocol"] == "HTTPS" and listener["Port"] == 443
    assert listener["Certificates"] == [{"CertificateArn": {"Ref": "McpCertificateArn"}}]
    assert resources["McpTargetGroup"]["Properties"]["HealthCheckPath"] == "/health"
    assert resources["McpService"]["Properties"]["LaunchType"] == "FARGATE"
    scaling = [r for r in resources.values() if r["Type"].endswith("::ScalingPolicy")]
    assert len(scaling) == 2
    # Same settings as the api function: every variable it reads, from the same references
    api = next(s for s in template.functions() if s.name == "api")
    environment = _mcp_environment(template)
    shared = {k: v for k, v in api.environment.items() if k != "POWERTOOLS_SERVICE_NAME"}
    assert {k: environment.get(k) for k in shared if k.startswith("GLUEKB_")} == {
        k: v for k, v in shared.items() if k.startswith("GLUEKB_")
    }
    outputs = template.document["Outputs"]
    assert outputs["McpUrl"]["Condition"] == "DeployMcp"
    assert {"ApiUrl", "ConsoleUrl"} <= set(outputs)


def test_localstack_compose_runs_the_mcp_server_with_the_templates_settings(
    template: Template, project_root: Path
) -> None:
    compose = yaml.safe_load((project_root / "localstack-compose.yml").read_text())
    local = compose["services"]["mcp"]["environment"]
    deployed = {k for k in _mcp_environment(template) if k.startswith("GLUEKB_")}
    image_defaults = {"GLUEKB_MCP_HOST", "GLUEKB_MCP_PORT"}  # mcp_server/Dockerfile sets them
    assert deployed - image_defaults <= set(local)
