"""One settings model per deployable, validated at cold start.

Every value comes from the environment (template.yaml sets it in AWS; `gluekb up` sets it locally).
Secrets are *named* here (a Secrets Manager id) and fetched by an adapter; a secret value is a
`SecretStr` so it never prints. A missing or bad variable raises `ConfigurationError` naming it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gluekb.errors import ConfigurationError

SearchBackend = Literal["embedded", "opensearch"]


class _Common(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GLUEKB_", extra="ignore", frozen=True, case_sensitive=False
    )

    stage: str = "local"
    aws_region: str = Field(
        default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION")
    )
    # Unset in AWS; moto or LocalStack locally. boto3 reads the same variable.
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")


class _StateTable(_Common):
    state_table: str = Field(description="sync checkpoints, organizations, rate limiter")


class _CatalogTable(_Common):
    catalog_table: str = Field(description="record metadata and the relationship graph")


class _TicketsTable(_Common):
    tickets_table: str


class _KeysTable(_Common):
    keys_table: str = Field(description="API keys, stored hashed")


class _AuditTable(_Common):
    audit_table: str


class _IdempotencyTable(_Common):
    idempotency_table: str


class _RawBucket(_Common):
    raw_bucket: str = Field(description="raw IT Glue records, one JSON object per record")


class _MailBucket(_Common):
    mail_bucket: str = Field(description="inbound MIME written by the SES receipt rule")


class _SyncQueue(_Common):
    sync_queue_url: str


class _IndexQueue(_Common):
    index_queue_url: str


class _Search(_Common):
    search_backend: SearchBackend = "opensearch"
    opensearch_url: str | None = None
    opensearch_index: str = "gluekb-chunks"
    opensearch_auth: Literal["sigv4", "basic", "none"] = "sigv4"
    # Embedded backend only: the SQLite file the worker writes and readers share.
    index_path: Path | None = None

    @model_validator(mode="after")
    def _backend_is_reachable(self) -> _Search:
        if self.search_backend == "opensearch" and not self.opensearch_url:
            raise ValueError(
                "GLUEKB_OPENSEARCH_URL is required when GLUEKB_SEARCH_BACKEND=opensearch"
            )
        if self.search_backend == "embedded" and self.index_path is None:
            raise ValueError("GLUEKB_INDEX_PATH is required when GLUEKB_SEARCH_BACKEND=embedded")
        return self


class _Embedder(_Common):
    embedder_url: str = Field(description="the worker's POST /embed endpoint base URL")
    embedder_timeout_s: float = 3.0


class _ItGlue(_Common):
    itglue_base_url: str = "https://api.itglue.com"
    # AWS: the Secrets Manager id holding the key. Locally: the key itself (ITGLUE_API_KEY).
    itglue_api_key_secret: str | None = None
    itglue_api_key: SecretStr | None = Field(default=None, validation_alias="ITGLUE_API_KEY")
    # IT Glue allows 3000 requests per 5 minutes (10/s on average) for all clients together.
    itglue_max_requests_per_s: float = 9.0


class _HealthChecks(_Common):
    """What the documentation health report counts as a finding (gluekb.services.doc_health)."""

    health_stale_after_days: int = Field(default=365, ge=1, le=3650)
    health_password_max_age_days: int = Field(default=365, ge=1, le=3650)
    # Configuration types (case-insensitive words in the type name) held to the documentation
    # standard: a related document, a password record and a location.
    health_infrastructure_types: list[str] = Field(
        default_factory=lambda: [
            "server", "firewall", "router", "switch", "nas", "san", "ups", "storage",
            "access point", "hypervisor", "virtual machine", "network device",
        ]
    )  # fmt: skip


class ApiSettings(
    _HealthChecks,
    _StateTable,
    _CatalogTable,
    _TicketsTable,
    _KeysTable,
    _AuditTable,
    _RawBucket,
    _MailBucket,
    _SyncQueue,
    _IndexQueue,
    _Search,
    _Embedder,
    _ItGlue,
):
    """The `api` function (FastAPI behind API Gateway)."""

    cache_ttl_s: float = 300.0
    # Follow-up questions: where conversations live, and how long one lasts after its last turn.
    conversations_table: str | None = None
    conversation_ttl_s: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    # Local stack only: the emulator's own component health, merged into GET /health.
    stack_health_url: str | None = None
    # Tickets: replies are sent from this address (a verified SES identity).
    support_address: str = "support@example.com"
    support_name: str = "Service desk"
    # Console (web pages at /): the Secrets Manager id of the session secret (template.yaml's
    # ConsoleSessionSecret), or, without Secrets Manager, the secret itself.
    console_session_secret: str | None = None
    console_session_key: SecretStr | None = None
    console_session_ttl_s: int = Field(default=8 * 3600, ge=300, le=7 * 24 * 3600)


class WebhooksSettings(
    _StateTable, _TicketsTable, _IdempotencyTable, _SyncQueue, _IndexQueue, _RawBucket
):
    """The `webhooks` function."""

    # AWS: the Secrets Manager id of the secret document (template.yaml's WebhookSecret).
    webhook_secrets_secret: str | None = None
    # Without Secrets Manager: the master signing secret itself (per-provider secrets derive).
    webhook_signing_secret: SecretStr | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    replay_window_s: float = Field(default=300.0, gt=0)
    delivery_ttl_s: int = Field(default=7 * 24 * 3600, ge=60, description="repeats answered from")
    # IT Glue sends no delivery id: identical bodies within this window are one delivery, and
    # its re-sync runs when the window closes (so no edit inside the window is missed).
    content_dedupe_s: int = Field(default=10, ge=1, le=900)
    # Monitoring alerts (Grafana, Alertmanager, generic): queued for the `alerts` function.
    # Unset: the alert routes answer 404. Identical deliveries within alert_dedupe_s are one.
    alert_queue_url: str | None = None
    alert_dedupe_s: int = Field(default=60, ge=1, le=3600)

    @model_validator(mode="after")
    def _has_secrets(self) -> WebhooksSettings:
        if not self.webhook_secrets_secret and self.webhook_signing_secret is None:
            raise ValueError(
                "GLUEKB_WEBHOOK_SECRETS_SECRET (or GLUEKB_WEBHOOK_SIGNING_SECRET) is required"
            )
        return self


class EmailIntakeSettings(
    _StateTable,
    _CatalogTable,
    _TicketsTable,
    _MailBucket,
    _IndexQueue,
    _RawBucket,
    _Embedder,
    _Search,
):
    """The `email_intake` function."""

    mail_prefix: str = "inbound/"
    support_address: str = "support@example.com"
    ack_max_per_sender_per_hour: int = 5
    # Email intake: tickets from inbound mail (see gluekb.services.tickets.mail_intake).
    support_name: str = "Service desk"
    own_addresses: list[str] = Field(default_factory=list, description="never acknowledged")
    ack_enabled: bool = True
    ack_article_types: list[str] = Field(default_factory=lambda: ["document"])
    ack_article_min_similarity: float = Field(default=0.5, ge=0, le=1)
    max_message_bytes: int = Field(default=40 * 1024 * 1024, ge=1024)  # SES receives <= 40 MB
    attachment_prefix: str = "tickets/attachments/"
    quarantine_prefix: str = "quarantine/"
    trusted_authserv_id: str = "amazonses.com"  # whose Authentication-Results count
    organization_cache_ttl_s: float = 300.0
    embedder_timeout_s: float = 10.0  # mail is not interactive: wait for a busy worker

    @model_validator(mode="after")
    def _support_address_is_an_address(self) -> EmailIntakeSettings:
        # The receipt rule's recipient may be a whole domain; acknowledgements need an address.
        if "@" not in self.support_address:
            object.__setattr__(self, "support_address", f"support@{self.support_address}")
        return self


class ScheduledSyncSettings(_StateTable, _SyncQueue, _ItGlue):
    """The `scheduled_sync` function (EventBridge schedule → one sync job per organization)."""


class SyncWorkerSettings(_StateTable, _CatalogTable, _RawBucket, _SyncQueue, _IndexQueue, _ItGlue):
    """The `sync_worker` function (one organization per message, or one docs-repository push)."""

    # A failed job comes back after retry_base_s, doubling per attempt up to retry_max_s, not
    # after the sync queue's visibility timeout (90 minutes: it must outlast a whole sync).
    retry_base_s: int = Field(default=120, ge=1, le=43_200)
    retry_max_s: int = Field(default=1_800, ge=1, le=43_200)

    # Docs repositories: files larger than this are not indexed; tokens read private ones.
    repo_max_file_bytes: int = Field(default=1_000_000, ge=1024)
    git_timeout_s: float = Field(default=60.0, gt=0)
    github_token: SecretStr | None = None
    gitlab_token: SecretStr | None = None


class AlertsSettings(
    _StateTable,
    _CatalogTable,
    _TicketsTable,
    _RawBucket,
    _IndexQueue,
    _Search,
    _Embedder,
):
    """The `alerts` function: queued monitoring alerts to enriched incident tickets."""

    embedder_timeout_s: float = 10.0  # not interactive: wait for a busy worker
    # How far the graph is walked for the impact of an asset (what depends on it).
    alert_impact_depth: int = Field(default=2, ge=1, le=5)
    # Receivers match configurations from the catalog; the list is re-read at most this often.
    alert_catalog_cache_s: float = Field(default=60.0, ge=0)


class HealthReportSettings(_StateTable, _CatalogTable, _RawBucket, _HealthChecks):
    """The `health_report` function: the weekly documentation health report, by SES."""

    # Where the report goes; empty: it is computed and kept (for the trend), not mailed.
    health_report_recipient: str = ""
    health_report_sender: str = "support@example.com"
    health_report_findings_per_kind: int = Field(default=10, ge=1, le=1000)

    @model_validator(mode="after")
    def _sender_is_an_address(self) -> HealthReportSettings:
        # The template passes the support mailbox, which may be a whole domain.
        if "@" not in self.health_report_sender:
            sender = f"support@{self.health_report_sender}"
            object.__setattr__(self, "health_report_sender", sender)
        return self


class WorkerSettings(_StateTable, _IndexQueue, _RawBucket, _Search):
    """The embedding worker container (`gpu_worker`)."""

    model_path: Path | None = None
    device: Literal["auto", "cpu", "cuda"] = "auto"
    host: str = "0.0.0.0"  # noqa: S104 - a container listens on all interfaces
    port: int = 8080
    # Messages gathered per batch (several receives of ten): bigger batches keep the device busy.
    batch_max_messages: int = Field(default=50, ge=1, le=500)
    gather_window_s: float = 0.5
    encode_batch_size: int = 64
    visibility_timeout_s: int = 300
    poll_wait_s: int = Field(default=20, ge=0, le=20)
    cpu_threads: int | None = None


class McpSettings(ApiSettings):
    """The MCP server container: the API's services, plus its own transport settings."""

    mcp_host: str = "127.0.0.1"
    mcp_port: int = 8765
    # stdio transport: the API key the assistant's process was started with.
    api_key: SecretStr | None = Field(default=None, validation_alias="GLUEKB_API_KEY")
    # get_password: "link" (default) gives a one-time link to the console's reveal page, so the
    # value never enters the model's context; "in_band" returns the value itself (a deployment
    # that accepts the value in the conversation).
    password_reveal: Literal["link", "in_band"] = "link"  # noqa: S105 - a mode, not a secret
    reveal_link_ttl_s: int = Field(default=300, ge=30, le=3600)
    # Where people open the console (its reveal page): the API's public URL.
    console_url: str | None = Field(default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")


_S = TypeVar("_S", bound=BaseSettings)
_cache: dict[type[BaseSettings], BaseSettings] = {}
_lock = threading.Lock()


def env_name(cls: type[BaseSettings], field: str) -> str:
    """The environment variable a field is read from (its alias, else GLUEKB_<FIELD>)."""
    info = cls.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, str):
        return alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"GLUEKB_{field.upper()}"


def load_settings(cls: type[_S]) -> _S:
    """Build settings from the environment, or raise ConfigurationError naming what is wrong."""
    try:
        return cls()
    except ValidationError as exc:
        raise _configuration_error(cls, exc) from None


def _configuration_error(cls: type[BaseSettings], exc: ValidationError) -> ConfigurationError:
    problems: list[str] = []
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        if loc:
            name = env_name(cls, loc[0])
            problem = "is not set" if error["type"] == "missing" else error["msg"]
            problems.append(f"{name} {problem}")
        else:
            problems.append(str(error["msg"]).removeprefix("Value error, "))
    return ConfigurationError(
        f"{cls.__name__}: " + "; ".join(problems), details={"problems": problems}
    )


def settings_from(cls: type[_S], environment: Mapping[str, str]) -> _S:
    """The settings a deployable would load with `environment` set (a function's environment
    as template.yaml resolves it, for tools and benches that use its stores directly)."""
    values: dict[str, str] = {}
    for field, info in cls.model_fields.items():
        name = env_name(cls, field)
        if name in environment:
            values[name if info.validation_alias else field] = environment[name]
    try:
        return cls.model_validate(values)
    except ValidationError as exc:
        raise _configuration_error(cls, exc) from None


def get_settings(cls: type[_S]) -> _S:
    """The cached settings of a deployable (validated once, at cold start)."""
    with _lock:
        cached = _cache.get(cls)
        if cached is None:
            cached = _cache[cls] = load_settings(cls)
    assert isinstance(cached, cls)
    return cached


def clear_settings_cache() -> None:
    """Tests and the local stack change the environment between runs."""
    with _lock:
        _cache.clear()


class CliSettings(_ItGlue):
    """The `gluekb` command line and the embedded local stack it runs."""

    api_key: SecretStr | None = Field(default=None, validation_alias="GLUEKB_API_KEY")
    home: Path | None = None  # default: <project>/.gluekb
    api_port: int = 8000
    aws_port: int = 4577
    control_port: int = 8001
    worker_port: int = 8081
