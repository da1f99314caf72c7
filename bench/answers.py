"""Answer quality and latency through the real HTTP path, on the labelled question sets.

    python bench/answers.py                 # a fresh stack: the demo tenant synced, then scored
    python bench/answers.py --attach        # the `gluekb up` already running in this project
    python bench/answers.py --set holdout --failures

Scores `bench/data/answers.jsonl` (or the held-out set) with `bench/answer_eval.py`: accuracy on
answerable questions, abstention on unanswerable ones, the answer's source at rank 1 / in the top
5 / MRR@10 of `/v1/search`, accuracy per category and per confidence band, and ask/search
latency over HTTP. Prints one JSON object.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/<name>.py`, this folder comes first on sys.path, where a bench module
# could stand in for a standard library one: the project root takes its place.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from bench.answer_eval import SETS, Post, evaluate, load
from bench.stack import ROOT, running_stack
from gluekb_dev.stack.home import load_stack_file


@contextmanager
def attached() -> Iterator[tuple[str, str]]:
    """The API URL and admin key of the stack `gluekb up` runs for this project."""
    home = ROOT / ".gluekb"
    info = load_stack_file(home)
    yield str(info["api_url"]), (home / "admin-key").read_text().strip()


@contextmanager
def fresh() -> Iterator[tuple[str, str]]:
    with (
        tempfile.TemporaryDirectory(prefix="gluekb-bench-") as folder,
        running_stack(Path(folder), parameters={"SyncSchedule": "rate(1 day)"}) as runner,
    ):
        yield runner.stack.api_url, runner.stack.admin_key


def poster(client: httpx.Client, api_url: str, key: str) -> Post:
    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(
            f"{api_url}{path}", json=body, headers={"Authorization": f"Bearer {key}"}
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    return post


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attach", action="store_true", help="use the running `gluekb up`")
    parser.add_argument("--set", choices=tuple(SETS), default="dev")
    parser.add_argument("--failures", action="store_true", help="list what was answered wrong")
    args = parser.parse_args()
    questions = load(SETS[args.set])
    with (
        attached() if args.attach else fresh() as (api_url, key),
        httpx.Client(timeout=60) as client,
    ):
        post = poster(client, api_url, key)
        post("/v1/ask", {"question": "warm up: what is the firewall IP at Acme?"})
        report = evaluate(post, questions)
    result = {"set": args.set, **report.as_json()}
    if args.failures:
        result["failures"] = report.failures
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
