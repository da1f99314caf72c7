"""Reads template.yaml the way CloudFormation and SAM do, for the embedded local stack.

Parses the short-form intrinsic tags, merges SAM `Globals` into each function, resolves `Ref`,
`Fn::GetAtt`, `Fn::Sub`, `Fn::If`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::Equals` and
friends against parameters and the physical resources the provisioner created. What cannot be
resolved locally (a resource that is not emulated) resolves to `None`, never to a made-up value.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gluekb.errors import ConfigurationError

DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default; the stack asks STS for the real one
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that understands CloudFormation short-form tags (!Ref, !GetAtt, !Sub, ...)."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    if suffix == "Condition":
        return {"Condition": value}
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict) or "Resources" not in document:
        raise ConfigurationError(f"{path} is not a CloudFormation/SAM template")
    return document


@dataclass(frozen=True)
class PhysicalResource:
    """What CloudFormation would return for `Ref` and `Fn::GetAtt` on a created resource."""

    ref: str
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpRoute:
    method: str  # upper case, or ANY
    path: str  # API Gateway route path, e.g. /v1/{proxy+}

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class SqsMapping:
    queue_logical_id: str
    batch_size: int
    batching_window_s: int
    report_batch_item_failures: bool
    max_concurrency: int
    enabled: bool


@dataclass(frozen=True)
class ScheduleRule:
    name: str  # the event's logical name, e.g. ScheduledSyncFunctionSchedule
    expression: str
    enabled: bool
    input: str | None


@dataclass
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    runtime: str
    timeout_s: int
    memory_mb: int
    environment: dict[str, Any]
    routes: list[HttpRoute]
    sqs: list[SqsMapping]
    schedules: list[ScheduleRule]
    reserved_concurrency: int | None

    @property
    def name(self) -> str:
        """Short name for logs: ApiFunction -> api, EmailIntakeFunction -> email_intake."""
        base = self.logical_id.removesuffix("Function")
        return re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower()


class Template:
    def __init__(
        self,
        path: Path,
        parameters: Mapping[str, str] | None = None,
        *,
        stack_name: str = "gluekb-local",
        region: str = "us-east-1",
        account_id: str = DEFAULT_ACCOUNT_ID,
    ) -> None:
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.path = path.resolve()
        self.root = self.path.parent
        self.document = load_yaml(self.path)
        self.resources: dict[str, dict[str, Any]] = self.document["Resources"]
        self.parameter_values = self._parameter_values(parameters or {})
        self.physical: dict[str, PhysicalResource] = {}
        self._conditions: dict[str, bool] = {}

    # ------------------------------------------------------------ parameters and conditions
    def _parameter_values(self, overrides: Mapping[str, str]) -> dict[str, str]:
        declared: dict[str, dict[str, Any]] = self.document.get("Parameters", {})
        unknown = sorted(set(overrides) - set(declared))
        if unknown:
            raise ConfigurationError(f"unknown template parameter(s): {', '.join(unknown)}")
        values: dict[str, str] = {}
        for name, spec in declared.items():
            if name in overrides:
                values[name] = str(overrides[name])
            elif "Default" in spec:
                values[name] = str(spec["Default"])
            else:
                raise ConfigurationError(f"template parameter {name} has no default: give a value")
            allowed = spec.get("AllowedValues")
            if allowed and values[name] not in [str(a) for a in allowed]:
                raise ConfigurationError(f"parameter {name}={values[name]!r} not in {allowed}")
        return values

    def pseudo(self, name: str) -> str:
        pseudo = {
            "AWS::StackName": self.stack_name,
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": "",
        }
        if name not in pseudo:
            raise ConfigurationError(f"unsupported pseudo parameter {name}")
        return pseudo[name]

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            definition = self.document.get("Conditions", {}).get(name)
            if definition is None:
                raise ConfigurationError(f"unknown condition {name}")
            self._conditions[name] = bool(self.resolve(definition))
        return self._conditions[name]

    def is_created(self, logical_id: str) -> bool:
        condition = self.resources[logical_id].get("Condition")
        return condition is None or self.condition(condition)

    # ------------------------------------------------------------ intrinsic functions
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(item) for key, item in value.items()}
        ((key, arg),) = value.items()
        intrinsic = _INTRINSICS.get(key)
        if intrinsic is not None:
            return intrinsic(self, arg)
        if key.startswith("Fn::"):
            raise ConfigurationError(f"intrinsic {key} is not supported by the local stack")
        return {key: self.resolve(arg)}

    def _fn_get_att(self, arg: Any) -> Any:
        logical_id, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
        return self._get_att(logical_id, attribute)

    def _fn_if(self, arg: Any) -> Any:
        name, when_true, when_false = arg
        return self.resolve(when_true if self.condition(name) else when_false)

    def _fn_equals(self, arg: Any) -> bool:
        left, right = (self.resolve(v) for v in arg)
        return str(left) == str(right)

    def _fn_join(self, arg: Any) -> str | None:
        separator, items = arg
        parts = self.resolve(items)
        return None if any(p is None for p in parts) else separator.join(str(p) for p in parts)

    def _fn_select(self, arg: Any) -> Any:
        index, items = arg
        resolved = self.resolve(items)
        return resolved[int(self.resolve(index))] if resolved else None

    def _fn_split(self, arg: Any) -> list[str] | None:
        separator, text = arg
        resolved = self.resolve(text)
        return None if resolved is None else str(resolved).split(separator)

    def _ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.parameter_values:
            declared = self.document["Parameters"][name]
            raw = self.parameter_values[name]
            if str(declared.get("Type", "")).startswith(("List<", "CommaDelimitedList")):
                return [item.strip() for item in raw.split(",") if item.strip()]
            return raw
        if name in self.physical:
            return self.physical[name].ref
        if name not in self.resources:
            raise ConfigurationError(f"Ref to unknown name {name}")
        return None  # a real resource that is not emulated locally

    def _get_att(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in self.resources:
            raise ConfigurationError(f"GetAtt on unknown resource {logical_id}")
        physical = self.physical.get(logical_id)
        return None if physical is None else physical.attributes.get(attribute)

    def _sub(self, arg: Any) -> Any:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        missing = False

        def replace(match: re.Match[str]) -> str:
            nonlocal missing
            name = match.group(1)
            if name in variables:
                value = self.resolve(variables[name])
            elif "." in name and not name.startswith("AWS::"):
                value = self._get_att(*name.split(".", 1))
            else:
                value = self._ref(name)
            if value is None:
                missing = True
                return ""
            return str(value)

        result = _SUB_VAR.sub(replace, text).replace("${!", "${")
        return None if missing else result

    # ------------------------------------------------------------ SAM functions
    def functions(self) -> list[FunctionSpec]:
        globals_ = self.document.get("Globals", {}).get("Function", {})
        specs = []
        for logical_id, resource in self.resources.items():
            if resource.get("Type") != "AWS::Serverless::Function":
                continue
            props = {**copy.deepcopy(globals_), **resource.get("Properties", {})}
            env = {
                **globals_.get("Environment", {}).get("Variables", {}),
                **resource.get("Properties", {}).get("Environment", {}).get("Variables", {}),
            }
            specs.append(
                FunctionSpec(
                    logical_id=logical_id,
                    code_uri=(self.root / str(props["CodeUri"])).resolve(),
                    handler=str(props["Handler"]),
                    runtime=str(props.get("Runtime", "python3.11")),
                    timeout_s=int(props.get("Timeout", 3)),
                    memory_mb=int(props.get("MemorySize", 128)),
                    environment=env,
                    routes=self._routes(props.get("Events", {})),
                    sqs=self._sqs_mappings(props.get("Events", {})),
                    schedules=self._schedules(logical_id, props.get("Events", {})),
                    reserved_concurrency=props.get("ReservedConcurrentExecutions"),
                )
            )
        return specs

    def function_environment(self, function: str | FunctionSpec) -> dict[str, str]:
        """A function's environment (its spec, or its short name, e.g. `sync_worker`) as
        deployed: every reference resolved to this stack's physical names, unset values left
        out."""
        if isinstance(function, FunctionSpec):
            spec: FunctionSpec | None = function
        else:
            spec = next((f for f in self.functions() if f.name == function), None)
        if spec is None:
            raise KeyError(f"template.yaml has no function named {function}")
        resolved = self.resolve(spec.environment)
        return {key: str(value) for key, value in resolved.items() if value is not None}

    def _routes(self, events: Mapping[str, Any]) -> list[HttpRoute]:
        routes = []
        for event in events.values():
            if event.get("Type") == "HttpApi":
                props = event.get("Properties", {})
                method = str(props.get("Method", "ANY")).upper()
                if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
                    method = "ANY"
                routes.append(HttpRoute(method, str(props.get("Path", "$default"))))
        return routes

    def _sqs_mappings(self, events: Mapping[str, Any]) -> list[SqsMapping]:
        mappings = []
        for event in events.values():
            if event.get("Type") != "SQS":
                continue
            props = event["Properties"]
            queue = props["Queue"]
            if not (isinstance(queue, dict) and "Fn::GetAtt" in queue):
                raise ConfigurationError("SQS events must name the queue with !GetAtt Queue.Arn")
            logical = queue["Fn::GetAtt"][0]
            mappings.append(
                SqsMapping(
                    queue_logical_id=logical,
                    batch_size=int(props.get("BatchSize", 10)),
                    batching_window_s=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                    report_batch_item_failures="ReportBatchItemFailures"
                    in props.get("FunctionResponseTypes", []),
                    max_concurrency=int(
                        props.get("ScalingConfig", {}).get("MaximumConcurrency", 2)
                    ),
                    enabled=bool(props.get("Enabled", True)),
                )
            )
        return mappings

    def _schedules(self, logical_id: str, events: Mapping[str, Any]) -> list[ScheduleRule]:
        rules = []
        for event_name, event in events.items():
            if event.get("Type") not in ("Schedule", "ScheduleV2"):
                continue
            props = event["Properties"]
            expression = self.resolve(props.get("Schedule") or props.get("ScheduleExpression"))
            enabled = props.get("Enabled", props.get("State", "ENABLED") == "ENABLED")
            rules.append(
                ScheduleRule(
                    name=f"{logical_id}{event_name}",
                    expression=str(expression),
                    enabled=bool(self.resolve(enabled)),
                    input=props.get("Input"),
                )
            )
        return rules


# How each intrinsic function resolves (`Condition` is a condition used as a value).
_INTRINSICS: dict[str, Callable[[Template, Any], Any]] = {
    "Ref": Template._ref,
    "Fn::GetAtt": Template._fn_get_att,
    "Fn::Sub": Template._sub,
    "Fn::If": Template._fn_if,
    "Fn::Equals": Template._fn_equals,
    "Fn::Not": lambda template, arg: not template.resolve(arg[0]),
    "Fn::And": lambda template, arg: all(template.resolve(v) for v in arg),
    "Fn::Or": lambda template, arg: any(template.resolve(v) for v in arg),
    "Condition": Template.condition,
    "Fn::Join": Template._fn_join,
    "Fn::Select": Template._fn_select,
    "Fn::Split": Template._fn_split,
    "Fn::Base64": Template.resolve,
}
