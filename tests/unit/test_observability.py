from __future__ import annotations

import io
import json
import logging

from gluekb.observability import REDACTED, build_logger, redact


def test_sensitive_keys_and_key_shaped_strings_are_redacted() -> None:
    data = {
        "password": "hunter2",
        "nested": {"api_key": "abc", "name": "fw01"},
        "headers": {"Authorization": "Bearer abcdefghijkl"},
        "note": "used gkb_live_0123456789abcdef to call",
        "count": 3,
    }
    clean = redact(data)
    assert clean["password"] == REDACTED
    assert clean["nested"] == {"api_key": REDACTED, "name": "fw01"}
    assert clean["headers"]["Authorization"] == REDACTED
    assert "gkb_live" not in clean["note"]
    assert clean["count"] == 3


def test_the_logger_never_writes_a_secret_passed_as_extra_or_message() -> None:
    stream = io.StringIO()
    logger = build_logger(service="redaction-test", logger_handler=logging.StreamHandler(stream))
    logger.info("revealed Bearer supersecrettoken123", extra={"password": "hunter2", "org": "acme"})
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert "hunter2" not in stream.getvalue()
    assert "supersecrettoken123" not in stream.getvalue()
    assert line["org"] == "acme"
