"""infra/check_build.py: the size budget and what must never ship in a built function."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.check_build import MB, content_problems, size_problems


def test_the_size_budget_counts_the_layer_and_the_largest_function() -> None:
    within = {"CoreLayer": 100 * MB, "ApiFunction": 1 * MB, "WebhooksFunction": MB // 2}
    assert size_problems(within, budget_mb=101) == []
    over = {**within, "ApiFunction": 2 * MB}
    assert size_problems(over, budget_mb=101) == [
        "layer + largest function is 102.0 MB, over the 101 MB budget"
    ]


def test_dev_packages_and_torch_imports_in_a_build_are_reported(tmp_path: Path) -> None:
    # Given a built layer with the CLI's package in it and a module that imports torch
    layer = tmp_path / "CoreLayer" / "python"
    (layer / "click").mkdir(parents=True)
    (layer / "grpcio-1.85.1.dist-info").mkdir()
    (layer / "numpy").mkdir()
    (layer / "numpy" / "core.py").write_text("import math\n")
    (layer / "gluekb").mkdir()
    (layer / "gluekb" / "embed.py").write_text("def load():\n    import torch\n")
    function = tmp_path / "ApiFunction"
    function.mkdir()
    (function / "handler.py").write_text("from torch import nn  # never\n")
    # Then each one is named
    assert content_problems([layer, function]) == [
        "python/click must not ship",
        "python/grpcio-1.85.1.dist-info must not ship",
        "python/gluekb/embed.py imports torch",
        "ApiFunction/handler.py imports torch",
    ]


def test_every_aws_service_the_shipped_code_names_has_its_model_in_the_layer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the services whose botocore models the layer keeps (the Makefile prunes the rest)
    from gluekb.adapters.aws import SERVICES, AwsClients

    # When every client the shipped code asks for by name is collected (the layer, the handlers)
    root = Path(__file__).resolve().parents[2]
    named = re.compile(r"""(?:client|resource)\(\s*["']([a-z0-9-]+)["']""")
    asked = {
        (service, str(source.relative_to(root)))
        for folder in ("layers/core/gluekb", "functions")
        for source in (root / folder).rglob("*.py")
        for service in named.findall(source.read_text())
    }
    # Then each is one the layer ships a model for
    assert asked and {pair for pair in asked if pair[0] not in SERVICES} == set()
    # And each of AwsClients' clients is one of them
    made: list[str] = []
    clients = AwsClients("us-east-1")
    monkeypatch.setattr(clients, "_client", made.append)
    for name, member in vars(AwsClients).items():
        if isinstance(member, property):
            getattr(clients, name)
    assert made and set(made) <= set(SERVICES)
