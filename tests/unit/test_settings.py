from __future__ import annotations

import pytest

from gluekb.errors import ConfigurationError
from gluekb.settings import (
    ApiSettings,
    ScheduledSyncSettings,
    SyncWorkerSettings,
    WorkerSettings,
    load_settings,
    settings_from,
)
from tests.support import environment


def test_missing_variables_are_named_in_one_clear_error() -> None:
    # Given an environment without the scheduled_sync function's resources
    # When its settings load, Then the error names each missing variable
    with (
        environment({"GLUEKB_STATE_TABLE": None, "GLUEKB_SYNC_QUEUE_URL": None}),
        pytest.raises(ConfigurationError) as raised,
    ):
        load_settings(ScheduledSyncSettings)
    message = raised.value.message
    assert "GLUEKB_STATE_TABLE is not set" in message
    assert "GLUEKB_SYNC_QUEUE_URL is not set" in message


def test_opensearch_backend_needs_its_url() -> None:
    with (
        environment(
            {
                "GLUEKB_STATE_TABLE": "t",
                "GLUEKB_INDEX_QUEUE_URL": "q",
                "GLUEKB_RAW_BUCKET": "b",
                "GLUEKB_SEARCH_BACKEND": "opensearch",
            }
        ),
        pytest.raises(ConfigurationError, match="GLUEKB_OPENSEARCH_URL is required"),
    ):
        load_settings(WorkerSettings)


def test_bad_value_is_reported_without_echoing_it() -> None:
    with (
        environment(
            {
                "GLUEKB_STATE_TABLE": "t",
                "GLUEKB_INDEX_QUEUE_URL": "q",
                "GLUEKB_RAW_BUCKET": "b",
                "GLUEKB_SEARCH_BACKEND": "elastic-secret-value",
            }
        ),
        pytest.raises(ConfigurationError) as raised,
    ):
        load_settings(WorkerSettings)
    assert "GLUEKB_SEARCH_BACKEND" in raised.value.message
    assert "elastic-secret-value" not in raised.value.message


def test_settings_read_aws_region_and_endpoint_from_standard_variables() -> None:
    names = {
        "GLUEKB_STATE_TABLE": "state",
        "GLUEKB_CATALOG_TABLE": "catalog",
        "GLUEKB_TICKETS_TABLE": "tickets",
        "GLUEKB_KEYS_TABLE": "keys",
        "GLUEKB_AUDIT_TABLE": "audit",
        "GLUEKB_RAW_BUCKET": "raw",
        "GLUEKB_MAIL_BUCKET": "mail",
        "GLUEKB_SYNC_QUEUE_URL": "http://q/sync",
        "GLUEKB_INDEX_QUEUE_URL": "http://q/index",
        "GLUEKB_OPENSEARCH_URL": "https://search.example.com",
        "GLUEKB_EMBEDDER_URL": "http://embedder:8080",
        "AWS_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
    }
    with environment(names):
        settings = load_settings(ApiSettings)
    assert settings.aws_region == "eu-west-1"
    assert settings.aws_endpoint_url == "http://127.0.0.1:4566"
    assert settings.state_table == "state"


def test_settings_from_a_given_environment_ignore_the_process_environment() -> None:
    given = {
        "GLUEKB_STATE_TABLE": "state",
        "GLUEKB_CATALOG_TABLE": "catalog",
        "GLUEKB_RAW_BUCKET": "raw",
        "GLUEKB_SYNC_QUEUE_URL": "http://q/sync",
        "GLUEKB_INDEX_QUEUE_URL": "http://q/index",
        "ITGLUE_API_KEY": "ITG.k",
        "AWS_REGION": "eu-west-1",
    }
    with environment({"GLUEKB_STATE_TABLE": "from-the-process", "AWS_REGION": "us-west-2"}):
        settings = settings_from(SyncWorkerSettings, given)
    assert settings.state_table == "state" and settings.aws_region == "eu-west-1"
    assert settings.itglue_api_key is not None
    assert settings.itglue_api_key.get_secret_value() == "ITG.k"
    without_queue = {k: v for k, v in given.items() if k != "GLUEKB_INDEX_QUEUE_URL"}
    with pytest.raises(ConfigurationError, match="GLUEKB_INDEX_QUEUE_URL is not set"):
        settings_from(SyncWorkerSettings, without_queue)
