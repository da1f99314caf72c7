"""Webhook deliveries → verified → queued work, answered 202 within milliseconds.

Every delivery goes through the same steps, in this order:
1. size: more than `max_body_bytes` is refused with 413 before anything reads the body;
2. authenticity: the provider's signature or shared secret (constant-time); a failure is
   counted (state table and metric) and answered 401, and nothing is queued;
3. replay: where the provider signs a timestamp (PSA), it must be within the window (401);
4. the payload is parsed into its model (422 when it does not fit);
5. once per delivery id (Powertools idempotency on DynamoDB): the work — queue a sync or index
   job, or write a PSA ticket — runs for the first delivery only; a repeat gets the first
   receipt back (`duplicate: true`).

The slow parts (IT Glue requests, git, embeddings) happen behind the sync and index queues.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import JsonValue

from gluekb.errors import GluekbError, InvalidInput, NotFound, PayloadTooLarge, Unauthorized
from gluekb.models.alerts import ALERT_SOURCES, RECEIVER_ID, AlertReceiver
from gluekb.models.sync import SyncJob
from gluekb.models.webhooks import (
    GitHubPush,
    GitLabPush,
    ItGlueWorkflowEvent,
    Provider,
    PsaTicketEvent,
    ReceiptStatus,
    Refusal,
    WebhookReceipt,
)
from gluekb.observability import build_logger
from gluekb.ports.queues import JobSender
from gluekb.ports.repos import RepoLookup
from gluekb.ports.webhooks import IdempotencyLedger, Receipt, RejectionCounter
from gluekb.services.repos.registration import candidate_keys, changed_paths, push_job
from gluekb.services.tickets.psa import PsaTickets
from gluekb.services.webhooks.alert_intake import AlertIntake
from gluekb.services.webhooks.alerts import presented_secret, secret_valid
from gluekb.services.webhooks.itglue_links import parse_record_link
from gluekb.services.webhooks.payloads import parse_payload as _parse
from gluekb.services.webhooks.signatures import (
    WebhookSecrets,
    github_signature_valid,
    psa_signature_valid,
    timestamp_fresh,
    token_valid,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = build_logger(child=True)

PSA_PROVIDER = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
DELIVERY_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")
GITHUB_TRUNCATED_AT = 2048  # GitHub lists at most this many commits in a push
# Why an alert delivery is refused, by whether it is a signed (generic) one.
_ALERT_REFUSALS: dict[bool, tuple[Refusal, str]] = {
    False: ("secret", "unknown receiver, or its token (bearer, basic auth, URL) is wrong"),
    True: ("signature", "unknown receiver, or X-Gluekb-Signature does not match"),
}


@dataclass(frozen=True)
class WebhookRequest:
    headers: Mapping[str, str]
    body: str
    is_base64: bool
    request_id: str

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


@dataclass(frozen=True)
class WebhookResponse:
    status_code: int
    body: dict[str, JsonValue]
    provider: str
    outcome: str  # for metric names: the receipt status, `duplicate`, or the error's code
    rejected: bool = False  # refused as not authentic (wrong secret or signature, replayed)


@dataclass
class _Delivery:
    provider: Provider
    body: bytes
    request_id: str


@dataclass
class WebhookService:
    secrets: WebhookSecrets
    sync_queue: JobSender
    repos: RepoLookup
    psa: PsaTickets
    counters: RejectionCounter
    ledger: IdempotencyLedger  # deliveries with an id: kept a week
    content_ledger: IdempotencyLedger  # IT Glue sends no id: identical bodies, kept minutes
    alerts: AlertIntake | None = None  # monitoring alerts (None: not deployed)
    max_body_bytes: int = 1_048_576
    replay_window_s: float = 300.0
    content_window_s: int = 10  # the content ledger's expiry: IT Glue's repeats fold into one
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    # ------------------------------------------------------------ routes
    def receive(self, path: str, request: WebhookRequest) -> WebhookResponse:
        """Route a delivery by its path: /webhooks/itglue/<secret>, /webhooks/github,
        /webhooks/gitlab, /webhooks/psa/<provider>,
        /webhooks/alerts/<grafana|alertmanager|generic>/<receiver>[/<secret>]."""
        parts = path.strip("/").split("/")
        if parts[:2] == ["webhooks", "alerts"] and len(parts) in (4, 5):
            return self.alert(request, parts[2], parts[3], parts[4] if len(parts) == 5 else None)
        if parts[:1] == ["webhooks"] and len(parts) in (2, 3):
            match parts[1:]:
                case ["itglue", secret]:
                    return self.itglue(request, secret)
                case ["github"]:
                    return self.github(request)
                case ["gitlab"]:
                    return self.gitlab(request)
                case ["psa", provider]:
                    return self.psa_ticket(request, provider)
        return _error(404, NotFound("unknown webhook provider"), "unknown", "not_found")

    # ------------------------------------------------------------ providers
    def itglue(self, request: WebhookRequest, secret: str) -> WebhookResponse:
        def run(delivery: _Delivery) -> WebhookResponse:
            if not token_valid(self.secrets.secret("itglue"), secret):
                return self._refuse(delivery, "secret", "the webhook URL's secret is wrong")
            event = _parse(ItGlueWorkflowEvent, delivery.body)
            link = parse_record_link(event.resource_url)
            fingerprint = hashlib.sha256(delivery.body).hexdigest()

            def work() -> Receipt:
                # Identical deliveries within the window are one; the job waits out the window,
                # so an edit whose delivery was folded into this one is still read by it.
                self.sync_queue.send(
                    SyncJob(
                        organization_id=link.organization_id,
                        reason="webhook",
                        requested_at=self.clock(),
                        resource_type=link.resource_type,
                        record_id=link.record_id,
                    ),
                    delay_s=self.content_window_s,
                )
                return self._receipt(
                    delivery,
                    fingerprint[:32],
                    "queued",
                    f"re-sync of {link.resource_type} {link.record_id}",
                    jobs=1,
                )

            return self._accepted(
                delivery, self.content_ledger.once(f"itglue:{fingerprint}", fingerprint, work)
            )

        return self._handle("itglue", request, run)

    def github(self, request: WebhookRequest) -> WebhookResponse:
        def run(delivery: _Delivery) -> WebhookResponse:
            secret = self.secrets.secret("github")
            if not github_signature_valid(
                secret, delivery.body, request.header("X-Hub-Signature-256")
            ):
                return self._refuse(delivery, "signature", "X-Hub-Signature-256 does not match")
            delivery_id = _delivery_id(request.header("X-GitHub-Delivery"), "X-GitHub-Delivery")
            event = request.header("X-GitHub-Event") or ""
            push = _parse(GitHubPush, delivery.body) if event == "push" else None

            def work() -> Receipt:
                if push is None:
                    detail = (
                        "pong" if event == "ping" else f"{event or 'unnamed'} events are ignored"
                    )
                    return self._receipt(delivery, delivery_id, "ignored", detail)
                repository = push.repository
                truncated = len(push.commits) >= GITHUB_TRUNCATED_AT
                return self._queue_push(
                    delivery,
                    delivery_id,
                    keys=candidate_keys(
                        [
                            repository.clone_url,
                            repository.html_url,
                            repository.ssh_url,
                            repository.git_url,
                            repository.url,
                        ]
                    ),
                    ref=push.ref,
                    default_branch=repository.default_branch,
                    before=push.before,
                    after=push.after,
                    paths=None
                    if push.forced or push.created or truncated
                    else changed_paths(push.commits),
                )

            return self._once(delivery, f"github:{delivery_id}", work)

        return self._handle("github", request, run)

    def gitlab(self, request: WebhookRequest) -> WebhookResponse:
        def run(delivery: _Delivery) -> WebhookResponse:
            if not token_valid(self.secrets.secret("gitlab"), request.header("X-Gitlab-Token")):
                return self._refuse(delivery, "secret", "X-Gitlab-Token is wrong")
            delivery_id = _delivery_id(
                request.header("X-Gitlab-Event-UUID") or request.header("Idempotency-Key"),
                "X-Gitlab-Event-UUID",
            )
            event = request.header("X-Gitlab-Event") or ""
            push = _parse(GitLabPush, delivery.body) if event == "Push Hook" else None

            def work() -> Receipt:
                if push is None:
                    return self._receipt(delivery, delivery_id, "ignored", f"{event!r} ignored")
                if push.object_kind != "push":
                    return self._receipt(
                        delivery, delivery_id, "ignored", f"{push.object_kind} ignored"
                    )
                project = push.project
                complete = push.total_commits_count <= len(push.commits)
                return self._queue_push(
                    delivery,
                    delivery_id,
                    keys=candidate_keys(
                        [
                            project.git_http_url,
                            project.web_url,
                            project.git_ssh_url,
                            project.http_url,
                            project.ssh_url,
                            project.homepage,
                        ]
                    ),
                    ref=push.ref,
                    default_branch=project.default_branch,
                    before=push.before,
                    after=push.after,
                    paths=changed_paths(push.commits) if complete else None,
                )

            return self._once(delivery, f"gitlab:{delivery_id}", work)

        return self._handle("gitlab", request, run)

    def psa_ticket(self, request: WebhookRequest, provider: str) -> WebhookResponse:
        if not PSA_PROVIDER.match(provider):
            return _error(404, NotFound("unknown PSA provider name"), "psa", "not_found")

        def run(delivery: _Delivery) -> WebhookResponse:
            secret = self.secrets.secret(f"psa:{provider}")
            timestamp = request.header("X-Gluekb-Timestamp")
            signature = request.header("X-Gluekb-Signature")
            if not psa_signature_valid(secret, timestamp, delivery.body, signature):
                return self._refuse(delivery, "signature", "X-Gluekb-Signature does not match")
            if not timestamp_fresh(timestamp, self.clock(), self.replay_window_s):
                return self._refuse(
                    delivery, "stale", "X-Gluekb-Timestamp is outside the replay window"
                )
            event = _parse(PsaTicketEvent, delivery.body)
            delivery_id = _delivery_id(
                request.header("X-Gluekb-Delivery") or event.event_id, "X-Gluekb-Delivery"
            )

            def work() -> Receipt:
                status, ticket_id = self.psa.apply(provider, event)
                detail = f"{provider} ticket {event.ticket.id}"
                return self._receipt(delivery, delivery_id, status, detail, ticket_id=ticket_id)

            return self._once(delivery, f"psa:{provider}:{delivery_id}", work)

        return self._handle("psa", request, run)

    def alert(
        self, request: WebhookRequest, source: str, receiver_id: str, path_secret: str | None
    ) -> WebhookResponse:
        intake = self.alerts
        if intake is None or source not in ALERT_SOURCES or not RECEIVER_ID.match(receiver_id):
            return _error(404, NotFound("unknown alert receiver"), "alerts", "not_found")

        def run(delivery: _Delivery) -> WebhookResponse:
            receiver = intake.receivers.get(receiver_id)
            if receiver is None or receiver.source != source:  # a receiver takes its own kind
                # Refused exactly like a wrong credential: receiver ids cannot be probed.
                return self._refuse(delivery, *_ALERT_REFUSALS[source == "generic"])
            refused = self._alert_refusal(request, receiver, delivery.body, path_secret)
            if refused is not None:
                return self._refuse(delivery, *refused)
            jobs, delivery_id = intake.parse(receiver, request, delivery.body, self.clock())
            fingerprint = hashlib.sha256(delivery.body).hexdigest()

            def work() -> Receipt:
                intake.queue.send_all(jobs)
                count = sum(len(job.alerts) for job in jobs)
                detail = f"{count} alert(s) for receiver {receiver_id}"
                return self._receipt(delivery, delivery_id, "queued", detail, jobs=len(jobs))

            if receiver.source == "generic":
                return self._once(delivery, f"alert:{receiver_id}:{delivery_id}", work)
            key = f"alert:{receiver_id}:{fingerprint}"
            return self._accepted(delivery, intake.ledger.once(key, fingerprint, work))

        return self._handle("alerts", request, run)

    def _alert_refusal(
        self, request: WebhookRequest, receiver: AlertReceiver, body: bytes, path_secret: str | None
    ) -> tuple[Refusal, str] | None:
        """Why a delivery to this receiver is not authentic, or None when it is."""
        secret = self.secrets.secret(receiver.secret_name)
        if receiver.source != "generic":
            presented = presented_secret(request.header("Authorization"), path_secret)
            return None if secret_valid(secret, presented) else _ALERT_REFUSALS[False]
        timestamp = request.header("X-Gluekb-Timestamp")
        if not psa_signature_valid(secret, timestamp, body, request.header("X-Gluekb-Signature")):
            return _ALERT_REFUSALS[True]
        if not timestamp_fresh(timestamp, self.clock(), self.replay_window_s):
            return "stale", "X-Gluekb-Timestamp is outside the replay window"
        return None

    def register_lambda_context(self, context: LambdaContext) -> None:
        self.ledger.register_lambda_context(context)
        self.content_ledger.register_lambda_context(context)
        if self.alerts is not None:
            self.alerts.ledger.register_lambda_context(context)

    # ------------------------------------------------------------ shared steps
    def _handle(
        self,
        provider: Provider,
        request: WebhookRequest,
        run: Callable[[_Delivery], WebhookResponse],
    ) -> WebhookResponse:
        try:
            body = self._body(request)
            return run(_Delivery(provider, body, request.request_id))
        except GluekbError as exc:
            return _error(exc.status_code, exc, provider, exc.code)

    def _body(self, request: WebhookRequest) -> bytes:
        """The raw body, refused before decoding when it is too large."""
        declared = request.header("Content-Length")
        estimate = len(request.body) * 3 // 4 if request.is_base64 else len(request.body)
        if (declared and declared.isdigit() and int(declared) > self.max_body_bytes) or (
            estimate > self.max_body_bytes
        ):
            raise PayloadTooLarge(f"the body is larger than {self.max_body_bytes} bytes")
        if request.is_base64:
            try:
                body = base64.b64decode(request.body, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidInput("the body is not valid base64") from None
        else:
            body = request.body.encode()
        if len(body) > self.max_body_bytes:
            raise PayloadTooLarge(f"the body is larger than {self.max_body_bytes} bytes")
        return body

    def _refuse(self, delivery: _Delivery, reason: Refusal, message: str) -> WebhookResponse:
        logger.warning(
            "webhook delivery refused",
            extra={
                "provider": delivery.provider,
                "reason": reason,
                "request_id": delivery.request_id,
            },
        )
        try:
            self.counters.count_rejection(delivery.provider, reason, self.clock())
        except GluekbError:
            logger.warning("cannot count the refusal", extra={"provider": delivery.provider})
        outcome = f"rejected_{reason}"
        return _error(401, Unauthorized(message), delivery.provider, outcome, rejected=True)

    def _queue_push(
        self,
        delivery: _Delivery,
        delivery_id: str,
        *,
        keys: list[str],
        ref: str,
        default_branch: str | None,
        before: str,
        after: str,
        paths: list[str] | None,
    ) -> Receipt:
        registration = self.repos.find(keys)
        if registration is None:
            return self._receipt(delivery, delivery_id, "ignored", "repository not registered")
        job = push_job(
            registration,
            ref=ref,
            default_branch=default_branch,
            before=before,
            after=after,
            paths=paths,
            delivery_id=delivery_id,
            received_at=self.clock(),
        )
        if job is None:
            return self._receipt(
                delivery, delivery_id, "ignored", f"{ref} is not the indexed branch"
            )
        self.sync_queue.send(job)
        changed = "changed files" if paths is None else f"{len(paths)} changed file(s)"
        return self._receipt(
            delivery, delivery_id, "queued", f"index {changed} of {registration.key}", jobs=1
        )

    def _once(self, delivery: _Delivery, key: str, work: Callable[[], Receipt]) -> WebhookResponse:
        fingerprint = hashlib.sha256(delivery.body).hexdigest()
        return self._accepted(delivery, self.ledger.once(key, fingerprint, work))

    @staticmethod
    def _receipt(
        delivery: _Delivery,
        delivery_id: str,
        status: ReceiptStatus,
        detail: str | None,
        jobs: int = 0,
        ticket_id: str | None = None,
    ) -> Receipt:
        receipt = WebhookReceipt(
            request_id=delivery.request_id,
            provider=delivery.provider,
            delivery_id=delivery_id,
            status=status,
            detail=detail,
            jobs=jobs,
            ticket_id=ticket_id,
        )
        return receipt.model_dump(mode="json", exclude_none=True)

    @staticmethod
    def _accepted(delivery: _Delivery, stored: Receipt) -> WebhookResponse:
        # A repeat answers with the first receipt; the request id is always this request's.
        body = {**stored, "request_id": delivery.request_id}
        outcome = "duplicate" if body.get("duplicate") else str(body.get("status"))
        return WebhookResponse(202, body, delivery.provider, outcome)


def _delivery_id(value: str | None, header: str) -> str:
    if not value or not DELIVERY_ID.match(value.strip()):
        raise InvalidInput(f"{header} is missing or not a delivery id")
    return value.strip()


def _error(
    status: int, exc: GluekbError, provider: str, outcome: str, *, rejected: bool = False
) -> WebhookResponse:
    body: dict[str, JsonValue] = {"error": {"code": exc.code, "message": exc.message}}
    return WebhookResponse(status, body, provider, outcome, rejected)
