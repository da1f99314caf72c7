"""Answer quality on the labelled question set (bench/data/answers.jsonl), through the real
HTTP path on the synced demo tenant: the floors below pin what `bench/answers.py` measures.

The set was written from the demo tenant's records, in technicians' phrasing, by people who did
not look at the answer engine; the floors sit a little under what the engine measures so that
only a real regression fails them. A follow-up conversation and the password rule are checked
here too."""

from __future__ import annotations

from typing import Any

import pytest

from bench.answer_eval import DEV_SET, Report, evaluate, load
from gluekb.adapters.api_keys import ApiKeyStore
from gluekb_dev.demo.tenant import TenantStore
from tests.e2e.conftest import RunningStack

pytestmark = pytest.mark.e2e

FLOORS = {
    "accuracy": 0.93,
    "abstention": 0.98,
    "recall_at_1": 0.85,
    "recall_at_5": 0.95,
}
CATEGORY_FLOOR = 0.85
CONFIDENT = "0.8-1.0"
CONFIDENT_FLOOR = 0.95


@pytest.fixture(scope="module")
def report(synced_stack: RunningStack) -> Report:
    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = synced_stack.api("POST", path, json=body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    return evaluate(post, load(DEV_SET))


def test_answers_meet_the_floors_on_the_labelled_set(report: Report) -> None:
    measured = report.as_json()
    for metric, floor in FLOORS.items():
        assert measured[metric] >= floor, (metric, measured[metric], report.failures[:20])


def test_every_kind_of_question_meets_its_floor(report: Report) -> None:
    weak = {
        category: tally.rate
        for category, tally in report.categories.items()
        if tally.rate is not None and tally.rate < CATEGORY_FLOOR
    }
    assert not weak, weak


def test_confident_answers_are_right(report: Report) -> None:
    band = report.bands[CONFIDENT]
    assert band.total >= 100 and band.rate is not None and band.rate >= CONFIDENT_FLOOR


def test_no_answer_ever_holds_a_password_value(synced_stack: RunningStack, report: Report) -> None:
    secrets = set(TenantStore(synced_stack.stack.home / "demo").load().secrets.values())
    asked = [
        "what is the wifi password at acme",
        "acme fw admin creds",
        "sa password for the sql server at globex",
        "what's the domain admin password for contoso",
    ]
    for question in asked:
        answer = synced_stack.api("POST", "/v1/ask", json={"question": question}).json()
        values = " ".join(f["value"] for f in answer["facts"])
        assert not any(secret in values for secret in secrets), question
    assert all(len(secret) >= 8 for secret in secrets)  # the check above means something


def test_a_conversation_follows_up_on_its_last_answer(synced_stack: RunningStack) -> None:
    # Given a question about ACME-FW01
    first = synced_stack.api(
        "POST", "/v1/ask", json={"question": "what is the serial number of ACME-FW01"}
    ).json()
    assert first["found"] and first["conversation_id"]
    conversation = first["conversation_id"]

    # When the technician follows up without naming it again
    model = synced_stack.api(
        "POST", "/v1/ask", json={"question": "and its model?", "conversation_id": conversation}
    ).json()
    impact = synced_stack.api(
        "POST",
        "/v1/ask",
        json={"question": "what depends on it?", "conversation_id": conversation},
    ).json()

    # Then both answers are about ACME-FW01, in the same conversation
    assert model["found"] and model["conversation_id"] == conversation
    assert {f["record"]["title"] for f in model["facts"]} == {"ACME-FW01"}
    assert any(f["field"] == "Model" for f in model["facts"])
    assert impact["found"] and impact["kind"] == "impact"
    assert "ACME-FW01" in {s["title"] for s in impact["sources"]}


def test_another_key_cannot_continue_someone_elses_conversation(
    synced_stack: RunningStack,
) -> None:
    first = synced_stack.api(
        "POST", "/v1/ask", json={"question": "what is the firewall IP at Acme?"}
    ).json()
    store = ApiKeyStore(synced_stack.clients.dynamodb, synced_stack.resource("ApiKeysTable"))
    other, _ = store.create("another technician", ["*"], ["search"])
    response = synced_stack.api(
        "POST",
        "/v1/ask",
        other,
        json={"question": "and its serial?", "conversation_id": first["conversation_id"]},
    )
    assert response.status_code == 404
