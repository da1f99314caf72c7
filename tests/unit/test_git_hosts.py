"""GitHub and GitLab REST adapters against a fake host that answers like the documented APIs
(the same routes, status codes and body shapes), over an in-memory two-commit repository."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from pydantic import SecretStr

from gluekb.adapters.git_hosts import GitHubRepository, GitLabRepository
from gluekb.errors import InvalidInput, UpstreamError

ONE, TWO = "1" * 40, "2" * 40
TREES: dict[str, dict[str, bytes]] = {
    ONE: {"README.md": b"# Runbooks\n", "vpn/legacy.rst": b"Legacy\n======\n", "old.md": b"x"},
    TWO: {"README.md": b"# Runbooks v2\n", "new.md": b"# New\n", "moved.md": b"x"},
}
DATES = {ONE: "2026-11-20T10:00:00Z", TWO: "2026-11-21T09:14:51Z"}


def changes(before: str, after: str) -> list[tuple[str, str, str | None]]:
    """(status, path, previous path) between two commits; old.md was renamed to moved.md."""
    old, new = TREES[before], TREES[after]
    found: list[tuple[str, str, str | None]] = [("renamed", "moved.md", "old.md")]
    for path in sorted(set(old) | set(new)):
        if path in ("old.md", "moved.md"):
            continue
        if path not in new:
            found.append(("removed", path, None))
        elif path not in old:
            found.append(("added", path, None))
        elif old[path] != new[path]:
            found.append(("modified", path, None))
    return found


def github(request: httpx.Request) -> httpx.Response:
    path = unquote(request.url.path).removeprefix("/repos/acme-msp/runbooks")
    if path == "":
        return httpx.Response(
            200, json={"full_name": "acme-msp/runbooks", "default_branch": "main"}
        )
    if path.startswith("/commits/"):
        ref = path.removeprefix("/commits/")
        sha = TWO if ref == "main" else ref
        if sha not in TREES:
            return httpx.Response(422, json={"message": "No commit found for SHA: " + ref})
        committer = {"name": "Jane Doe", "date": DATES[sha]}
        return httpx.Response(200, json={"sha": sha, "commit": {"committer": committer}})
    if path.startswith("/compare/"):
        before, after = path.removeprefix("/compare/").split("...")
        files = [
            {"filename": p, "status": s, **({"previous_filename": prev} if prev else {})}
            for s, p, prev in changes(before, after)
        ]
        status = "ahead" if (before, after) in ((ONE, TWO), (ONE, ONE)) else "behind"
        return httpx.Response(200, json={"status": status, "files": files})
    if path.startswith("/git/trees/"):
        sha = path.removeprefix("/git/trees/")
        tree: list[dict[str, Any]] = [{"path": "vpn", "type": "tree", "sha": "t"}] * (
            "vpn/legacy.rst" in TREES[sha]
        )
        tree += [{"path": p, "type": "blob", "size": len(b)} for p, b in TREES[sha].items()]
        return httpx.Response(200, json={"sha": sha, "tree": tree, "truncated": False})
    if path.startswith("/contents/"):
        assert request.headers["Accept"] == "application/vnd.github.raw"
        content = TREES[request.url.params["ref"]].get(path.removeprefix("/contents/"))
        if content is None:
            return httpx.Response(404, json={"message": "Not Found"})
        return httpx.Response(200, content=content)
    return httpx.Response(404, json={"message": "Not Found"})


def gitlab(request: httpx.Request) -> httpx.Response:
    raw = request.url.raw_path.decode().split("?")[0]
    prefix = "/api/v4/projects/msp%2Fops-runbooks"
    if not raw.startswith(prefix):
        return httpx.Response(404, json={"message": "404 Project Not Found"})
    path = raw.removeprefix(prefix)
    params = request.url.params
    if path == "":
        return httpx.Response(
            200, json={"path_with_namespace": "msp/ops-runbooks", "default_branch": "master"}
        )
    if path.startswith("/repository/commits/"):
        sha = path.removeprefix("/repository/commits/")
        if sha not in TREES:
            return httpx.Response(404, json={"message": "404 Commit Not Found"})
        return httpx.Response(200, json={"id": sha, "committed_date": DATES[sha]})
    if path == "/repository/branches/master":
        return httpx.Response(200, json={"name": "master", "commit": {"id": TWO}})
    if path.startswith("/repository/branches/"):
        return httpx.Response(404, json={"message": "404 Branch Not Found"})
    if path == "/repository/merge_base":
        older, newer = params.get_list("refs[]")
        return httpx.Response(200, json={"id": ONE if ONE in (older, newer) else older})
    if path == "/repository/compare":
        assert params["straight"] == "true"
        diffs = [
            {
                "old_path": prev or p,
                "new_path": p,
                "new_file": s == "added",
                "renamed_file": s == "renamed",
                "deleted_file": s == "removed",
            }
            for s, p, prev in changes(params["from"], params["to"])
        ]
        return httpx.Response(200, json={"commits": [], "diffs": diffs})
    if path == "/repository/tree":
        return gitlab_tree_page(params)
    if path.startswith("/repository/files/"):
        return gitlab_file(request, path.removeprefix("/repository/files/"))
    return httpx.Response(404, json={"message": "404 Not Found"})


def gitlab_tree_page(params: httpx.QueryParams) -> httpx.Response:
    """One page of GET /repository/tree, the next page's number in X-Next-Page."""
    entries = [{"path": p, "type": "blob", "mode": "100644"} for p in TREES[params["ref"]]]
    page = int(params.get("page", "1"))
    chunk = entries[(page - 1) * 2 : page * 2]  # two per page: pagination is exercised
    more = page * 2 < len(entries)
    return httpx.Response(200, json=chunk, headers={"X-Next-Page": str(page + 1) if more else ""})


def gitlab_file(request: httpx.Request, encoded: str) -> httpx.Response:
    """GET (the raw content) or HEAD (its size in X-Gitlab-Size) of /repository/files/<path>."""
    name = unquote(encoded.removesuffix("/raw"))
    content = TREES[request.url.params["ref"]].get(name)
    if content is None:
        return httpx.Response(404, json={"message": "404 File Not Found"})
    if request.method == "HEAD":
        return httpx.Response(200, headers={"X-Gitlab-Size": str(len(content))})
    return httpx.Response(200, content=content)


def recording(
    handler: Callable[[httpx.Request], httpx.Response], seen: list[httpx.Request]
) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return httpx.MockTransport(handle)


@pytest.fixture(params=["github", "gitlab"])
def host(request: pytest.FixtureRequest) -> tuple[Any, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    if request.param == "github":
        repo: Any = GitHubRepository(
            "github.com",
            "acme-msp/runbooks",
            SecretStr("ghp_test"),
            transport=recording(github, seen),
        )
    else:
        repo = GitLabRepository(
            "gitlab.example.com",
            "msp/ops-runbooks",
            SecretStr("glpat-test"),
            transport=recording(gitlab, seen),
        )
    return repo, seen


def test_the_branch_head_and_known_commits_resolve(host: tuple[Any, list[httpx.Request]]) -> None:
    repo, _ = host
    assert repo.resolve(None, None) == TWO  # the default branch
    assert repo.resolve(ONE, None) == ONE
    with pytest.raises(UpstreamError):
        repo.resolve("9" * 40, None)
    with pytest.raises(InvalidInput):
        repo.resolve(None, "no-such-branch")


def test_a_compare_lists_every_changed_path_renames_included(
    host: tuple[Any, list[httpx.Request]],
) -> None:
    repo, _ = host
    assert sorted(repo.changed_paths(ONE, TWO)) == sorted(
        ["README.md", "moved.md", "old.md", "new.md", "vpn/legacy.rst"]
    )


def test_files_are_read_at_the_commit_and_absent_ones_left_out(
    host: tuple[Any, list[httpx.Request]],
) -> None:
    repo, _ = host
    assert repo.read(TWO, ["README.md", "vpn/legacy.rst"]) == {"README.md": b"# Runbooks v2\n"}
    assert repo.sizes(TWO, ["new.md", "vpn/legacy.rst"]) == {"new.md": 6, "vpn/legacy.rst": None}
    assert sorted(repo.all_paths(ONE)) == ["README.md", "old.md", "vpn/legacy.rst"]


def test_ancestry_and_commit_time(host: tuple[Any, list[httpx.Request]]) -> None:
    repo, _ = host
    assert repo.is_ancestor(ONE, TWO) and not repo.is_ancestor(TWO, ONE)
    assert repo.commit_time(TWO) == datetime(2026, 11, 21, 9, 14, 51, tzinfo=UTC)


def test_the_token_goes_in_a_header(host: tuple[Any, list[httpx.Request]]) -> None:
    repo, seen = host
    repo.resolve(None, None)
    sent = {k.lower(): v for k, v in seen[0].headers.items()}
    assert (
        sent.get("authorization") == "Bearer ghp_test" or sent.get("private-token") == "glpat-test"
    )
    assert all("test" not in str(r.url) for r in seen)  # never in a URL (URLs get logged)


def test_a_server_error_is_retried_then_reported() -> None:
    calls = []

    def failing(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, text=json.dumps({"message": "unavailable"}))

    repo = GitHubRepository(
        "github.com", "acme-msp/runbooks", transport=httpx.MockTransport(failing)
    )
    repo.retries = 1
    with pytest.raises(UpstreamError, match="503"):
        repo.resolve(None, "main")
    assert len(calls) == 2
