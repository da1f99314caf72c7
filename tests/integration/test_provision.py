from __future__ import annotations

import json
from typing import Any

from gluekb_dev.stack.provision import Provisioner


def test_queues_have_their_dead_letter_queues_and_redrive(moto_stack: dict[str, Any]) -> None:
    sqs = moto_stack["clients"].sqs
    url = sqs.get_queue_url(QueueName="gluekb-local-sync")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":gluekb-local-sync-dlq")
    assert redrive["maxReceiveCount"] == 5
    assert attributes["VisibilityTimeout"] == "900"


def test_mail_bucket_notifies_the_mail_queue_for_inbound_only(moto_stack: dict[str, Any]) -> None:
    s3 = moto_stack["clients"].s3
    config = s3.get_bucket_notification_configuration(Bucket="gluekb-local-mail-123456789012")
    (queue_config,) = config["QueueConfigurations"]
    assert queue_config["QueueArn"].endswith(":gluekb-local-mail")
    rules = queue_config["Filter"]["Key"]["FilterRules"]
    assert [(r["Name"].lower(), r["Value"]) for r in rules] == [("prefix", "inbound/")]


def test_tables_and_receipt_rules_exist(moto_stack: dict[str, Any]) -> None:
    clients = moto_stack["clients"]
    tables = set(clients.dynamodb.list_tables()["TableNames"])
    assert {
        "gluekb-local-state",
        "gluekb-local-catalog",
        "gluekb-local-tickets",
        "gluekb-local-api-keys",
        "gluekb-local-audit",
        "gluekb-local-idempotency",
    } <= tables
    ttl = clients.dynamodb.describe_time_to_live(TableName="gluekb-local-idempotency")
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiration"
    active = clients.ses.describe_active_receipt_rule_set()
    (rule,) = active["Rules"]
    assert rule["Actions"][0]["S3Action"] == {
        "BucketName": "gluekb-local-mail-123456789012",
        "ObjectKeyPrefix": "inbound/",
    }


def test_provisioning_twice_changes_nothing(moto_stack: dict[str, Any]) -> None:
    template, clients = moto_stack["template"], moto_stack["clients"]
    before = dict(template.physical)
    secrets = {
        "WebhookSecret": '{"signing_secret":"s3cr3t"}',
        "ConsoleSessionSecret": '{"session_secret":"console-session-secret-for-tests-0123456789"}',
    }
    report = Provisioner(template, clients, secrets, tls=False).provision()
    assert {k: template.physical[k] for k in before} == before
    assert "ApiFunction" in report.skipped and "OpenSearchDomain" in report.skipped


def test_function_environments_resolve_to_the_provisioned_resources(
    moto_stack: dict[str, Any],
) -> None:
    env = moto_stack["env"]["sync_worker"]
    assert env["GLUEKB_STATE_TABLE"] == "gluekb-local-state"
    assert env["GLUEKB_INDEX_QUEUE_URL"].endswith("/gluekb-local-index")
    assert env["GLUEKB_ITGLUE_API_KEY_SECRET"].startswith("arn:aws:secretsmanager:")
    # Not emulated (created only in AWS): left out, never invented.
    assert "GLUEKB_OPENSEARCH_URL" not in env
