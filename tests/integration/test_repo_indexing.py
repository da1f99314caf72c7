"""Docs repositories: a real git repository, the sync_worker function, the index queue on moto.
A push's index job becomes exactly its files' upserts and deletes, read at the pushed commit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from gluekb.adapters.repo_registry import RepoRegistry
from gluekb.models.documents import IndexJob
from gluekb.models.repos import RepoIndexJob, RepoRegistration
from gluekb.services.indexing.chunking import chunk_document
from gluekb.services.repos.registration import register_repo
from tests.git_support import LocalRepo
from tests.support import LambdaContext, environment, load_handler, take_messages

STATE = "gluekb-local-state"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture
def worker(moto_stack: dict[str, Any]) -> Iterator[ModuleType]:
    with environment(moto_stack["env"]["sync_worker"]):
        yield load_handler("sync_worker")


@pytest.fixture
def repo(tmp_path: Path) -> LocalRepo:
    repo = LocalRepo(tmp_path)
    repo.write("README.md", "# Runbooks\n\nHow Acme's service desk works.\n")
    repo.write(
        "backup/restore.md",
        "# Restoring the nightly backup\n\n## Veeam\n\nOpen the console and pick the "
        "restore point.\n\n```powershell\nGet-VBRRestorePoint -Backup 'Nightly'\n```\n",
    )
    repo.write("vpn/legacy.rst", "Legacy VPN\n==========\n\nThe old SSL VPN on port 10443.\n")
    repo.write("logo.png", b"\x89PNG\r\n\x1a\n\0\0\0binary")
    repo.commit("First runbooks")
    repo.push()
    return repo


def registered(moto_stack: dict[str, Any], repo: LocalRepo) -> RepoRegistration:
    return register_repo(
        RepoRegistry(moto_stack["clients"].dynamodb, STATE),
        organization_id="1001",
        url=str(repo.bare),
        provider="local",
        branch=None,
        now=NOW,
    )


def run(worker: ModuleType, job: RepoIndexJob) -> dict[str, Any]:
    event = {
        "Records": [
            {
                "messageId": f"m-{job.after or 'head'}",
                "receiptHandle": "r",
                "body": job.model_dump_json(exclude_none=True),
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": "1795252500500",
                    "SenderId": "AROAEXAMPLE:gluekb-WebhooksFunction",
                    "ApproximateFirstReceiveTimestamp": "1795252500520",
                },
                "messageAttributes": {},
                "md5OfBody": "0" * 32,
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:gluekb-local-sync",
                "awsRegion": "us-east-1",
            }
        ]
    }
    result: dict[str, Any] = worker.handler(event, LambdaContext())
    return result


def index_jobs(moto_stack: dict[str, Any]) -> dict[str, IndexJob]:
    sqs = moto_stack["clients"].sqs
    url = sqs.get_queue_url(QueueName="gluekb-local-index")["QueueUrl"]
    jobs = [IndexJob.model_validate_json(body) for body in take_messages(sqs, url)]
    return {job.source_id.rsplit(":", 1)[-1]: job for job in jobs}


def push_job(
    registration: RepoRegistration, repo: LocalRepo, before: str, after: str
) -> RepoIndexJob:
    _, payload = repo.github_push(before, after)
    paths = sorted(
        {p for c in payload["commits"] for k in ("added", "modified", "removed") for p in c[k]}
    )
    return RepoIndexJob(
        repo_id=registration.repo_id,
        organization_id="1001",
        branch="main",
        before=before,
        after=after,
        paths=paths,
        delivery_id="d",
        received_at=NOW,
    )


def test_registering_indexes_every_text_file_of_the_branch(
    moto_stack: dict[str, Any], worker: ModuleType, repo: LocalRepo
) -> None:
    registration = registered(moto_stack, repo)
    job = RepoIndexJob(
        repo_id=registration.repo_id, organization_id="1001", received_at=NOW, reason="register"
    )
    assert run(worker, job) == {"batchItemFailures": []}
    jobs = index_jobs(moto_stack)
    assert sorted(jobs) == ["README.md", "backup/restore.md", "vpn/legacy.rst"]  # no logo.png
    restore = jobs["backup/restore.md"]
    assert restore.op == "upsert" and restore.document is not None
    document = restore.document
    assert document.source_id == f"git:{registration.repo_id}:backup/restore.md"
    assert (document.organization_id, document.source_type, document.kind) == (
        "1001",
        "git_file",
        "file",
    )
    assert document.language == "markdown" and document.metadata["commit"] == repo.head
    assert document.url == f"{repo.bare.as_uri()}#{repo.head[:12]}:backup/restore.md"
    # The worker's code-aware chunker keeps the heading path and the code block whole
    chunks = chunk_document(document)
    assert any("Get-VBRRestorePoint" in c.text and c.text.count("```") == 2 for c in chunks)
    assert any(c.metadata.get("heading", "").endswith("Veeam") for c in chunks)
    stored = RepoRegistry(moto_stack["clients"].dynamodb, STATE).get(registration.repo_id)
    assert stored is not None and stored.indexed_commit == repo.head


def test_a_push_upserts_changed_files_and_deletes_removed_ones(
    moto_stack: dict[str, Any], worker: ModuleType, repo: LocalRepo
) -> None:
    registration = registered(moto_stack, repo)
    before = repo.head
    repo.write("backup/restore.md", "# Restoring the nightly backup\n\nNow with Wasabi.\n")
    repo.write("scripts/Export-Mailboxes.ps1", "function Export-All {\n  Get-Mailbox\n}\n")
    repo.write("diagram.png", b"\x89PNG\0more")
    repo.remove("vpn/legacy.rst")
    repo.commit("Wasabi, mailbox export, no more legacy VPN")
    _, after = repo.push()
    assert run(worker, push_job(registration, repo, before, after)) == {"batchItemFailures": []}
    jobs = index_jobs(moto_stack)
    assert sorted(jobs) == ["backup/restore.md", "scripts/Export-Mailboxes.ps1", "vpn/legacy.rst"]
    assert jobs["vpn/legacy.rst"].op == "delete"
    restore = jobs["backup/restore.md"].document
    assert restore is not None and "Wasabi" in (restore.content or "")
    script = jobs["scripts/Export-Mailboxes.ps1"].document
    assert script is not None and script.language == "powershell"


def test_an_older_push_handled_late_never_moves_a_file_backwards(
    moto_stack: dict[str, Any], worker: ModuleType, repo: LocalRepo
) -> None:
    registration = registered(moto_stack, repo)
    first_before = repo.head
    repo.write("README.md", "# Runbooks\n\nversion two\n")
    repo.commit("two")
    _, two = repo.push()
    repo.write("README.md", "# Runbooks\n\nversion three\n")
    repo.commit("three")
    _, three = repo.push()
    # The second push is handled first, then the first one arrives
    run(worker, push_job(registration, repo, two, three))
    assert "version three" in (index_jobs(moto_stack)["README.md"].document.content or "")  # type: ignore[union-attr]
    run(worker, push_job(registration, repo, first_before, two))
    late = index_jobs(moto_stack)["README.md"].document
    assert late is not None and "version three" in (late.content or "")
    stored = RepoRegistry(moto_stack["clients"].dynamodb, STATE).get(registration.repo_id)
    assert stored is not None and stored.indexed_commit == three


def test_a_push_without_a_file_list_compares_the_commits(
    moto_stack: dict[str, Any], worker: ModuleType, repo: LocalRepo
) -> None:
    registration = registered(moto_stack, repo)
    before = repo.head
    repo.write("new/runbook.md", "# New\n\ntext\n")
    repo.remove("README.md")
    repo.commit("forced change")
    _, after = repo.push()
    job = push_job(registration, repo, before, after).model_copy(update={"paths": None})
    run(worker, job)
    jobs = index_jobs(moto_stack)
    assert sorted(jobs) == ["README.md", "new/runbook.md"]
    assert jobs["README.md"].op == "delete" and jobs["new/runbook.md"].op == "upsert"


def test_a_job_for_a_removed_repository_is_dropped_not_retried(
    moto_stack: dict[str, Any], worker: ModuleType, repo: LocalRepo
) -> None:
    registration = registered(moto_stack, repo)
    RepoRegistry(moto_stack["clients"].dynamodb, STATE).remove(registration)
    job = RepoIndexJob(repo_id=registration.repo_id, organization_id="1001", received_at=NOW)
    assert run(worker, job) == {"batchItemFailures": []}
    assert index_jobs(moto_stack) == {}


def test_sync_jobs_still_parse_as_before(worker: ModuleType) -> None:
    body = json.loads(
        json.dumps({"organization_id": "1001", "requested_at": "2026-11-21T09:15:00Z"})
    )
    record = worker.SyncJobRecord.model_validate(
        {
            "messageId": "m",
            "receiptHandle": "r",
            "body": json.dumps(body),
            "attributes": {
                "ApproximateReceiveCount": "1",
                "SentTimestamp": "1795252500500",
                "SenderId": "x",
                "ApproximateFirstReceiveTimestamp": "1795252500520",
            },
            "messageAttributes": {},
            "md5OfBody": "0" * 32,
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:gluekb-local-sync",
            "awsRegion": "us-east-1",
        }
    )
    assert type(record.body).__name__ == "SyncJob"


def test_forgetting_a_repository_takes_its_files_out_of_the_index(
    moto_stack: dict[str, Any], worker: ModuleType, repo: LocalRepo
) -> None:
    registration = registered(moto_stack, repo)
    run(worker, RepoIndexJob(repo_id=registration.repo_id, organization_id="1001", received_at=NOW))
    index_jobs(moto_stack)
    stored = worker.jobs.repos.registry.get(registration.repo_id)
    assert worker.jobs.repos.forget(stored) == 3
    jobs = index_jobs(moto_stack)
    assert sorted(jobs) == ["README.md", "backup/restore.md", "vpn/legacy.rst"]
    assert {j.op for j in jobs.values()} == {"delete"}
    assert worker.jobs.repos.registry.get(registration.repo_id) is None
