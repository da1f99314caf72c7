"""Docs repositories (runbooks kept in Git): registrations and the index jobs a push queues.

A repository is registered for one organization (`gluekb repos add`); its files become `file`
sources `git:<repo_id>:<path>` of type `git_file`. A push queues one `RepoIndexJob` on the sync
queue naming exactly the paths it changed; the sync worker reads them at the pushed commit and
sends upserts (or deletes, for paths gone at that commit) to the index queue.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

RepoProvider = Literal["github", "gitlab", "local"]
ZERO_SHA = "0" * 40
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
MAX_PATHS_PER_JOB = 2000  # a bigger push is indexed by comparing its commits instead


def valid_sha(value: str) -> str:
    if not _SHA.match(value):
        raise ValueError("not a full git commit id (40 or 64 hex digits)")
    return value


def valid_repo_path(value: str) -> str:
    """A path inside a repository, as git prints it: relative, no `..`, no control characters."""
    if (
        not value
        or len(value) > 400
        or value.startswith("/")
        or any(part in ("", ".", "..") for part in value.split("/"))
        or any(ord(c) < 32 for c in value)
    ):
        raise ValueError(f"not a repository path: {value[:80]!r}")
    return value


class RepoRegistration(BaseModel):
    repo_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")
    organization_id: str = Field(min_length=1, max_length=64)
    provider: RepoProvider
    url: str = Field(min_length=1, max_length=1000)
    key: str = Field(description="the normalised URL pushes are matched by, e.g. github.com/o/r")
    branch: str | None = Field(default=None, description="None: the repository's default branch")
    web_url: str | None = None
    created_at: datetime
    indexed_commit: str | None = None
    indexed_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]


class RepoIndexJob(BaseModel):
    """Index these paths of a repository at `after` (a sync-queue job)."""

    kind: Literal["repo_index"] = "repo_index"
    repo_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")
    organization_id: str = Field(min_length=1, max_length=64)
    branch: str | None = None
    before: str | None = Field(default=None, description="None or zeros: no previous commit")
    after: str | None = Field(default=None, description="None: the branch's head when it runs")
    # None: the push did not list its changes completely; compare before..after instead.
    paths: list[str] | None = Field(default=None, max_length=MAX_PATHS_PER_JOB)
    delivery_id: str | None = None
    received_at: datetime
    # rebuild: every file at the head again (`gluekb index rebuild`), not only what changed
    reason: Literal["push", "register", "cli", "rebuild"] = "push"

    @field_validator("before", "after")
    @classmethod
    def _sha(cls, value: str | None) -> str | None:
        return None if value is None else valid_sha(value)

    @field_validator("paths")
    @classmethod
    def _paths(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [valid_repo_path(p) for p in value]


class RepoIndexReport(BaseModel):
    repo_id: str
    commit: str
    upserted: int = 0
    deleted: int = 0
    skipped: int = 0
    stale: bool = Field(default=False, description="a newer commit was indexed already")
