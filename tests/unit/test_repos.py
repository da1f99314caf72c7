"""Docs repositories: URL identity, what a push changed, which pushes are indexed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gluekb.errors import InvalidInput
from gluekb.models.repos import ZERO_SHA, RepoRegistration
from gluekb.models.webhooks import PushCommit
from gluekb.services.repos.indexer import language_for
from gluekb.services.repos.registration import (
    changed_paths,
    infer_provider,
    push_job,
    repo_id_for,
    repo_key,
)

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
A, B = "a" * 40, "b" * 40


def test_clone_web_and_ssh_urls_of_a_repository_are_one_key() -> None:
    keys = {
        repo_key(url)
        for url in (
            "https://github.com/Acme-MSP/runbooks",
            "https://github.com/acme-msp/runbooks.git",
            "git@github.com:acme-msp/runbooks.git",
            "ssh://git@github.com/acme-msp/runbooks.git",
            "git://github.com/acme-msp/runbooks.git",
            "https://token:x-oauth@github.com/acme-msp/runbooks/",
        )
    }
    assert keys == {"github.com/acme-msp/runbooks"}
    assert (
        repo_key("file:///srv/git/ops.git") == repo_key("/srv/git/ops.git") == "local/srv/git/ops"
    )


def test_ids_are_readable_and_distinct() -> None:
    one, other = repo_id_for("github.com/a/runbooks"), repo_id_for("gitlab.com/b/runbooks")
    assert one.startswith("runbooks-") and other.startswith("runbooks-") and one != other


def test_providers_are_inferred_or_asked_for() -> None:
    assert infer_provider("https://github.com/a/b") == "github"
    assert infer_provider("https://gitlab.example.com/a/b") == "gitlab"
    assert infer_provider("/srv/git/b.git") == "local"
    with pytest.raises(InvalidInput, match="--provider"):
        infer_provider("https://git.example.com/a/b")
    with pytest.raises(InvalidInput):
        repo_key("not a url")


def test_changed_paths_unite_every_commit_of_the_push() -> None:
    commits = [
        PushCommit(id=A, added=["docs/new.md"], modified=["README.md"]),
        PushCommit(id=B, removed=["docs/new.md", "old.rst"], modified=["README.md"]),
    ]
    assert changed_paths(commits) == ["docs/new.md", "README.md", "old.rst"]


def test_a_path_that_climbs_out_of_the_repository_distrusts_the_list() -> None:
    assert changed_paths([PushCommit(id=A, added=["../../etc/passwd"])]) is None


def registration(branch: str | None = None) -> RepoRegistration:
    return RepoRegistration(
        repo_id="runbooks-12345678",
        organization_id="1001",
        provider="github",
        url="https://github.com/acme-msp/runbooks",
        key="github.com/acme-msp/runbooks",
        branch=branch,
        created_at=NOW,
    )


def job(reg: RepoRegistration, ref: str, after: str = B, default: str | None = "main") -> object:
    return push_job(
        reg,
        ref=ref,
        default_branch=default,
        before=A,
        after=after,
        paths=["README.md"],
        delivery_id="d-1",
        received_at=NOW,
    )


def test_only_pushes_to_the_indexed_branch_become_jobs() -> None:
    queued = job(registration(), "refs/heads/main")
    assert queued is not None
    assert job(registration(), "refs/heads/feature") is None
    assert job(registration(), "refs/tags/v1") is None
    assert job(registration("release"), "refs/heads/release") is not None
    assert job(registration("release"), "refs/heads/main") is None


def test_a_deleted_branch_queues_nothing() -> None:
    assert job(registration(), "refs/heads/main", after=ZERO_SHA) is None


def test_a_push_with_a_bad_commit_id_is_refused() -> None:
    with pytest.raises(InvalidInput):
        job(registration(), "refs/heads/main", after="not-a-sha")


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("runbooks/Backup.MD", "markdown"),
        ("docs/index.rst", "rst"),
        ("notes.txt", "text"),
        ("scripts/Export-Mailboxes.ps1", "powershell"),
        ("deploy/main.tf", "terraform"),
        ("README", "text"),
        ("logo.png", None),
        ("archive.zip", None),
    ],
)
def test_languages(path: str, language: str | None) -> None:
    assert language_for(path) == language
