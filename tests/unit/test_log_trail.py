"""`gluekb trace <id>`: a correlation id's trail through the local stack's log files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from gluekb_dev.cli.trace import trace
from gluekb_dev.stack.log_trail import trail
from tests.support import environment


def _line(at: str, message: str, correlation: str | None, **facts: object) -> str:
    record = {
        "level": "INFO",
        "location": "x:1",
        "message": message,
        "timestamp": f"2026-11-21 09:00:{at}+0000",
        "service": "svc",
        **({"correlation_id": correlation} if correlation else {}),
        **facts,
    }
    return json.dumps(record)


def _logs(home: Path) -> Path:
    logs = home / "logs"
    logs.mkdir(parents=True)
    (logs / "webhooks.log").write_text(
        "START RequestId: abc Version: $LATEST\n"  # the runtime's own lines are not JSON
        + _line("01,100", "webhook answered", "req-1", provider="github", status=202)
        + "\n"
        + _line("01,200", "webhook answered", "req-2", provider="gitlab")
        + "\n"
    )
    (logs / "sync_worker.log").write_text(
        _line("02,500", "repository indexed", "req-1", upserted=1) + "\n"
    )
    (logs / "worker.log").write_text(
        _line("03,000", "index write", "req-1", source_id="git:r:a.md", status="indexed")
        + "\n"
        + _line("03,010", "batch indexed", None, correlation_ids=["req-1", "req-2"])
        + "\n"
        + '{"truncated": \n'
    )
    return logs


def test_the_trail_is_every_line_carrying_the_id_in_time_order(tmp_path: Path) -> None:
    lines = trail(_logs(tmp_path), "req-1")
    assert [(line.source, line.message) for line in lines] == [
        ("webhooks", "webhook answered"),
        ("sync_worker", "repository indexed"),
        ("worker", "index write"),
        ("worker", "batch indexed"),  # a batch that served it names it among its ids
    ]
    assert lines[0].facts == {"provider": "github", "status": 202}
    assert trail(tmp_path / "logs", "req-404") == []


def test_gluekb_trace_prints_the_trail_and_fails_on_an_unknown_id(tmp_path: Path) -> None:
    _logs(tmp_path)
    runner = CliRunner()
    with environment({"GLUEKB_HOME": str(tmp_path)}):
        shown = runner.invoke(trace, ["req-1"])
        as_json = runner.invoke(trace, ["req-1", "--json"])
        unknown = runner.invoke(trace, ["req-404"])
    assert shown.exit_code == 0, shown.output
    header, *rows = shown.output.splitlines()
    assert header == "req-1: 4 lines from webhooks, sync_worker, worker over 1.91s"
    assert rows[0].startswith("09:00:01.100  webhooks     INFO    webhook answered")
    assert "source_id=git:r:a.md" in rows[2]
    assert [entry["source"] for entry in json.loads(as_json.output)] == [
        "webhooks",
        "sync_worker",
        "worker",
        "worker",
    ]
    assert unknown.exit_code == 1 and "no log line" in unknown.output
