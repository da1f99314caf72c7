"""Sending mail through SES (`SendRawEmail`: gluekb builds the MIME itself, so threading
headers are exactly what it sets). The sender must be a verified identity: in AWS a deploy
step (infra/deploy.sh), locally the provisioner verifies the support address."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from gluekb.errors import DependencyUnavailable, UpstreamError

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient


class SesMailer:
    def __init__(self, client: SESClient) -> None:
        self.client = client

    def send(self, raw: bytes, source: str, destinations: Sequence[str]) -> str:
        """Send a complete MIME message; returns SES's message id."""
        try:
            response = self.client.send_raw_email(
                Source=source, Destinations=list(destinations), RawMessage={"Data": raw}
            )
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in ("MessageRejected", "InvalidParameterValue"):
                raise UpstreamError(f"SES refused the message: {exc}") from exc
            raise DependencyUnavailable(f"SES is unavailable: {exc}") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable(f"SES is unavailable: {exc}") from exc
        return response["MessageId"]
