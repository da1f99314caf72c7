"""The local AWS endpoint: moto's server in its own process, with durable state.

    python -m gluekb_dev.stack.aws_emulator --port 4577 --state-dir .gluekb/aws

Prints one JSON line `{"ready": true, "url": ...}` when it listens. Besides the AWS APIs it
answers control routes under /_gluekb/: POST restore (after the resources were provisioned),
POST checkpoint, POST backup (`{"dir": ...}`: a checkpoint copied there, for `gluekb backup`),
GET health. SIGTERM/SIGINT stop it after a final checkpoint.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from moto.server import (  # type: ignore[attr-defined]
    DomainDispatcherApplication,
    create_backend_app,
)
from werkzeug.serving import WSGIRequestHandler, make_server

from gluekb_dev.stack import moto_patches
from gluekb_dev.stack.persistence import EmulatorState, RestoreReport
from gluekb_dev.stack.template import DEFAULT_ACCOUNT_ID

# Requests that only read. Everything else may change state and schedules a checkpoint.
_READ_ONLY_TARGETS = (
    "DynamoDB_20120810.GetItem",
    "DynamoDB_20120810.BatchGetItem",
    "DynamoDB_20120810.Query",
    "DynamoDB_20120810.Scan",
    "DynamoDB_20120810.DescribeTable",
    "DynamoDB_20120810.ListTables",
    "DynamoDB_20120810.DescribeTimeToLive",
    "AmazonSQS.GetQueueAttributes",
    "AmazonSQS.GetQueueUrl",
    "AmazonSQS.ListQueues",
    "secretsmanager.GetSecretValue",
    "secretsmanager.DescribeSecret",
)
_RECEIVE = "AmazonSQS.ReceiveMessage"

StartResponse = Callable[..., Any]


class _QuietHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: boto3 reuses connections

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class EmulatorApp:
    """WSGI middleware around moto: control routes, and a dirty flag for checkpoints."""

    def __init__(self, moto_app: Any, state: EmulatorState) -> None:
        self.moto_app = moto_app
        self.state = state
        self.dirty = threading.Event()
        # Until the snapshot is restored, a checkpoint would overwrite it with an empty world.
        self.restored = threading.Event()
        self._restore_lock = threading.Lock()
        self.last_checkpoint: dict[str, Any] = {}
        self.started_at = time.time()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_gluekb/"):
            return self._control(environ, start_response, path.removeprefix("/_gluekb/"))
        method = environ.get("REQUEST_METHOD", "GET")
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target == _RECEIVE:
            return self._receive(environ, start_response)
        if method not in ("GET", "HEAD", "OPTIONS") and target not in _READ_ONLY_TARGETS:
            self.dirty.set()
        result: Iterable[bytes] = self.moto_app(environ, start_response)
        return result

    def _receive(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # An empty long poll changes nothing; one that returned messages changed receive counts.
        body = b"".join(self.moto_app(environ, start_response))
        if b'"Messages"' in body:
            self.dirty.set()
        return [body]

    def _control(
        self, environ: dict[str, Any], start_response: StartResponse, action: str
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if action == "restore" and method == "POST":
            payload: dict[str, Any] = self.restore()
        elif action == "checkpoint" and method == "POST":
            payload = self.checkpoint()
        elif action == "backup" and method == "POST":
            payload = self.backup(_json_body(environ).get("dir", ""))
        elif action == "health" and method == "GET":
            payload = {
                "ok": True,
                "uptime_s": round(time.time() - self.started_at, 1),
                "last_checkpoint": self.last_checkpoint,
            }
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"message":"unknown control route"}']
        body = json.dumps(payload).encode()
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    def restore(self) -> dict[str, Any]:
        """Restore the last checkpoint. Whatever happens, the emulator then serves and
        checkpoints: damage is reported (and kept aside), never raised."""
        with self._restore_lock:
            if self.restored.is_set():
                return {"already_restored": True}
            try:
                report = self.state.restore()
            except Exception as exc:  # a bug or damage nobody foresaw: start empty, say so
                logging.getLogger("gluekb.emulator").exception("restore failed")
                report = RestoreReport(lost=[f"the whole checkpoint: restore failed ({exc})"])
                if self.state.snapshot_path.exists():
                    moved = self.state.keep_aside(self.state.snapshot_path, move=True)
                    report.kept_aside.append(moved)
            if report.lost:
                logging.getLogger("gluekb.emulator").warning(
                    "checkpoint damaged; not restored: %s; kept aside: %s",
                    "; ".join(report.lost),
                    ", ".join(report.kept_aside),
                )
            self.restored.set()
            self.dirty.set()
            return report.as_dict()

    def backup(self, folder: str) -> dict[str, Any]:
        """A checkpoint copied into `folder` (`gluekb backup`): the snapshot and its blobs."""
        if not self.restored.is_set() or not folder:
            return {"error": "not restored yet" if folder else "no folder given"}
        return self.state.backup(Path(folder))

    def checkpoint(self) -> dict[str, Any]:
        if not self.restored.is_set():
            return {"skipped": "state not restored yet"}
        started = time.time()
        self.dirty.clear()
        self.last_checkpoint = {**self.state.checkpoint(), "started_at": started, "at": time.time()}
        return self.last_checkpoint


def _json_body(environ: dict[str, Any]) -> dict[str, Any]:
    size = int(environ.get("CONTENT_LENGTH") or 0)
    try:
        body = json.loads(environ["wsgi.input"].read(size) or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _checkpoint_loop(app: EmulatorApp, interval_s: float, stop: threading.Event) -> None:
    log = logging.getLogger("gluekb.emulator")
    while not stop.wait(interval_s):
        if app.dirty.is_set():
            try:
                app.checkpoint()
            except Exception:
                log.exception("checkpoint failed; the previous one is kept")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--checkpoint-interval", type=float, default=1.0)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_patches.apply()

    state = EmulatorState(args.state_dir, DEFAULT_ACCOUNT_ID, args.region)
    app = EmulatorApp(DomainDispatcherApplication(create_backend_app), state)
    server = make_server(args.host, args.port, app, threaded=True, request_handler=_QuietHandler)
    stop = threading.Event()
    serving = threading.Thread(target=server.serve_forever, name="emulator-http", daemon=True)
    serving.start()
    saver = threading.Thread(
        target=_checkpoint_loop, args=(app, args.checkpoint_interval, stop), daemon=True
    )
    saver.start()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(json.dumps({"ready": True, "url": f"http://{args.host}:{server.port}"}), flush=True)
    stop.wait()
    server.shutdown()
    app.checkpoint()
    return 0


if __name__ == "__main__":
    sys.exit(main())
