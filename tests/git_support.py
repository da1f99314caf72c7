"""A real git repository for the tests: a bare repository (what a Git server holds) and a
working clone that commits and pushes to it, plus the push payloads GitHub would send."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

from tests.webhook_support import sample

ZERO = "0" * 40


class LocalRepo:
    def __init__(self, root: Path, name: str = "runbooks") -> None:
        self.bare = root / f"{name}.git"
        self.work = root / f"{name}-work"
        self.branch = "main"
        self._git(root, "init", "--quiet", "--bare", "--initial-branch=main", str(self.bare))
        self._git(root, "clone", "--quiet", str(self.bare), str(self.work))
        for key, value in (
            ("user.name", "Jane Doe"),
            ("user.email", "jdoe@acme-msp.example"),
            ("commit.gpgsign", "false"),
        ):
            self.git("config", key, value)
        self.git("checkout", "--quiet", "-b", "main")
        self.head = ZERO

    @staticmethod
    def _git(cwd: Path, *args: str) -> str:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=True, text=True)
        return result.stdout.strip()

    def git(self, *args: str) -> str:
        return self._git(self.work, *args)

    def write(self, path: str, text: str | bytes) -> None:
        target = self.work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text)

    def remove(self, path: str) -> None:
        self.git("rm", "--quiet", path)

    def commit(self, message: str) -> str:
        self.git("add", "--all")
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def push(self) -> tuple[str, str]:
        """Push the branch; (before, after) as the server saw it."""
        before = self.head
        self.git("push", "--quiet", "origin", self.branch)
        self.head = self.git("rev-parse", "HEAD")
        return before, self.head

    def changes(self, commit: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {"added": [], "modified": [], "removed": []}
        kinds = {"A": "added", "M": "modified", "D": "removed"}
        output = self.git("diff-tree", "--root", "--no-commit-id", "--name-status", "-r", commit)
        for line in output.splitlines():
            status, path = line.split("\t", 1)
            found[kinds[status[0]]].append(path)
        return found

    def github_push(self, before: str, after: str) -> tuple[dict[str, str], dict[str, Any]]:
        """The push GitHub would send for before..after (its sample, with this repository's
        commits and files; the repository's clone URL is this bare repository's file URL)."""
        headers, body = sample("github_push")
        headers["X-GitHub-Delivery"] = str(uuid.uuid4())
        span = after if before == ZERO else f"{before}..{after}"
        commits = self.git("rev-list", "--reverse", span).split()
        body.update(ref=f"refs/heads/{self.branch}", before=before, after=after)
        body["created"] = before == ZERO
        body["commits"] = [
            {
                **body["commits"][0],
                "id": sha,
                "message": self.git("log", "-1", "--format=%s", sha),
                **self.changes(sha),
            }
            for sha in commits
        ]
        body["head_commit"] = body["commits"][-1] if body["commits"] else None
        body["repository"]["clone_url"] = self.bare.as_uri()
        return headers, body
