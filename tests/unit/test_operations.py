"""What an MSP operates on, as template.yaml declares it: an alarm on every dead-letter queue
and on the other failure signals, one SNS topic for all, a dashboard with the same figures, and
backups (point-in-time recovery, versioned buckets)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from gluekb_dev.stack.embedded import LOCAL_PARAMETERS
from gluekb_dev.stack.template import Template


@pytest.fixture
def template(project_root: Path) -> Template:
    return Template(project_root / "template.yaml", LOCAL_PARAMETERS)


def _of_type(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template.resources.items() if r["Type"] == kind}


def _dead_letter_queues(template: Template) -> set[str]:
    queues = _of_type(template, "AWS::SQS::Queue").values()
    return {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues
        if "RedrivePolicy" in q["Properties"]
    }


def test_every_dead_letter_queue_has_an_alarm_on_its_first_message(template: Template) -> None:
    alarms = _of_type(template, "AWS::CloudWatch::Alarm").values()
    watched: dict[str, list[dict[str, Any]]] = {}
    for alarm in alarms:
        props = alarm["Properties"]
        for dimension in props.get("Dimensions", []):
            value = dimension["Value"]
            if dimension["Name"] == "QueueName" and isinstance(value, dict):
                watched.setdefault(value["Fn::GetAtt"][0], []).append(props)
    dead_letters = _dead_letter_queues(template)
    assert dead_letters == {
        "SyncDeadLetterQueue",
        "IndexDeadLetterQueue",
        "MailDeadLetterQueue",
        "AlertDeadLetterQueue",
    }
    for queue in dead_letters:
        (alarm,) = [a for a in watched.get(queue, []) if a["Namespace"] == "AWS/SQS"]
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible", queue
        assert alarm["Threshold"] == 1
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_every_alarm_notifies_the_one_topic_and_the_topic_emails_the_operator(
    template: Template,
) -> None:
    alarms = _of_type(template, "AWS::CloudWatch::Alarm")
    assert len(alarms) >= 10
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["Properties"]["OKActions"] == [{"Ref": "AlarmTopic"}], name
    (subscription,) = _of_type(template, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert subscription["Condition"] == "HasAlarmEmail"


def test_the_sync_staleness_alarm_fires_at_twice_the_schedule_and_when_reports_stop(
    template: Template,
) -> None:
    from gluekb_dev.stack.schedules import interval_s

    alarm = template.resources["SyncStalenessAlarm"]["Properties"]
    parameters = template.document["Parameters"]
    schedule = parameters["SyncSchedule"]["Default"]
    assert parameters["SyncStaleAfterSeconds"]["Default"] == 2 * interval_s(schedule)
    assert alarm["Threshold"] == alarm["Period"] == {"Ref": "SyncStaleAfterSeconds"}
    assert alarm["TreatMissingData"] == "breaching"  # the schedule itself stopped


def test_the_dashboard_is_valid_json_showing_every_unconditional_alarm(
    template: Template,
) -> None:
    body_template = template.resources["OperationsDashboard"]["Properties"]["DashboardBody"]
    text = body_template["Fn::Sub"]
    referenced = set(re.findall(r"\$\{([A-Za-z]+)\.Arn\}", text))
    body = json.loads(re.sub(r"\$\{[^}]+\}", "1", text))  # every reference, resolved to 1
    alarms = {
        k for k, r in _of_type(template, "AWS::CloudWatch::Alarm").items() if "Condition" not in r
    }
    assert referenced == alarms
    (status,) = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert len(status["properties"]["alarms"]) == len(alarms)
    for widget in body["widgets"]:
        assert {"x", "y", "width", "height", "properties"} <= set(widget)


def test_every_table_has_point_in_time_recovery_and_every_bucket_keeps_versions(
    template: Template,
) -> None:
    for name, table in _of_type(template, "AWS::DynamoDB::Table").items():
        pitr = table["Properties"]["PointInTimeRecoverySpecification"]
        assert pitr == {"PointInTimeRecoveryEnabled": True}, name
    for name, bucket in _of_type(template, "AWS::S3::Bucket").items():
        props = bucket["Properties"]
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}, name
        rules = props["LifecycleConfiguration"]["Rules"]
        expiring = [r for r in rules if "NoncurrentVersionExpiration" in r]
        assert expiring and expiring[0]["NoncurrentVersionExpiration"] == {
            "NoncurrentDays": {"Ref": "NoncurrentVersionDays"}
        }, name
