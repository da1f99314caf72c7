"""Event models at the edges. S3 notifications are parsed leniently: only the fields gluekb
uses are required (emulators omit some of the rest), and keys are URL-decoded as S3 encodes them."""

from __future__ import annotations

from typing import Literal
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import BaseModel, Field, Json, field_validator

from gluekb.models.alerts import AlertJob


class S3TestEvent(BaseModel):
    """What S3 sends once when a notification configuration is saved."""

    Service: str
    Event: Literal["s3:TestEvent"]
    Bucket: str


class S3Bucket(BaseModel):
    name: str


class S3Object(BaseModel):
    key: str
    size: int = 0
    eTag: str | None = None  # noqa: N815 - S3's field name

    @field_validator("key")
    @classmethod
    def _decode(cls, value: str) -> str:
        return unquote_plus(value)


class S3Entity(BaseModel):
    bucket: S3Bucket
    object: S3Object


class S3NotificationRecord(BaseModel):
    eventName: str  # noqa: N815
    eventTime: str | None = None  # noqa: N815
    s3: S3Entity


class S3Notification(BaseModel):
    Records: list[S3NotificationRecord] = Field(min_length=1)


class MailNotificationRecord(SqsRecordModel):
    """An SQS record whose body is the mail bucket's S3 event notification."""

    body: Json[S3Notification | S3TestEvent]


class AlertJobRecord(SqsRecordModel):
    """An alert-queue message: a verified delivery's alerts (gluekb.models.alerts.AlertJob)."""

    body: Json[AlertJob]
