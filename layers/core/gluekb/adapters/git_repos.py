"""Reading a docs repository at a commit (`gluekb.ports.repos.GitRepository`) with the `git`
command line, for repositories on this machine (a bare repository, a path or a file:// URL), read
in place.
GitHub and GitLab repositories are read through their REST APIs (`gluekb.adapters.git_hosts`).

Commits and paths come from webhook payloads: commits must be full hex ids and paths pass
`valid_repo_path`, and every argument goes to git as a list (never through a shell).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gluekb.errors import ConfigurationError, InvalidInput, UpstreamError
from gluekb.models.repos import valid_repo_path, valid_sha


@dataclass
class GitCliRepository:
    """A repository on this machine, read with `git`."""

    git_dir: Path
    timeout_s: float = 60.0
    git: str = "git"

    @classmethod
    def local(cls, path: str | Path, timeout_s: float = 60.0) -> GitCliRepository:
        return cls(Path(path), timeout_s, _git_binary())

    # ------------------------------------------------------------ plumbing
    def _run(
        self, *args: str, stdin: bytes | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        command = [self.git, "-C", str(self.git_dir), *args]
        env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "TMPDIR", "LANG")},
            "GIT_TERMINAL_PROMPT": "0",  # never wait for a password
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_OPTIONAL_LOCKS": "0",
        }
        try:
            result = subprocess.run(
                command,
                input=stdin,
                capture_output=True,
                timeout=self.timeout_s,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise UpstreamError(f"git {args[0]} timed out after {self.timeout_s:.0f}s") from exc
        if check and result.returncode != 0:
            reason = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
            raise UpstreamError(f"git {args[0]} failed: {reason[0][:300]}")
        return result

    # ------------------------------------------------------------ queries
    def has_commit(self, commit: str) -> bool:
        result = self._run("cat-file", "-e", f"{valid_sha(commit)}^{{commit}}", check=False)
        return result.returncode == 0

    def resolve(self, commit: str | None, branch: str | None) -> str:
        """The full id of `commit` (checked to exist), or of the branch's head."""
        if commit is not None:
            if not self.has_commit(commit):
                raise UpstreamError(f"commit {commit[:12]} is not in the repository (yet)")
            return commit
        if branch is not None and branch.startswith("-"):
            raise InvalidInput(f"not a branch name: {branch!r}")
        ref = f"refs/heads/{branch}" if branch else "HEAD"
        result = self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
        if result.returncode != 0:
            raise InvalidInput(f"the repository has no branch {branch or 'HEAD'!r}")
        return valid_sha(result.stdout.decode().strip())

    def is_ancestor(self, older: str, newer: str) -> bool:
        result = self._run(
            "merge-base", "--is-ancestor", valid_sha(older), valid_sha(newer), check=False
        )
        return result.returncode == 0

    def changed_paths(self, before: str, after: str) -> list[str]:
        output = self._run(
            "diff", "--no-renames", "--name-only", "-z", valid_sha(before), valid_sha(after), "--"
        ).stdout
        return _paths(output)

    def all_paths(self, commit: str) -> list[str]:
        output = self._run("ls-tree", "-r", "-z", "--name-only", valid_sha(commit)).stdout
        return _paths(output)

    def sizes(self, commit: str, paths: Sequence[str]) -> dict[str, int | None]:
        """Each path's blob size at `commit`; None where it is absent (or not a file)."""
        if not paths:
            return {}
        valid_sha(commit)
        request = "".join(f"{commit}:{valid_repo_path(p)}\n" for p in paths).encode()
        output = self._run("cat-file", "--batch-check", stdin=request).stdout.decode()
        sizes: dict[str, int | None] = {}
        for path, line in zip(paths, output.splitlines(), strict=True):
            fields = line.split(" ")
            sizes[path] = int(fields[2]) if len(fields) == 3 and fields[1] == "blob" else None
        return sizes

    def read(self, commit: str, paths: Sequence[str]) -> dict[str, bytes]:
        """The contents of the paths that are files at `commit` (absent paths are left out)."""
        if not paths:
            return {}
        valid_sha(commit)
        request = "".join(f"{commit}:{valid_repo_path(p)}\n" for p in paths).encode()
        output = self._run("cat-file", "--batch", stdin=request).stdout
        found: dict[str, bytes] = {}
        position = 0
        for path in paths:
            end = output.index(b"\n", position)
            header = output[position:end].decode(errors="replace").split(" ")
            position = end + 1
            if len(header) == 3 and header[1] in ("blob", "tree", "commit", "tag"):
                size = int(header[2])
                if header[1] == "blob":
                    found[path] = output[position : position + size]
                position += size + 1  # the contents, then a newline
        return found

    def commit_time(self, commit: str) -> datetime:
        output = self._run("show", "-s", "--format=%cI", valid_sha(commit)).stdout
        return datetime.fromisoformat(output.decode().strip())


def _paths(output: bytes) -> list[str]:
    paths = []
    for raw in output.split(b"\0"):
        if not raw:
            continue
        try:
            paths.append(valid_repo_path(raw.decode()))
        except (UnicodeDecodeError, ValueError):
            continue  # a name gluekb cannot address safely is not indexed
    return paths


def _git_binary() -> str:
    found = shutil.which("git")
    if found is None:
        raise ConfigurationError("the git command is not installed (it reads docs repositories)")
    return found
