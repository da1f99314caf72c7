from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from gluekb.errors import ConfigurationError
from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.template import PhysicalResource, Template

FUNCTIONS = {"api", "webhooks", "email_intake", "scheduled_sync", "sync_worker"}


@pytest.fixture
def template(project_root: Path) -> Template:
    return Template(project_root / "template.yaml", LOCAL_PARAMETERS)


def test_the_five_functions_are_declared_with_thin_handlers(template: Template) -> None:
    specs = {spec.name: spec for spec in template.functions()}
    assert set(specs) == FUNCTIONS
    for spec in specs.values():
        assert spec.runtime == "python3.11"
        assert spec.handler == "handler.handler"
        assert (spec.code_uri / "handler.py").is_file()
        assert spec.environment["POWERTOOLS_SERVICE_NAME"] == spec.name
        # Thin entry points: no boto3 in a handler, and short.
        source = (spec.code_uri / "handler.py").read_text()
        assert "import boto3" not in source
        assert len(source.splitlines()) <= 60


def test_queue_consumers_report_batch_item_failures(template: Template) -> None:
    mappings = {spec.name: spec.sqs for spec in template.functions() if spec.sqs}
    assert set(mappings) == {"email_intake", "sync_worker"}
    for name, specs in mappings.items():
        assert all(m.report_batch_item_failures for m in specs), name


def test_every_work_queue_has_a_dead_letter_queue(template: Template) -> None:
    queues = {k: r for k, r in template.resources.items() if r["Type"] == "AWS::SQS::Queue"}
    work = {k: r for k, r in queues.items() if "DeadLetter" not in k}
    assert set(work) == {"SyncQueue", "IndexQueue", "MailQueue"}
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


def test_layer_requirements_match_the_base_dependencies(project_root: Path) -> None:
    pyproject = tomllib.loads((project_root / "pyproject.toml").read_text())
    declared = {re.split(r"[<>=\[ ]", d)[0].lower() for d in pyproject["project"]["dependencies"]}
    lines = (project_root / "layers/core/requirements.txt").read_text().splitlines()
    layer = {
        re.split(r"[<>=\[ ]", line)[0].lower()
        for line in lines
        if line and not line.startswith("#")
    }
    assert declared == layer
    assert not any(name in layer for name in ("torch", "sentence-transformers", "moto"))
