"""Reading a docs repository through GitHub's or GitLab's REST API (no git binary, no clone:
what the sync_worker Lambda uses). Each implements `GitRepository` with a handful of requests
per push: the commit, a compare or a tree, and one raw read per changed file.

- GitHub (github.com: api.github.com; Enterprise: https://<host>/api/v3):
  GET /repos/{repo}/commits/{ref}, /compare/{a}...{b}, /git/trees/{sha}?recursive=1,
  /contents/{path}?ref={sha} (Accept: application/vnd.github.raw)
- GitLab (https://<host>/api/v4/projects/{url-encoded path}):
  GET /repository/commits/{sha}, /repository/branches/{name}, /repository/compare?straight=true,
  /repository/tree?recursive=true, /repository/merge_base, /repository/files/{path}/raw

A token (GLUEKB_GITHUB_TOKEN / GLUEKB_GITLAB_TOKEN) reads private repositories; it is sent as
a header only and never logged.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from gluekb.errors import InvalidInput, NotFound, UpstreamError
from gluekb.models.repos import valid_repo_path, valid_sha

_RETRYABLE = frozenset({429, 500, 502, 503, 504})


class _RestRepository:
    """Requests with bounded retries; 404 becomes NotFound, other errors UpstreamError."""

    missing: frozenset[int] = frozenset({404})

    def __init__(
        self,
        base_url: str,
        headers: dict[str, str],
        *,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        retries: int = 3,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url, headers=headers, timeout=timeout_s, transport=transport
        )
        self.retries = retries
        self._trees: dict[str, dict[str, int]] = {}

    def _get(
        self, path: str, params: dict[str, Any] | None = None, **headers: str
    ) -> httpx.Response:
        for attempt in range(self.retries + 1):
            try:
                response = self.http.get(path, params=params, headers=headers)
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise UpstreamError(f"git host unreachable: {type(exc).__name__}") from exc
            else:
                if response.status_code < 300:
                    return response
                if response.status_code in self.missing:
                    raise NotFound(f"git host: {path} not found")
                if response.status_code not in _RETRYABLE or attempt == self.retries:
                    raise UpstreamError(f"git host answered HTTP {response.status_code} for {path}")
            time.sleep(0.2 * 2**attempt)
        raise UpstreamError(f"git host: {path} failed")  # not reached

    def _json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._get(path, params).json()

    def has_commit(self, commit: str) -> bool:
        try:
            self._commit(valid_sha(commit))
        except NotFound:
            return False
        return True

    def sizes(self, commit: str, paths: Sequence[str]) -> dict[str, int | None]:
        tree = self._tree(valid_sha(commit))
        return {path: tree.get(path) for path in paths}

    def all_paths(self, commit: str) -> list[str]:
        paths = []
        for path in self._tree(valid_sha(commit)):
            try:
                paths.append(valid_repo_path(path))
            except ValueError:
                continue
        return paths

    def read(self, commit: str, paths: Sequence[str]) -> dict[str, bytes]:
        found = {}
        tree = self._tree(valid_sha(commit))
        for path in paths:
            if path not in tree:
                continue
            try:
                found[path] = self._raw(valid_sha(commit), valid_repo_path(path))
            except NotFound:
                continue
        return found

    # provider specifics
    def _commit(self, sha: str) -> dict[str, Any]:
        raise NotImplementedError

    def _tree(self, sha: str) -> dict[str, int]:
        raise NotImplementedError

    def _raw(self, sha: str, path: str) -> bytes:
        raise NotImplementedError


class GitHubRepository(_RestRepository):
    missing = frozenset({404, 422})  # GitHub answers 422 "No commit found" for unknown refs

    def __init__(
        self,
        host: str,
        full_name: str,
        token: SecretStr | None = None,
        *,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        api = "https://api.github.com" if host == "github.com" else f"https://{host}/api/v3"
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        super().__init__(api, headers, timeout_s=timeout_s, transport=transport)
        self.repo = f"/repos/{full_name}"

    def _commit(self, sha: str) -> dict[str, Any]:
        commit: dict[str, Any] = self._json(f"{self.repo}/commits/{sha}")
        return commit

    def resolve(self, commit: str | None, branch: str | None) -> str:
        if commit is not None:
            if not self.has_commit(commit):
                raise UpstreamError(f"commit {commit[:12]} is not on GitHub (yet)")
            return commit
        ref = branch or str(self._json(self.repo)["default_branch"])
        try:
            return valid_sha(str(self._json(f"{self.repo}/commits/{quote(ref, safe='')}")["sha"]))
        except NotFound:
            raise InvalidInput(f"the repository has no branch {ref!r}") from None

    def is_ancestor(self, older: str, newer: str) -> bool:
        compare = self._json(f"{self.repo}/compare/{valid_sha(older)}...{valid_sha(newer)}")
        return compare.get("status") in ("ahead", "identical")

    def changed_paths(self, before: str, after: str) -> list[str]:
        compare = self._json(f"{self.repo}/compare/{valid_sha(before)}...{valid_sha(after)}")
        files = compare.get("files") or []
        if len(files) >= 300:  # GitHub lists at most 300 files: list the whole tree instead
            return sorted(set(self.all_paths(after)) | {f["filename"] for f in files})
        paths: dict[str, None] = {}
        for entry in files:
            for name in (entry.get("filename"), entry.get("previous_filename")):
                if name:
                    try:
                        paths[valid_repo_path(name)] = None
                    except ValueError:
                        continue
        return list(paths)

    def _tree(self, sha: str) -> dict[str, int]:
        if sha not in self._trees:
            tree = self._json(f"{self.repo}/git/trees/{sha}", {"recursive": "1"})
            if tree.get("truncated"):
                raise UpstreamError("the repository tree is too large for GitHub's trees API")
            self._trees[sha] = {
                t["path"]: int(t.get("size", 0)) for t in tree["tree"] if t["type"] == "blob"
            }
        return self._trees[sha]

    def _raw(self, sha: str, path: str) -> bytes:
        response = self._get(
            f"{self.repo}/contents/{quote(path)}",
            {"ref": sha},
            Accept="application/vnd.github.raw",
        )
        return response.content

    def commit_time(self, commit: str) -> datetime:
        date = self._commit(valid_sha(commit))["commit"]["committer"]["date"]
        return datetime.fromisoformat(str(date).replace("Z", "+00:00"))


class GitLabRepository(_RestRepository):
    def __init__(
        self,
        host: str,
        path_with_namespace: str,
        token: SecretStr | None = None,
        *,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["PRIVATE-TOKEN"] = token.get_secret_value()
        super().__init__(
            f"https://{host}/api/v4", headers, timeout_s=timeout_s, transport=transport
        )
        self.project = f"/projects/{quote(path_with_namespace, safe='')}"

    def _commit(self, sha: str) -> dict[str, Any]:
        commit: dict[str, Any] = self._json(f"{self.project}/repository/commits/{sha}")
        return commit

    def resolve(self, commit: str | None, branch: str | None) -> str:
        if commit is not None:
            if not self.has_commit(commit):
                raise UpstreamError(f"commit {commit[:12]} is not on GitLab (yet)")
            return commit
        ref = branch or str(self._json(self.project)["default_branch"])
        try:
            found = self._json(f"{self.project}/repository/branches/{quote(ref, safe='')}")
        except NotFound:
            raise InvalidInput(f"the repository has no branch {ref!r}") from None
        return valid_sha(str(found["commit"]["id"]))

    def is_ancestor(self, older: str, newer: str) -> bool:
        base = self._json(
            f"{self.project}/repository/merge_base",
            {"refs[]": [valid_sha(older), valid_sha(newer)]},
        )
        return bool(base.get("id") == older)

    def changed_paths(self, before: str, after: str) -> list[str]:
        compare = self._json(
            f"{self.project}/repository/compare",
            {"from": valid_sha(before), "to": valid_sha(after), "straight": "true"},
        )
        paths: dict[str, None] = {}
        for diff in compare.get("diffs") or []:
            for name in (diff.get("old_path"), diff.get("new_path")):
                if name:
                    try:
                        paths[valid_repo_path(name)] = None
                    except ValueError:
                        continue
        return list(paths)

    def _tree(self, sha: str) -> dict[str, int]:
        if sha not in self._trees:
            found: dict[str, int] = {}
            page: str | None = "1"
            while page:
                response = self._get(
                    f"{self.project}/repository/tree",
                    {"ref": sha, "recursive": "true", "per_page": "100", "page": page},
                )
                for entry in response.json():
                    if entry["type"] == "blob":
                        found[entry["path"]] = -1  # the tree API has no sizes
                page = response.headers.get("X-Next-Page") or None
            self._trees[sha] = found
        return self._trees[sha]

    def sizes(self, commit: str, paths: Sequence[str]) -> dict[str, int | None]:
        tree = self._tree(valid_sha(commit))
        sizes: dict[str, int | None] = {}
        for path in paths:
            if path not in tree:
                sizes[path] = None
                continue
            response = self.http.head(
                f"{self.project}/repository/files/{quote(path, safe='')}", params={"ref": commit}
            )
            size = response.headers.get("X-Gitlab-Size")
            sizes[path] = int(size) if response.status_code == 200 and size else None
        return sizes

    def _raw(self, sha: str, path: str) -> bytes:
        return self._get(
            f"{self.project}/repository/files/{quote(path, safe='')}/raw", {"ref": sha}
        ).content

    def commit_time(self, commit: str) -> datetime:
        date = self._commit(valid_sha(commit))["committed_date"]
        return datetime.fromisoformat(str(date).replace("Z", "+00:00"))
