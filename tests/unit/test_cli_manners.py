"""How the CLI speaks: progress as plain lines when its output is not a terminal, and the log
records of what it runs in-process in its log file (stderr only with -v), never in its output."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
from click.testing import CliRunner

from gluekb_dev.cli.progress import PlainProgress

EMIT = """
import logging, sys
from gluekb_dev.cli.logs import route_logs, set_verbosity
set_verbosity(int(sys.argv[2]))
route_logs(__import__("pathlib").Path(sys.argv[1]))
from gluekb.observability import build_logger, logger
logger.info("from the service", extra={"token": "gkb_secretsecretsecret"})
build_logger(service="worker", child=True).warning("from a child logger")
logging.getLogger("botocore.credentials").info("Found credentials in environment variables.")
print("the command's output")
"""


def _run(home: Path, verbosity: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", EMIT, str(home), str(verbosity)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_log_records_go_to_the_log_file_and_output_stays_clean(tmp_path: Path) -> None:
    done = _run(tmp_path, 0)
    assert done.stdout == "the command's output\n" and done.stderr == ""
    records = [
        json.loads(line) for line in (tmp_path / "logs" / "cli.log").read_text().splitlines()
    ]
    assert [r["message"] for r in records] == ["from the service", "from a child logger"]
    assert all(r["service"] == "gluekb-cli" for r in records)
    assert records[0]["token"] == "[redacted]"  # secrets stay out of log files too


def test_with_verbose_the_records_go_to_stderr(tmp_path: Path) -> None:
    done = _run(tmp_path, 1)
    assert done.stdout == "the command's output\n"
    messages = [json.loads(line)["message"] for line in done.stderr.splitlines()]
    assert messages == ["from the service", "from a child logger"]
    assert not (tmp_path / "logs" / "cli.log").exists()


def test_plain_progress_prints_a_line_per_step_not_a_redrawn_bar() -> None:
    def steps() -> None:
        progress = PlainProgress(every_s=0)
        with progress:
            task = progress.add_task("Acme Corp · configurations", total=3)
            for done in (0, 1, 1, 3):
                progress.update(task, completed=done)

    output = CliRunner().invoke(_as_command(steps)).output
    assert output.splitlines() == [
        "Acme Corp · configurations: 0/3",
        "Acme Corp · configurations: 1/3",
        "Acme Corp · configurations: 3/3 done",
    ]


def _as_command(body: Callable[[], None]) -> click.Command:
    return click.command()(body)
