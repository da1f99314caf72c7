"""The webhooks function with each provider's real-shaped deliveries, against template.yaml on
moto: valid deliveries are queued once however often they arrive; forged, tampered, stale and
oversized ones are refused and queue nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest
from pydantic import SecretStr

from gluekb.adapters.dynamodb import from_item
from gluekb.adapters.repo_registry import RepoRegistry
from gluekb.adapters.state_store import StateStore
from gluekb.adapters.webhook_counters import WebhookCounters
from gluekb.models.organizations import RegisteredOrganization
from gluekb.models.repos import RepoIndexJob
from gluekb.models.sync import SyncJob
from gluekb.services.repos.registration import register_repo
from gluekb.services.webhooks.signatures import derive_secret
from tests.support import LambdaContext, environment, load_handler, take_messages
from tests.webhook_support import encode, github_headers, http_event, psa_headers, sample

MASTER = "s3cr3t"  # the moto_stack fixture's WebhookSecret signing_secret
STATE = "gluekb-local-state"


def secret(name: str) -> SecretStr:
    return SecretStr(derive_secret(MASTER, name))


WINDOW_S = 1  # IT Glue's dedupe window, short for the tests (10 s by default)


@pytest.fixture
def hooks(moto_stack: dict[str, Any]) -> Iterator[ModuleType]:
    with environment(moto_stack["env"]["webhooks"] | {"GLUEKB_CONTENT_DEDUPE_S": str(WINDOW_S)}):
        yield load_handler("webhooks")


def deliver(hooks: ModuleType, path: str, headers: dict[str, str], body: bytes, **kw: Any) -> Any:
    response = hooks.handler(http_event(path, headers, body, **kw), LambdaContext())
    return response["statusCode"], json.loads(response["body"])


def queued_jobs(moto_stack: dict[str, Any], queue: str) -> list[dict[str, Any]]:
    """The jobs on the `sync` or `index` queue, taken off it (the function only queues)."""
    sqs = moto_stack["clients"].sqs
    url = sqs.get_queue_url(QueueName=f"gluekb-local-{queue}")["QueueUrl"]
    return [json.loads(body) for body in take_messages(sqs, url)]


def refused(moto_stack: dict[str, Any], provider: str) -> dict[str, Any]:
    return WebhookCounters(moto_stack["clients"].dynamodb, STATE).counters(provider)


def register(moto_stack: dict[str, Any], url: str, organization: str = "1001") -> None:
    register_repo(
        RepoRegistry(moto_stack["clients"].dynamodb, STATE),
        organization_id=organization,
        url=url,
        provider=None,
        branch=None,
        now=datetime.now(UTC),
    )


# ---------------------------------------------------------------------------- GitHub
def test_a_github_push_delivered_three_times_is_queued_once(
    moto_stack: dict[str, Any], hooks: ModuleType
) -> None:
    # Given a registered repository and GitHub's push for it
    register(moto_stack, "https://github.com/acme-msp/runbooks")
    headers, payload = sample("github_push")
    body = encode(payload)
    signed = github_headers(headers, secret("github"), body)
    # When GitHub delivers it three times (its retries and a manual redelivery)
    answers = [deliver(hooks, "/webhooks/github", signed, body) for _ in range(3)]
    # Then every delivery is answered 202 with its own request id, the repeats as duplicates
    assert [status for status, _ in answers] == [202, 202, 202]
    receipts = [receipt for _, receipt in answers]
    assert receipts[0]["status"] == "queued" and receipts[0]["duplicate"] is False
    assert all(r["duplicate"] for r in receipts[1:])
    assert {r["delivery_id"] for r in receipts} == {headers["X-GitHub-Delivery"]}
    assert len({r["request_id"] for r in receipts}) == 3
    # And exactly one index job names exactly the files the push changed
    (queued,) = queued_jobs(moto_stack, "sync")
    job = RepoIndexJob.model_validate(queued)
    assert job.after == payload["after"] and job.before == payload["before"]
    assert job.organization_id == "1001" and job.branch == "main"
    assert sorted(job.paths or []) == sorted(
        [
            "contoso/backup-retention.md",
            "README.md",
            "scripts/Export-Mailboxes.ps1",
            "contoso/vpn-legacy.rst",
        ]
    )


@pytest.mark.parametrize("forgery", ["tampered body", "wrong secret", "no signature"])
def test_a_forged_github_delivery_is_refused_counted_and_not_queued(
    moto_stack: dict[str, Any], hooks: ModuleType, forgery: str
) -> None:
    register(moto_stack, "https://github.com/acme-msp/runbooks")
    headers, payload = sample("github_push")
    body = encode(payload)
    signed = github_headers(headers, secret("github"), body)
    if forgery == "tampered body":
        payload["commits"][0]["added"].append("evil.md")
        body = encode(payload)
    elif forgery == "wrong secret":
        signed = github_headers(headers, SecretStr("guessed"), body)
    else:
        del signed["X-Hub-Signature-256"]
    status, answer = deliver(hooks, "/webhooks/github", signed, body)
    assert status == 401 and answer["error"]["code"] == "unauthorized"
    assert queued_jobs(moto_stack, "sync") == []
    assert refused(moto_stack, "github")["rejected_signature"] == 1


def test_a_github_ping_is_answered_and_nothing_is_queued(
    moto_stack: dict[str, Any], hooks: ModuleType
) -> None:
    headers, payload = sample("github_ping")
    body = encode(payload)
    status, answer = deliver(
        hooks, "/webhooks/github", github_headers(headers, secret("github"), body), body
    )
    assert status == 202 and answer["status"] == "ignored" and answer["detail"] == "pong"
    assert queued_jobs(moto_stack, "sync") == []


def test_a_push_to_an_unregistered_repository_or_another_branch_queues_nothing(
    moto_stack: dict[str, Any], hooks: ModuleType
) -> None:
    headers, payload = sample("github_push")
    body = encode(payload)
    status, answer = deliver(
        hooks, "/webhooks/github", github_headers(headers, secret("github"), body), body
    )
    assert (status, answer["status"], answer["detail"]) == (
        202,
        "ignored",
        "repository not registered",
    )
    register(moto_stack, "https://github.com/acme-msp/runbooks")
    payload["ref"] = "refs/heads/feature/new-vpn"
    body = encode(payload)
    headers["X-GitHub-Delivery"] = "another-delivery"
    status, answer = deliver(
        hooks, "/webhooks/github", github_headers(headers, secret("github"), body), body
    )
    assert status == 202 and answer["status"] == "ignored"
    assert queued_jobs(moto_stack, "sync") == []


def test_a_delivery_id_cannot_be_reused_for_another_body(
    moto_stack: dict[str, Any], hooks: ModuleType
) -> None:
    register(moto_stack, "https://github.com/acme-msp/runbooks")
    headers, payload = sample("github_push")
    first = encode(payload)
    assert (
        deliver(hooks, "/webhooks/github", github_headers(headers, secret("github"), first), first)[
            0
        ]
        == 202
    )
    payload["commits"][0]["added"] = ["other.md"]
    second = encode(payload)
    status, answer = deliver(
        hooks, "/webhooks/github", github_headers(headers, secret("github"), second), second
    )
    assert status == 409 and answer["error"]["code"] == "conflict"
    assert len(queued_jobs(moto_stack, "sync")) == 1


# ---------------------------------------------------------------------------- GitLab
def test_a_gitlab_push_delivered_three_times_is_queued_once(
    moto_stack: dict[str, Any], hooks: ModuleType
) -> None:
    register(moto_stack, "https://gitlab.example.com/msp/ops-runbooks")
    headers, payload = sample("gitlab_push")
    body = encode(payload)
    headers["X-Gitlab-Token"] = secret("gitlab").get_secret_value()
    answers = [deliver(hooks, "/webhooks/gitlab", headers, body) for _ in range(3)]
    assert [a[0] for a in answers] == [202, 202, 202]
    assert [a[1].get("duplicate", False) for a in answers] == [False, True, True]
    (queued,) = queued_jobs(moto_stack, "sync")
    job = RepoIndexJob.model_validate(queued)
    assert job.branch == "master" and job.after == payload["after"]
    assert sorted(job.paths or []) == [
        "printers/README.md",
        "printers/fax.txt",
        "printers/mfp-drivers.md",
    ]


def test_a_truncated_gitlab_push_asks_the_indexer_to_compare_commits(
    moto_stack: dict[str, Any], hooks: ModuleType
) -> None:
    register(moto_stack, "git@gitlab.example.com:msp/ops-runbooks.git")  # matched by SSH URL
    headers, payload = sample("gitlab_push")
    payload["total_commits_count"] = 57  # GitLab lists at most 20 commits
    body = encode(payload)
    headers["X-Gitlab-Token"] = secret("gitlab").get_secret_value()
    assert deliver(hooks, "/webhooks/gitlab", headers, body)[0] == 202
    (queued,) = queued_jobs(moto_stack, "sync")
    assert RepoIndexJob.model_validate(queued).paths is None


@pytest.mark.parametrize("token", ["wrong", None])
def test_a_gitlab_delivery_with_a_wrong_token_is_refused(
    moto_stack: dict[str, Any], hooks: ModuleType, token: str | None
) -> None:
    register(moto_stack, "https://gitlab.example.com/msp/ops-runbooks")
    headers, payload = sample("gitlab_push")
    if token:
        headers["X-Gitlab-Token"] = token
    status, _ = deliver(hooks, "/webhooks/gitlab", headers, encode(payload))
    assert status == 401
    assert queued_jobs(moto_stack, "sync") == []
    assert refused(moto_stack, "gitlab")["rejected_secret"] == 1


# ---------------------------------------------------------------------------- IT Glue
def test_an_itglue_workflow_queues_one_targeted_resync(
    moto_stack: dict[str, Any], hooks: ModuleType
) -> None:
    headers, payload = sample("itglue_document_updated")
    body = encode(payload)
    path = f"/webhooks/itglue/{secret('itglue').get_secret_value()}"
    answers = [deliver(hooks, path, headers, body) for _ in range(3)]
    assert [a[0] for a in answers] == [202, 202, 202]
    assert answers[0][1]["status"] == "queued" and answers[2][1]["duplicate"] is True
    # The re-sync waits out the window (an edit whose delivery was folded in is still read)
    assert queued_jobs(moto_stack, "sync") == []
    time.sleep(WINDOW_S + 0.2)
    (queued,) = queued_jobs(moto_stack, "sync")
    job = SyncJob.model_validate(queued)
    assert (job.organization_id, job.resource_type, job.record_id, job.reason) == (
        "1001",
        "documents",
        "900001",
        "webhook",
    )
    # A later change of the same record (the same body, after the window) re-syncs again
    time.sleep(1)  # the idempotency record's expiry has whole-second resolution
    status, answer = deliver(hooks, path, headers, body)
    assert status == 202 and answer["duplicate"] is False
    time.sleep(WINDOW_S + 0.2)
    assert len(queued_jobs(moto_stack, "sync")) == 1


def test_an_itglue_workflow_with_a_wrong_url_secret_is_refused(
    moto_stack: dict[str, Any], hooks: ModuleType
) -> None:
    headers, payload = sample("itglue_password_changed")
    status, _ = deliver(hooks, "/webhooks/itglue/" + "x" * 43, headers, encode(payload))
    assert status == 401
    assert queued_jobs(moto_stack, "sync") == []
    assert refused(moto_stack, "itglue")["rejected_secret"] == 1


def test_an_itglue_workflow_that_names_no_record_is_a_422(
    moto_stack: dict[str, Any], hooks: ModuleType
) -> None:
    headers, payload = sample("itglue_document_updated")
    payload["resource_url"] = "[resource_url]"  # the author forgot to pick the variable
    path = f"/webhooks/itglue/{secret('itglue').get_secret_value()}"
    status, answer = deliver(hooks, path, headers, encode(payload))
    assert status == 422 and "resource_url" in answer["error"]["message"]
    assert queued_jobs(moto_stack, "sync") == []


# ---------------------------------------------------------------------------- PSA
def tickets(moto_stack: dict[str, Any]) -> list[dict[str, Any]]:
    items = moto_stack["clients"].dynamodb.scan(TableName="gluekb-local-tickets")["Items"]
    return [from_item(i) for i in items]


def test_a_psa_ticket_delivered_three_times_is_filed_once_then_updated(
    moto_stack: dict[str, Any], hooks: ModuleType
) -> None:
    StateStore(moto_stack["clients"].dynamodb, STATE).put_organization(
        RegisteredOrganization(id="1001", name="Acme Corp")
    )
    headers, payload = sample("psa_ticket_created")
    body = encode(payload)
    signed = psa_headers(headers, secret("psa:connectwise"), body)
    answers = [deliver(hooks, "/webhooks/psa/connectwise", signed, body) for _ in range(3)]
    assert [a[0] for a in answers] == [202, 202, 202]
    assert answers[0][1]["status"] == "ticket_created"
    ticket_id = answers[0][1]["ticket_id"]
    assert all(a[1]["ticket_id"] == ticket_id for a in answers)
    (ticket,) = [i for i in tickets(moto_stack) if i["sk"] == "META"]
    assert (ticket["id"], ticket["organization_id"], ticket["source"]) == (
        ticket_id,
        "1001",
        "psa",
    )
    assert (ticket["priority"], ticket["status"]) == ("high", "open")
    (index_job,) = queued_jobs(moto_stack, "index")
    assert index_job["source_id"] == f"ticket:{ticket_id}"

    # A note from the technician: the same ticket, a second message, a new status
    headers, payload = sample("psa_ticket_note_added")
    body = encode(payload)
    status, answer = deliver(
        hooks,
        "/webhooks/psa/connectwise",
        psa_headers(headers, secret("psa:connectwise"), body),
        body,
    )
    assert (status, answer["status"], answer["ticket_id"]) == (202, "ticket_updated", ticket_id)
    items = tickets(moto_stack)
    (ticket,) = [i for i in items if i["sk"] == "META"]
    assert ticket["status"] == "pending" and ticket["message_count"] == 2
    assert len([i for i in items if i["sk"].startswith("MSG#")]) == 2
    assert [j["source_id"] for j in queued_jobs(moto_stack, "index")] == [f"ticket:{ticket_id}"]


@pytest.mark.parametrize("forgery", ["tampered body", "replayed later", "other provider"])
def test_a_forged_or_replayed_psa_delivery_is_refused(
    moto_stack: dict[str, Any], hooks: ModuleType, forgery: str
) -> None:
    headers, payload = sample("psa_ticket_created")
    body = encode(payload)
    signed = psa_headers(headers, secret("psa:connectwise"), body)
    reason = "signature"
    if forgery == "tampered body":
        body = body.replace(b"Priority 2", b"Priority 1")
    elif forgery == "replayed later":
        signed = psa_headers(headers, secret("psa:connectwise"), body, at=time.time() - 3600)
        reason = "stale"
    else:  # signed for another PSA's endpoint
        signed = psa_headers(headers, secret("psa:autotask"), body)
    status, _ = deliver(hooks, "/webhooks/psa/connectwise", signed, body)
    assert status == 401
    assert not [i for i in tickets(moto_stack) if i["sk"] == "META"]
    assert queued_jobs(moto_stack, "index") == []
    assert refused(moto_stack, "psa")[f"rejected_{reason}"] == 1


# ---------------------------------------------------------------------------- every provider
OVERSIZED = b'{"padding": "' + b"x" * (1024 * 1024) + b'"}'


@pytest.mark.parametrize(
    "path", ["/webhooks/github", "/webhooks/gitlab", "/webhooks/psa/connectwise", "itglue"]
)
@pytest.mark.parametrize("as_base64", [False, True])
def test_a_body_over_one_megabyte_is_a_413_before_anything_else(
    moto_stack: dict[str, Any], hooks: ModuleType, path: str, as_base64: bool
) -> None:
    if path == "itglue":
        path = f"/webhooks/itglue/{secret('itglue').get_secret_value()}"
    # Signed correctly: the size alone refuses it
    headers = github_headers({"X-GitHub-Event": "push"}, secret("github"), OVERSIZED)
    status, answer = deliver(hooks, path, headers, OVERSIZED, as_base64=as_base64)
    assert status == 413 and answer["error"]["code"] == "payload_too_large"
    assert queued_jobs(moto_stack, "sync") == [] and queued_jobs(moto_stack, "index") == []


def test_unknown_providers_are_404(hooks: ModuleType) -> None:
    status, _ = deliver(hooks, "/webhooks/bitbucket", {}, b"{}")
    assert status == 404
    status, _ = deliver(hooks, "/webhooks/psa/Not_A_Name", {}, b"{}")
    assert status == 404
