"""boto3 clients, built once per process and passed in. The only place sessions are made.

`endpoint_url` is None in AWS and points at moto or LocalStack locally: the same code talks to
all three. Clients are created lazily (a client costs ~50 ms of cold start) and are thread-safe.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sqs import SQSClient

    from gluekb.settings import _Common


# Every AWS service the shipped code calls: AwsClients' clients below, and Powertools' secrets
# (secretsmanager) and idempotency (dynamodb) utilities. The layer ships botocore's models for
# these only (Makefile, build-CoreLayer); infra/check_build.py makes each client from the built
# layer, so a service added here without its model fails the build, not a Lambda.
SERVICES: tuple[str, ...] = ("dynamodb", "s3", "secretsmanager", "ses", "sqs")


class AwsClients:
    def __init__(self, region: str, endpoint_url: str | None = None) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self._session: Any = None  # boto3 loads on the first client (~250 ms of cold start)
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: _Common) -> AwsClients:
        return cls(settings.aws_region, settings.aws_endpoint_url)

    def _client(self, service: str) -> Any:
        with self._lock:
            client = self._clients.get(service)
            if client is None:
                import boto3
                from botocore.config import Config

                if self._session is None:
                    self._session = boto3.session.Session(region_name=self.region)
                config = Config(
                    retries={"mode": "standard", "max_attempts": 4},
                    connect_timeout=3,
                    read_timeout=25,  # > SQS long-poll wait of 20 s
                    tcp_keepalive=True,
                    max_pool_connections=32,
                    # Emulators on an IP address need path-style bucket addressing.
                    s3={"addressing_style": "path"} if self.endpoint_url else None,
                )
                client = self._session.client(
                    service,
                    endpoint_url=self.endpoint_url,
                    config=config,
                )
                self._clients[service] = client
            return client

    @property
    def s3(self) -> S3Client:
        client: S3Client = self._client("s3")
        return client

    @property
    def sqs(self) -> SQSClient:
        client: SQSClient = self._client("sqs")
        return client

    @property
    def dynamodb(self) -> DynamoDBClient:
        client: DynamoDBClient = self._client("dynamodb")
        return client

    @property
    def ses(self) -> SESClient:
        client: SESClient = self._client("ses")
        return client

    @property
    def secretsmanager(self) -> SecretsManagerClient:
        client: SecretsManagerClient = self._client("secretsmanager")
        return client
