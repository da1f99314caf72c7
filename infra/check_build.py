"""Checks what `sam build` made (.aws-sam/build) before anything deploys it.

    python infra/check_build.py [--python .venv-sam/bin/python3.12] [--json]

1. Size: the core layer plus the largest function, unzipped, within BUDGET_MB (Lambda refuses
   more than 250 MB for a function and its layers together).
2. Contents: nothing dev-only (gluekb_dev, click, moto, torch, pytest...) and no gRPC/protobuf
   in the layer; no source file in the layer or a function imports torch.
3. Imports: every handler imports on the runtime's Python from the built layer alone (`python
   -S`: no site-packages), with the environment template.yaml gives it and every AWS endpoint
   unreachable; the SnapStart hooks it registers then run (before the snapshot, after a restore)
   through a stand-in for the runtime's `snapshot_restore_py`. Nothing dev-only gets imported.
Prints the sizes; exits 1 with every problem found.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra.lambda_env import (  # noqa: E402 - a script: the root goes on sys.path first
    BUILT_LAYER,
    Runtime,
    deployed_template,
    function_process,
)

BUILD = BUILT_LAYER.parents[1]
MB = 1024 * 1024
BUDGET_MB = 120  # layer + largest function, unzipped; Lambda's hard limit is 250
LAMBDA_LIMIT_MB = 250
# Top-level names that must never ship: the dev package, the CLI, the emulator, the model
# stack, test tools, and gRPC/protobuf (see infra/layer_requirements.py).
FORBIDDEN = (
    "gluekb_dev",
    "click",
    "moto",
    "torch",
    "sentence_transformers",
    "transformers",
    "pytest",
    "grpc",
    "grpcio",
    "google",
    "protobuf",
    "opensearch_protobufs",
)
_IMPORTS_TORCH = re.compile(rb"^\s*(?:import|from)\s+torch\b", re.MULTILINE)

HOOKS_STAND_IN = '''\
"""Stand-in for the Lambda runtime's snapshot_restore_py (infra/check_build.py)."""
before, after = [], []
def register_before_snapshot(func, *args, **kwargs):
    before.append((func, args, kwargs))
    return func
def register_after_restore(func, *args, **kwargs):
    after.append((func, args, kwargs))
    return func
'''
PROBE = """\
import json, sys
import {module}
import snapshot_restore_py as hooks
for func, args, kwargs in reversed(hooks.before):  # the runtime's order
    func(*args, **kwargs)
for func, args, kwargs in hooks.after:
    func(*args, **kwargs)
forbidden = {forbidden!r}
print(json.dumps({{
    "hooks": [len(hooks.before), len(hooks.after)],
    "forbidden": sorted(m for m in sys.modules if m.split(".")[0] in forbidden),
}}))
"""


def tree_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def sizes(build: Path, functions: list[str]) -> dict[str, int]:
    """Unzipped bytes of the layer and of each function's folder."""
    found = {"CoreLayer": tree_bytes(build / "CoreLayer")}
    found.update({name: tree_bytes(build / name) for name in functions})
    return found


def size_problems(found: dict[str, int], budget_mb: float = BUDGET_MB) -> list[str]:
    largest = max((v for k, v in found.items() if k != "CoreLayer"), default=0)
    total = found["CoreLayer"] + largest
    if total > budget_mb * MB:
        return [f"layer + largest function is {total / MB:.1f} MB, over the {budget_mb} MB budget"]
    return []


def content_problems(folders: list[Path]) -> list[str]:
    """Forbidden packages (folders, modules, dist-info) and sources that import torch."""
    problems = []
    for folder in folders:
        for entry in sorted(folder.iterdir()):
            top = re.split(r"[-.]", entry.name, maxsplit=1)[0].lower()
            if top in FORBIDDEN:
                problems.append(f"{entry.relative_to(folder.parent)} must not ship")
        for source in folder.rglob("*.py"):
            if _IMPORTS_TORCH.search(source.read_bytes()):
                problems.append(f"{source.relative_to(folder.parent)} imports torch")
    return problems


def import_problems(python: str, build: Path) -> list[str]:
    """Each handler imported (and its SnapStart hooks run) as the Lambda runtime would."""
    template = deployed_template()
    problems = []
    with tempfile.TemporaryDirectory() as stand_in:
        (Path(stand_in) / "snapshot_restore_py.py").write_text(HOOKS_STAND_IN)
        runtime = Runtime(python, build / "CoreLayer" / "python", also=(Path(stand_in),))
        for spec in template.functions():
            built = dataclasses.replace(spec, code_uri=build / spec.logical_id)
            module = spec.handler.rsplit(".", 1)[0]
            code = PROBE.format(module=module, forbidden=FORBIDDEN)
            argv, env = function_process(built, template, runtime, code)
            done = subprocess.run(argv, env=env, cwd=built.code_uri, capture_output=True, text=True)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                problems.append(f"{spec.name}: {last}")
                continue
            report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
            if report["forbidden"]:
                problems.append(f"{spec.name} imports {', '.join(report['forbidden'])}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--python", default="python3.12", help="the Lambda runtime's Python")
    parser.add_argument("--build", type=Path, default=BUILD)
    options = parser.parse_args(argv)
    python = str(Path(options.python).absolute()) if "/" in options.python else options.python
    functions = [spec.logical_id for spec in deployed_template().functions()]
    found = sizes(options.build, functions)
    largest = max(functions, key=found.__getitem__)
    print(
        json.dumps(
            {
                "unzipped_mb": {name: round(size / MB, 2) for name, size in found.items()},
                "layer_plus_largest_mb": round((found["CoreLayer"] + found[largest]) / MB, 1),
                "budget_mb": BUDGET_MB,
                "lambda_limit_mb": LAMBDA_LIMIT_MB,
            }
        )
    )
    folders = [options.build / "CoreLayer" / "python", *(options.build / f for f in functions)]
    problems = size_problems(found) + content_problems(folders)
    problems += import_problems(python, options.build)
    for problem in problems:
        print(f"check_build: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
