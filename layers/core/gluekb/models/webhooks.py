"""Webhook deliveries: what the providers send (only the fields gluekb reads; the rest is
ignored) and what the `webhooks` function answers.

- IT Glue workflows: a JSON body the workflow's author writes from IT Glue's variables
  (`[resource_url]`, `[resource_name]`, `[organization_name]`, `[trigger_name]`, ...); only
  `resource_url` is required. No headers, no signature: the secret is in the URL.
- GitHub `push` (X-GitHub-Event, X-GitHub-Delivery, X-Hub-Signature-256).
- GitLab `Push Hook` (X-Gitlab-Event, X-Gitlab-Event-UUID, X-Gitlab-Token).
- PSA tickets (ConnectWise, Autotask, HaloPSA, ... through their workflow/HTTP actions or a
  small relay): gluekb's generic signed JSON, `X-Gluekb-Timestamp` and `X-Gluekb-Signature`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gluekb.models.tickets import MAX_NAME_CHARS, MAX_SUBJECT_CHARS, MAX_TEXT_CHARS

Provider = Literal["itglue", "github", "gitlab", "psa", "alerts"]
# Why a delivery was refused as not authentic: a wrong secret, a signature that does not match,
# a signed timestamp outside the replay window.
Refusal = Literal["secret", "signature", "stale"]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


# ---------------------------------------------------------------- IT Glue workflows
class ItGlueWorkflowEvent(_Lenient):
    resource_url: str = Field(min_length=1, max_length=2000)
    resource_name: str | None = Field(default=None, max_length=1000)
    resource_type: str | None = Field(default=None, max_length=200)
    organization_name: str | None = Field(default=None, max_length=1000)
    trigger_name: str | None = Field(default=None, max_length=1000)


# ---------------------------------------------------------------- GitHub / GitLab push
class PushCommit(_Lenient):
    id: str
    added: list[str] = Field(default_factory=list)
    modified: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)


class GitHubRepository(_Lenient):
    full_name: str
    html_url: str | None = None
    clone_url: str | None = None
    ssh_url: str | None = None
    git_url: str | None = None
    url: str | None = None
    default_branch: str | None = None


class GitHubPush(_Lenient):
    ref: str
    before: str
    after: str
    created: bool = False
    deleted: bool = False
    forced: bool = False
    commits: list[PushCommit] = Field(default_factory=list)
    repository: GitHubRepository


class GitLabProject(_Lenient):
    path_with_namespace: str
    web_url: str | None = None
    git_http_url: str | None = None
    git_ssh_url: str | None = None
    http_url: str | None = None
    ssh_url: str | None = None
    homepage: str | None = None
    default_branch: str | None = None


class GitLabPush(_Lenient):
    object_kind: str
    ref: str
    before: str
    after: str
    checkout_sha: str | None = None
    commits: list[PushCommit] = Field(default_factory=list)
    total_commits_count: int = 0
    project: GitLabProject


# ---------------------------------------------------------------- PSA tickets
class PsaPerson(_Lenient):
    name: str | None = Field(default=None, max_length=MAX_NAME_CHARS)
    email: str | None = Field(default=None, max_length=254)


class PsaCompany(_Lenient):
    id: str | None = Field(default=None, max_length=200)
    name: str | None = Field(default=None, max_length=1000)
    # The IT Glue organization, when the PSA knows it (IT Glue's PSA integration syncs both).
    itglue_organization_id: str | None = Field(default=None, max_length=64)


class PsaNote(_Lenient):
    id: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    author: PsaPerson | None = None
    created_at: datetime | None = None


class PsaTicket(_Lenient):
    id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:-]+$")
    summary: str = Field(min_length=1, max_length=MAX_SUBJECT_CHARS)
    description: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    status: str | None = Field(default=None, max_length=200)
    priority: str | None = Field(default=None, max_length=200)
    company: PsaCompany | None = None
    contact: PsaPerson | None = None
    url: str | None = Field(default=None, max_length=2000)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class PsaTicketEvent(_Lenient):
    event_id: str | None = Field(default=None, max_length=200)
    event: Literal["ticket.created", "ticket.updated", "ticket.note_added"]
    occurred_at: datetime | None = None
    ticket: PsaTicket
    note: PsaNote | None = None


# ---------------------------------------------------------------- the answer
ReceiptStatus = Literal["queued", "ignored", "ticket_created", "ticket_updated"]


class WebhookReceipt(BaseModel):
    """The 202 body. A repeated delivery gets the first one's receipt (`duplicate: true`)."""

    request_id: str
    provider: Provider
    delivery_id: str
    status: ReceiptStatus
    detail: str | None = None
    jobs: int = 0
    ticket_id: str | None = None
    duplicate: bool = False
