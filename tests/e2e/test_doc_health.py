"""The documentation health report on the synced local stack: each demo client's report through
the API (and `gluekb health`) lists exactly the findings its IT Glue records have, and the
weekly report function mails it through the emulator's SES."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from gluekb_dev.demo.tenant import TenantStore
from tests.e2e.conftest import RunningStack
from tests.health_support import AS_OF, SEEDED, expected_findings, reported
from tests.support import ROOT, event

pytestmark = pytest.mark.e2e


def test_each_demo_client_lists_every_seeded_finding_and_nothing_else(
    synced_stack: RunningStack,
) -> None:
    tenant = TenantStore(synced_stack.stack.home / "demo").load()
    for name, seeded in SEEDED.items():
        # When the client's report is asked for, as of the demo tenant's day
        response = synced_stack.api(
            "GET", f"/v1/organizations/{name}/health?as_of={AS_OF.isoformat()}"
        )
        assert response.status_code == 200, response.text
        report = response.json()
        # Then it lists exactly what the client's records have, the seeds in exact numbers
        expected = expected_findings(tenant, name)
        assert reported(report) == expected, name
        counts = Counter(kind for kind, _ in expected)
        assert {k: v for k, v in report["counts"].items() if v} == dict(counts), name
        for kind in ("certificate_expiry", "broken_relationship", "missing_required_fields",
                     "configuration_without_location"):  # fmt: skip
            assert report["counts"][kind] == seeded.get(kind, 0), (name, kind)


def test_gluekb_health_prints_a_clients_report(synced_stack: RunningStack) -> None:
    gluekb = Path(sys.executable).with_name("gluekb")
    done = subprocess.run(
        [str(gluekb), "health", "--org", "Globex", "--as-of", AS_OF.isoformat(), "--json"],
        cwd=ROOT,
        env={**os.environ, "GLUEKB_HOME": str(synced_stack.stack.home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (
        report["organization_name"] == "Globex" and report["counts"]["missing_required_fields"] == 1
    )


def test_the_weekly_report_is_mailed_through_ses(synced_stack: RunningStack) -> None:
    ses = synced_stack.clients.ses
    before = sum(p["DeliveryAttempts"] for p in ses.get_send_statistics()["SendDataPoints"])
    # When EventBridge's weekly schedule fires the function
    result = synced_stack.loop.run(
        synced_stack.stack.invoke(
            "HealthReportFunction", event("health_report/scheduled_event.json")
        )
    )
    # Then every client's report went to the configured address through SES
    assert result.ok, result.payload
    outcome = result.json()
    assert outcome["sent_to"] == "msp-docs@example.com" and outcome["message_id"]
    assert outcome["organizations"] == len(SEEDED)
    after = sum(p["DeliveryAttempts"] for p in ses.get_send_statistics()["SendDataPoints"])
    assert after > before  # (moto counts the To header and the destination both)
    # And the next report compares with it
    acme = synced_stack.api("GET", "/v1/organizations/Acme%20Corp/health").json()
    assert acme["trend"]["previous_at"] is not None
