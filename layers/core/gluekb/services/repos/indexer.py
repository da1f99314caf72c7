"""Docs repositories → index jobs (the sync worker's half of a push).

For each path a job names, the file is read at the pushed commit: a Markdown,
reStructuredText, text or code file becomes a `file` source (`git:<repo_id>:<path>`, type
`git_file`, chunked by the worker's code-aware chunker); a path that is gone at that commit,
or is no longer text, becomes a delete. A job without paths (a forced or truncated push, a new
branch, a registration) compares the pushed commit with the one indexed before, or lists the
whole tree the first time.

Pushes to one repository are indexed one at a time (a lease in the state table), and a job
never moves a file backwards: when a newer commit was indexed already (pushes can be handled out
of order), the job's paths are read at that newer commit instead.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath

from gluekb.adapters.payload_store import PayloadStore
from gluekb.errors import DependencyUnavailable
from gluekb.models.documents import IndexJob, SourceDocument
from gluekb.models.repos import ZERO_SHA, RepoIndexJob, RepoIndexReport, RepoRegistration
from gluekb.observability import build_logger
from gluekb.ports.queues import JobSender
from gluekb.ports.repos import GitRepository, RepoRegistrations
from gluekb.services.indexing.jobs import delete_job, upsert_job
from gluekb.services.repos.registration import blob_url

logger = build_logger(child=True)

SOURCE_TYPE = "git_file"  # the search filter's name for docs-repository files
# File suffix (or whole name) -> the language the chunker splits it by.
LANGUAGES: dict[str, str] = {
    ".md": "markdown", ".markdown": "markdown", ".mdx": "markdown", ".rst": "rst",
    ".txt": "text", ".text": "text", ".adoc": "text", ".org": "text",
    ".py": "python", ".ps1": "powershell", ".psm1": "powershell", ".psd1": "powershell",
    ".sh": "shell", ".bash": "shell", ".zsh": "shell", ".bat": "batch", ".cmd": "batch",
    ".vbs": "vbscript", ".js": "javascript", ".ts": "typescript", ".go": "go", ".rb": "ruby",
    ".java": "java", ".cs": "csharp", ".sql": "sql", ".tf": "terraform", ".hcl": "terraform",
    ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".ini": "ini", ".cfg": "ini",
    ".conf": "config", ".json": "json", ".xml": "xml",
    "readme": "text", "changelog": "text", "dockerfile": "docker", "makefile": "make",
}  # fmt: skip


def source_id(repo_id: str, path: str) -> str:
    return f"git:{repo_id}:{path}"


def language_for(path: str) -> str | None:
    name = PurePosixPath(path).name.lower()
    return LANGUAGES.get(PurePosixPath(name).suffix) or LANGUAGES.get(name)


def _text(blob: bytes) -> str | None:
    if b"\0" in blob[:8192]:
        return None  # binary
    try:
        return blob.decode("utf-8")
    except UnicodeDecodeError:
        return blob.decode("latin-1")


@dataclass
class RepoIndexer:
    registry: RepoRegistrations
    open_repository: Callable[[RepoRegistration], GitRepository]
    index_queue: JobSender
    documents: PayloadStore  # a port once `indexing.jobs.upsert_job` takes one
    max_file_bytes: int = 1_000_000
    lease_s: float = 300.0
    lease_wait_s: float = 60.0
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @contextmanager
    def _lease(self, repo_id: str) -> Iterator[None]:
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + self.lease_wait_s
        delay = 0.05
        while not self.registry.acquire(repo_id, owner, self.lease_s):
            if time.monotonic() >= deadline:
                raise DependencyUnavailable(f"repository {repo_id} is being indexed; retry later")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
        try:
            yield
        finally:
            self.registry.release(repo_id, owner)

    def run(self, job: RepoIndexJob) -> RepoIndexReport | None:
        """Index what the job names; None when its repository is no longer registered."""
        registration = self.registry.get(job.repo_id)
        if registration is None or registration.organization_id != job.organization_id:
            logger.info("repository not registered; job dropped", extra={"repo_id": job.repo_id})
            return None
        with self._lease(job.repo_id):
            registration = self.registry.get(job.repo_id) or registration
            return self._index(job, registration)

    def forget(self, registration: RepoRegistration) -> int:
        """Unregister a repository and take its files out of the index; returns how many."""
        with self._lease(registration.repo_id):
            jobs: list[IndexJob] = []
            if registration.indexed_commit is not None:
                repo = self.open_repository(registration)
                now = self.clock()
                jobs = [
                    delete_job(
                        source_id(registration.repo_id, p), registration.organization_id, now
                    )
                    for p in repo.all_paths(registration.indexed_commit)
                    if language_for(p) is not None
                ]
                self.index_queue.send_all(jobs)
            self.registry.remove(registration)
        return len(jobs)

    def _index(self, job: RepoIndexJob, registration: RepoRegistration) -> RepoIndexReport:
        repo = self.open_repository(registration)
        target, stale = self._target(repo, job, registration)
        paths = job.paths
        if paths is None and job.reason == "rebuild":
            paths = repo.all_paths(target)  # the index lost them: every file, changed or not
        elif paths is None:
            paths = self._changed_since_indexed(repo, job, registration, target)
        wanted = [p for p in paths if language_for(p) is not None]
        now = self.clock()
        jobs = self._jobs(repo, job, registration, target, wanted, now)
        report = RepoIndexReport(
            repo_id=registration.repo_id,
            commit=target,
            stale=stale,
            upserted=sum(1 for j in jobs if j.op == "upsert"),
            deleted=sum(1 for j in jobs if j.op == "delete"),
            skipped=len(paths) - len(wanted),
        )
        self.index_queue.send_all(jobs)
        if not stale:
            self.registry.mark_indexed(registration.repo_id, target, now)
        logger.info(
            "repository files queued for indexing",
            extra={
                "repo_id": registration.repo_id,
                "commit": target[:12],
                "upserted": report.upserted,
                "deleted": report.deleted,
                "skipped": report.skipped,
                "stale": stale,
                "delivery_id": job.delivery_id,
            },
        )
        return report

    @staticmethod
    def _target(
        repo: GitRepository, job: RepoIndexJob, registration: RepoRegistration
    ) -> tuple[str, bool]:
        """The commit to read, and whether the job is stale: when a newer push was indexed
        first, its commit is read instead (a file never moves backwards)."""
        target = repo.resolve(job.after, job.branch or registration.branch)
        indexed = registration.indexed_commit
        if (
            indexed
            and indexed != target
            and repo.has_commit(indexed)
            and repo.is_ancestor(target, indexed)
        ):
            return indexed, True
        return target, False

    @staticmethod
    def _changed_since_indexed(
        repo: GitRepository, job: RepoIndexJob, registration: RepoRegistration, target: str
    ) -> list[str]:
        """The paths that differ from the push's base (or the indexed commit); every path of
        the tree when neither is known."""
        base = next(
            (
                c
                for c in (job.before, registration.indexed_commit)
                if c and c != ZERO_SHA and c != target and repo.has_commit(c)
            ),
            None,
        )
        return repo.changed_paths(base, target) if base else repo.all_paths(target)

    def _jobs(
        self,
        repo: GitRepository,
        job: RepoIndexJob,
        registration: RepoRegistration,
        target: str,
        wanted: list[str],
        now: datetime,
    ) -> list[IndexJob]:
        """An upsert per readable text file at `target`, a delete per path gone or unreadable."""
        sizes = repo.sizes(target, wanted)
        readable = [
            p for p in wanted if (sizes.get(p) or 0) <= self.max_file_bytes and sizes.get(p)
        ]
        contents = repo.read(target, readable)
        updated_at = repo.commit_time(target)
        jobs: list[IndexJob] = []
        for path in wanted:
            text = _text(contents[path]) if path in contents else None
            if text is None or not text.strip():
                jobs.append(
                    delete_job(source_id(registration.repo_id, path), job.organization_id, now)
                )
                continue
            document = self._document(registration, target, job.branch, path, text, updated_at)
            jobs.append(upsert_job(document, self.documents, now))
        return jobs

    @staticmethod
    def _document(
        registration: RepoRegistration,
        commit: str,
        branch: str | None,
        path: str,
        text: str,
        updated_at: datetime,
    ) -> SourceDocument:
        metadata = {
            "repo": registration.key,
            "repo_id": registration.repo_id,
            "path": path,
            "commit": commit,
        }
        if branch or registration.branch:
            metadata["branch"] = str(branch or registration.branch)
        return SourceDocument(
            source_id=source_id(registration.repo_id, path),
            organization_id=registration.organization_id,
            source_type=SOURCE_TYPE,
            kind="file",
            title=f"{registration.name}: {path}"[:1000],
            url=blob_url(registration, commit, path),
            updated_at=updated_at,
            path=path,
            language=language_for(path),
            content=text,
            metadata=metadata,
        )
