"""Docs repositories: registering one for an organization, and turning a push into an index job.

A repository is known by a normalised URL (`github.com/acme/runbooks`, `local/srv/git/ops`):
clone, web and SSH URLs of the same repository normalise alike, so a push is matched whichever
of them its payload carries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from gluekb.errors import InvalidInput
from gluekb.models.repos import (
    MAX_PATHS_PER_JOB,
    ZERO_SHA,
    RepoIndexJob,
    RepoProvider,
    RepoRegistration,
    valid_repo_path,
)
from gluekb.models.webhooks import PushCommit
from gluekb.ports.repos import RepoRegistrations

_SCP = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>[^/].*)$")  # git@host:owner/repo


def repo_location(url: str) -> tuple[str, str]:
    """(host, path) of a repository URL as written (`local` and the folder for a local one)."""
    text = url.strip()
    if not text:
        raise InvalidInput("the repository URL is empty")
    if text.startswith("/") or text.startswith("file://"):
        path = urlsplit(text).path if text.startswith("file://") else text
        return "local", str(Path(path)).rstrip("/").removesuffix(".git")
    scp = _SCP.match(text) if "://" not in text else None
    if scp:
        host, path = scp.group("host"), scp.group("path")
    else:
        parts = urlsplit(text)
        if parts.scheme not in ("https", "http", "ssh", "git") or not parts.hostname:
            raise InvalidInput(f"not a repository URL: {text[:200]!r}")
        host, path = parts.hostname, parts.path
    path = path.strip("/").removesuffix(".git").strip("/")
    if not path:
        raise InvalidInput(f"the repository URL names no repository: {text[:200]!r}")
    return host.lower(), path


def repo_key(url: str) -> str:
    """The normalised identity of a repository URL (lower-case host and path, no `.git`)."""
    host, path = repo_location(url)
    return f"local{path}" if host == "local" else f"{host}/{path.lower()}"


def repo_id_for(key: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", key.rsplit("/", 1)[-1].lower()).strip("-")[:40] or "repo"
    return f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def infer_provider(url: str) -> RepoProvider:
    key = repo_key(url)
    if key.startswith("local/"):
        return "local"
    host = key.split("/", 1)[0]
    if host == "github.com" or host.endswith(".github.com"):
        return "github"
    if "gitlab" in host:
        return "gitlab"
    raise InvalidInput(f"cannot tell the provider of {url!r}: pass --provider github|gitlab|local")


def web_url(provider: RepoProvider, key: str) -> str | None:
    return None if provider == "local" else f"https://{key}"


def blob_url(registration: RepoRegistration, commit: str, path: str) -> str:
    """Where a person opens the file at the indexed commit."""
    if registration.provider == "github" and registration.web_url:
        return f"{registration.web_url}/blob/{commit}/{path}"
    if registration.provider == "gitlab" and registration.web_url:
        return f"{registration.web_url}/-/blob/{commit}/{path}"
    return f"{local_path(registration).as_uri()}#{commit[:12]}:{path}"


def local_path(registration: RepoRegistration) -> Path:
    """Where a local repository lives (its registered path, or file:// URL)."""
    url = registration.url
    return Path(urlsplit(url).path if url.startswith("file://") else url).resolve()


def register_repo(
    registry: RepoRegistrations,
    *,
    organization_id: str,
    url: str,
    provider: RepoProvider | None,
    branch: str | None,
    now: datetime,
) -> RepoRegistration:
    chosen = provider or infer_provider(url)
    key = repo_key(url)
    if chosen == "local":
        if not key.startswith("local/"):
            raise InvalidInput("a local repository is a path or a file:// URL")
        folder = Path(urlsplit(url).path if url.startswith("file://") else url.strip())
        if not folder.is_absolute() or not folder.is_dir():
            raise InvalidInput(f"no git repository at {folder}")
    elif key.startswith("local/"):
        raise InvalidInput(f"{chosen} repositories are https:// or SSH URLs, not paths")
    if branch is not None and not re.fullmatch(r"[\w./-]{1,200}", branch):
        raise InvalidInput(f"not a branch name: {branch!r}")
    previous = registry.find([key])
    if previous is not None and previous.organization_id != organization_id:
        raise InvalidInput(
            f"{key} is registered for organization {previous.organization_id}: remove it first"
        )
    registration = RepoRegistration(
        repo_id=previous.repo_id if previous else repo_id_for(key),
        organization_id=organization_id,
        provider=chosen,
        url=url.strip(),
        key=key,
        branch=branch,
        web_url=web_url(chosen, key),
        created_at=previous.created_at if previous else now,
        indexed_commit=previous.indexed_commit if previous else None,
        indexed_at=previous.indexed_at if previous else None,
    )
    registry.put(registration)
    return registration


def candidate_keys(urls: Iterable[str | None]) -> list[str]:
    keys = []
    for url in urls:
        if not url:
            continue
        try:
            keys.append(repo_key(url))
        except InvalidInput:
            continue
    return list(dict.fromkeys(keys))


def changed_paths(commits: Sequence[PushCommit]) -> list[str] | None:
    """Every path the pushed commits added, modified or removed (the indexer reads each at the
    pushed commit: present means upsert, absent means delete). None when the list cannot be
    trusted to be complete, so the indexer compares the commits instead."""
    paths: dict[str, None] = {}
    for commit in commits:
        for path in (*commit.added, *commit.modified, *commit.removed):
            try:
                paths[valid_repo_path(path)] = None
            except ValueError:
                return None
    if len(paths) > MAX_PATHS_PER_JOB:
        return None
    return list(paths)


def push_job(
    registration: RepoRegistration,
    *,
    ref: str,
    default_branch: str | None,
    before: str,
    after: str,
    paths: list[str] | None,
    delivery_id: str,
    received_at: datetime,
) -> RepoIndexJob | None:
    """The index job for a push to the registered branch; None for other refs and deletions."""
    branch = registration.branch or default_branch
    if not ref.startswith("refs/heads/"):
        return None  # tags
    pushed = ref.removeprefix("refs/heads/")
    if branch is not None and pushed != branch:
        return None
    if after == ZERO_SHA:
        return None  # the branch was deleted; its files stay until it comes back
    try:
        return RepoIndexJob(
            repo_id=registration.repo_id,
            organization_id=registration.organization_id,
            branch=pushed,
            before=None if before == ZERO_SHA else before,
            after=after,
            paths=paths,
            delivery_id=delivery_id,
            received_at=received_at,
        )
    except ValueError as exc:
        raise InvalidInput(f"the push names no valid commit: {exc}") from None
