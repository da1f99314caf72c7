"""Email intake on the running local stack, as a person tries it: `gluekb email send FILE.eml`
delivers where SES would, the message becomes a ticket (classified by the worker's model,
indexed, acknowledged), a reply threads, a technician answers through the API and the
customer's answer comes back to the same ticket."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import RunningStack
from tests.mail_support import MAIL
from tests.support import ROOT, wait_until

pytestmark = pytest.mark.e2e


def gluekb_email_send(
    stack: RunningStack, file: Path, *extra: str, as_json: bool = True
) -> tuple[int, Any]:
    gluekb = Path(sys.executable).with_name("gluekb")
    done = subprocess.run(
        [str(gluekb), "email", "send", str(file), *(["--json"] if as_json else []), *extra],
        cwd=ROOT,
        env={**os.environ, "GLUEKB_HOME": str(stack.stack.home)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if as_json and done.stdout.strip():
        return done.returncode, json.loads(done.stdout)
    return done.returncode, done.stdout + done.stderr


def test_a_sent_message_becomes_a_ticket_and_the_conversation_threads(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    # When Jane's mail is sent to the desk
    code, created = gluekb_email_send(running_stack, MAIL / "plain.eml")
    # Then it is a new ticket, triaged by the model as an urgent outage, and acknowledged
    assert code == 0, created
    assert created["status"] == "ticket_created" and created["key"].startswith("inbound/")
    assert created["intent"] == "outage" and created["priority"] in ("high", "critical"), created
    assert created["acknowledged"] is True
    ticket = created["ticket_id"]
    response = running_stack.api("GET", f"/v1/tickets/{ticket}")
    assert response.status_code == 200, response.text
    assert response.json()["classification"]["method"] == "embedding+rules"
    # And her follow-up (In-Reply-To her first mail) joins it
    code, threaded = gluekb_email_send(running_stack, MAIL / "reply_in_reply_to.eml")
    assert code == 0 and threaded["status"] == "threaded" and threaded["ticket_id"] == ticket
    # And the same mail sent again is recognised
    code, again = gluekb_email_send(running_stack, MAIL / "plain.eml")
    assert code == 0 and (again["status"], again["ticket_id"]) == ("duplicate", ticket)
    # When a technician answers through the API (SES sends it, threaded)
    reply = running_stack.api(
        "POST", f"/v1/tickets/{ticket}/reply", json={"text": "The VPN gateway was restarted."}
    )
    assert reply.status_code == 200, reply.text
    message_id = reply.json()["message_id"]
    # Then Jane's answer to that reply, quoting only its Message-ID, comes back to the ticket
    answer = tmp_path / "answer.eml"
    answer.write_bytes(
        (MAIL / "reply_in_reply_to.eml")
        .read_bytes()
        .replace(b"<CAF3x7k1plain0001@mail.acmecorp.com>", f"<{message_id}>".encode())
        .replace(b"CAF3x7k1reply0001", b"CAF3x7k1reply0e2e")
    )
    code, answered = gluekb_email_send(running_stack, answer)
    assert code == 0 and (answered["status"], answered["ticket_id"]) == ("threaded", ticket)
    view = running_stack.api("GET", f"/v1/tickets/{ticket}").json()
    assert view["message_count"] == 4 and view["status"] == "open"
    assert [m["direction"] for m in view["messages"]] == [
        "inbound",
        "inbound",
        "outbound",
        "inbound",
    ]

    # And the worker indexed the ticket: search finds it as a ticket
    def found() -> list[str] | None:
        response = running_stack.api(
            "POST", "/v1/search", json={"query": "VPN remote staff", "types": ["ticket"]}
        )
        ids = [r["source_id"] for r in response.json().get("results", [])]
        return ids if f"ticket:{ticket}" in ids else None

    wait_until(found, timeout_s=120, every_s=1)


def test_a_virus_is_quarantined_and_the_cli_says_why(running_stack: RunningStack) -> None:
    code, output = gluekb_email_send(running_stack, MAIL / "virus_flagged.eml", as_json=False)
    assert code == 1, output
    assert "quarantined" in output and "virus" in output


def test_mail_no_receipt_rule_takes_is_not_delivered(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere.eml"
    elsewhere.write_bytes(
        (MAIL / "forwarded.eml")
        .read_bytes()
        .replace(b"To: Service Desk <support@example.com>", b"To: <sales@example.org>")
    )
    code, output = gluekb_email_send(running_stack, elsewhere, as_json=False)
    assert code == 2 and "SES would not accept this message" in output, output
    code, created = gluekb_email_send(running_stack, elsewhere, "--to", "support@example.com")
    assert code == 0 and created["status"] == "ticket_created", created
