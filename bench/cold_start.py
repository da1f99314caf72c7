"""Cold start: what importing each function's handler costs, against the framework alone.

    python bench/cold_start.py [--runs 7] [--function api]
    python bench/cold_start.py --layer .aws-sam/build/CoreLayer/python \\
        --python .venv-sam/bin/python3.12        # the artifact `sam build` made, on python3.12

Each sample is a fresh Python process that imports one handler module as the Lambda runtime
does (infra/lambda_env.py: its CodeUri first on the path, then the layer, the environment
template.yaml gives it, active tracing) and reports the CPU and wall time of that import alone.
The floor is the same measurement for what any FastAPI-on-Lambda function imports: FastAPI,
Mangum, pydantic and the Powertools logger, sampled alternately with the handler; `ratio` is
the median of handler / floor CPU time over those pairs. The target for the api is <= 1.5.
Without --layer the packages come from this venv (Python 3.11, dev extras installed); with it,
from the built layer alone (`python -S`). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gluekb_dev.stack.template import FunctionSpec, Template
from infra.lambda_env import SOURCE_LAYER, Runtime, deployed_template, function_process

TARGET_RATIO = 1.5
FLOOR = "import fastapi, mangum, pydantic\nfrom aws_lambda_powertools import Logger"
# The child times one import and prints {"cpu_ms", "wall_ms", "modules"}.
PROBE = """\
import json, sys, time
cpu, wall = time.process_time(), time.perf_counter()
{body}
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({{"cpu_ms": cpu * 1000, "wall_ms": wall * 1000, "modules": len(sys.modules)}}))
"""


def sample(spec: FunctionSpec, template: Template, runtime: Runtime, body: str) -> dict[str, Any]:
    argv, env = function_process(spec, template, runtime, PROBE.format(body=body))
    done = subprocess.run(
        argv, env=env, cwd=spec.code_uri, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"{spec.name}: import failed: {last[0]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def paired(
    runs: int, spec: FunctionSpec, template: Template, runtime: Runtime, module: str
) -> dict[str, Any]:
    """`runs` samples of the handler, each beside a sample of the floor taken just before it:
    on a shared machine both see the same load, so the ratio holds where absolutes drift."""
    floors, handlers = [], []
    for _ in range(runs):
        floors.append(sample(spec, template, runtime, FLOOR))
        handlers.append(sample(spec, template, runtime, f"import {module}"))
    ratios = [h["cpu_ms"] / f["cpu_ms"] for h, f in zip(handlers, floors, strict=True)]
    return {
        "cpu_ms": round(statistics.median(h["cpu_ms"] for h in handlers), 1),
        "wall_ms": round(statistics.median(h["wall_ms"] for h in handlers), 1),
        "modules": int(statistics.median(h["modules"] for h in handlers)),
        "floor_cpu_ms": round(statistics.median(f["cpu_ms"] for f in floors), 1),
        "ratio": round(statistics.median(ratios), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--function", action="append", help="only these (default: all)")
    parser.add_argument("--python", default=sys.executable, help="interpreter (default: this)")
    parser.add_argument("--layer", type=Path, default=SOURCE_LAYER, help="layer's python/ dir")
    options = parser.parse_args()
    python = str(Path(options.python).absolute()) if "/" in options.python else options.python
    runtime = Runtime(python, options.layer.resolve())
    template = deployed_template()
    functions: dict[str, Any] = {}
    for spec in template.functions():
        if options.function and spec.name not in options.function:
            continue
        module = spec.handler.rsplit(".", 1)[0]
        functions[spec.name] = paired(options.runs, spec, template, runtime, module)
    version = subprocess.run(
        [runtime.python, "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    report: dict[str, Any] = {
        "python": version,
        "layer": "source (venv packages)" if not runtime.isolated else str(runtime.layer),
        "runs": options.runs,
        "floor": "import fastapi, mangum, pydantic; from aws_lambda_powertools import Logger",
        "functions": functions,
    }
    if "api" in functions:
        report["api_target_ratio"] = TARGET_RATIO
        report["api_within_target"] = functions["api"]["ratio"] <= TARGET_RATIO
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
