"""Creates template.yaml's queues, buckets, tables, notifications, SES rules and secrets on an
AWS endpoint (moto or LocalStack), so local and deployed wiring come from the same file.

Resources are created in dependency order (Ref, GetAtt, Sub and DependsOn), and creation is
idempotent: provisioning an endpoint that already has them changes nothing. Resource types that
cannot be emulated (IAM, ECS, EC2, OpenSearch, API Gateway, Lambda itself) are reported as
skipped; the local stack replaces them with local equivalents.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from gluekb.errors import ConfigurationError
from gluekb_dev.stack.template import PhysicalResource, Template

if TYPE_CHECKING:
    from gluekb.adapters.aws import AwsClients


@dataclass
class ProvisionReport:
    created: dict[str, str] = field(default_factory=dict)  # logical id -> physical id
    skipped: dict[str, str] = field(default_factory=dict)  # logical id -> resource type


def _references(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else str(item).split(".")[0])
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                found.update(m.split(".")[0] for m in re.findall(r"\$\{([^}!][^}]*)\}", text))
                if not isinstance(item, str):
                    found |= _references(item[1])
            else:
                found |= _references(item)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


class Provisioner:
    def __init__(
        self,
        template: Template,
        clients: AwsClients,
        secrets: Mapping[str, str],
        *,
        tls: bool = True,
    ) -> None:
        self.template = template
        self.clients = clients
        self.tls = tls  # False for a plain-HTTP emulator endpoint
        self.secrets = secrets  # local values for generated secrets, stable across restarts
        self._creators: dict[str, Callable[[str, dict[str, Any]], PhysicalResource]] = {
            "AWS::SQS::Queue": self._queue,
            "AWS::SQS::QueuePolicy": self._queue_policy,
            "AWS::S3::Bucket": self._bucket,
            "AWS::S3::BucketPolicy": self._bucket_policy,
            "AWS::DynamoDB::Table": self._table,
            "AWS::SES::ReceiptRuleSet": self._rule_set,
            "AWS::SES::ReceiptRule": self._receipt_rule,
            "AWS::SecretsManager::Secret": self._secret,
        }

    def provision(self) -> ProvisionReport:
        report = ProvisionReport()
        for logical_id in self._order():
            resource = self.template.resources[logical_id]
            kind = resource["Type"]
            if kind not in self._creators or not self.template.is_created(logical_id):
                report.skipped[logical_id] = kind
                continue
            properties = self.template.resolve(resource.get("Properties", {}))
            physical = self._creators[kind](logical_id, properties)
            self.template.physical[logical_id] = physical
            report.created[logical_id] = physical.ref
        return report

    def _order(self) -> list[str]:
        resources = self.template.resources
        deps = {
            logical_id: {
                d
                for d in _references(res.get("Properties", {}))
                | set(_as_list(res.get("DependsOn")))
                if d in resources and d != logical_id
            }
            for logical_id, res in resources.items()
        }
        ordered: list[str] = []
        visiting: set[str] = set()

        def visit(node: str) -> None:
            if node in ordered:
                return
            if node in visiting:
                raise ConfigurationError(f"circular dependency in template at {node}")
            visiting.add(node)
            for dep in sorted(deps[node]):
                visit(dep)
            visiting.discard(node)
            ordered.append(node)

        for logical_id in resources:
            visit(logical_id)
        return ordered

    # ------------------------------------------------------------ SQS
    def _queue(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = props.get("QueueName") or f"{self.template.stack_name}-{logical_id}"
        attributes: dict[str, str] = {}
        for key in (
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "MaximumMessageSize",
            "ReceiveMessageWaitTimeSeconds",
            "FifoQueue",
            "ContentBasedDeduplication",
            "SqsManagedSseEnabled",
        ):
            if key in props:
                attributes[key] = _attr(props[key])
        if "RedrivePolicy" in props:
            policy = dict(props["RedrivePolicy"])
            policy["maxReceiveCount"] = int(policy["maxReceiveCount"])
            attributes["RedrivePolicy"] = json.dumps(policy)
        url = self.clients.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]
        arn = self.clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        return PhysicalResource(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})

    def _queue_policy(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        for url in props["Queues"]:
            self.clients.sqs.set_queue_attributes(
                QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])}
            )
        return PhysicalResource(logical_id)

    # ------------------------------------------------------------ S3
    def _bucket(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = props.get("BucketName") or f"{self.template.stack_name}-{logical_id}".lower()
        s3 = self.clients.s3
        try:
            s3.create_bucket(Bucket=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                raise
        if "BucketEncryption" in props:
            rules = [
                {
                    "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                    **(
                        {"BucketKeyEnabled": rule["BucketKeyEnabled"]}
                        if "BucketKeyEnabled" in rule
                        else {}
                    ),
                }
                for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            encryption: Any = {"Rules": rules}
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=encryption)
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        notification = props.get("NotificationConfiguration")
        if notification:
            config: Any = _s3_notification(notification)
            s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=config)
        arn = f"arn:aws:s3:::{name}"
        return PhysicalResource(
            name,
            {"Arn": arn, "DomainName": f"{name}.s3.amazonaws.com", "RegionalDomainName": name},
        )

    def _bucket_policy(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        policy = dict(props["PolicyDocument"])
        if not self.tls:
            # A plain-HTTP emulator cannot satisfy aws:SecureTransport (moto would deny every
            # request); the TLS requirement is a deployment property, kept in AWS.
            policy["Statement"] = [s for s in policy["Statement"] if not _denies_plain_http(s)]
        self.clients.s3.put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(policy))
        return PhysicalResource(logical_id)

    # ------------------------------------------------------------ DynamoDB
    def _table(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = props.get("TableName") or f"{self.template.stack_name}-{logical_id}"
        ddb = self.clients.dynamodb
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if props.get("StreamSpecification"):
            request["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        try:
            table = ddb.create_table(**request)["TableDescription"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceInUseException":
                raise
            table = ddb.describe_table(TableName=name)["Table"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            try:
                ddb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={
                        "Enabled": True,
                        "AttributeName": ttl["AttributeName"],
                    },
                )
            except ClientError as exc:  # already enabled on an existing table
                if exc.response["Error"]["Code"] != "ValidationException":
                    raise
        attributes = {"Arn": table["TableArn"]}
        if table.get("LatestStreamArn"):
            attributes["StreamArn"] = table["LatestStreamArn"]
        return PhysicalResource(name, attributes)

    # ------------------------------------------------------------ SES receipt rules
    def _rule_set(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = props.get("RuleSetName") or f"{self.template.stack_name}-{logical_id}"
        try:
            self.clients.ses.create_receipt_rule_set(RuleSetName=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "AlreadyExists":
                raise
        # In AWS a rule set is activated once by hand (see README); locally it is the only one.
        self.clients.ses.set_active_receipt_rule_set(RuleSetName=name)
        return PhysicalResource(name)

    def _receipt_rule(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        rule = props["Rule"]
        try:
            self.clients.ses.create_receipt_rule(RuleSetName=props["RuleSetName"], Rule=rule)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "AlreadyExists":
                raise
            self.clients.ses.update_receipt_rule(RuleSetName=props["RuleSetName"], Rule=rule)
        # Acknowledgements and ticket replies are sent from the address mail arrives at, and
        # SES (moto too) sends only from verified identities. In AWS verifying it is a deploy
        # step (infra/deploy.sh); on an emulator it is done here, for each rule recipient.
        for recipient in rule.get("Recipients", []):
            if "@" in recipient:
                self.clients.ses.verify_email_identity(EmailAddress=recipient)
            else:
                self.clients.ses.verify_domain_identity(Domain=recipient)
        return PhysicalResource(rule["Name"])

    # ------------------------------------------------------------ Secrets Manager
    def _secret(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = props.get("Name") or f"{self.template.stack_name}/{logical_id}"
        value = self.secrets.get(logical_id)
        if value is None and "GenerateSecretString" in props:
            raise ConfigurationError(f"no local value for generated secret {logical_id}")
        sm = self.clients.secretsmanager
        try:
            created = (
                sm.create_secret(Name=name, SecretString=value)
                if value
                else sm.create_secret(Name=name)  # as in AWS: the value is set after deploy
            )
            arn = created["ARN"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceExistsException":
                raise
            # As CloudFormation: an existing secret keeps its value (a webhook URL or key that
            # was handed out must not change because provisioning ran again).
            arn = sm.describe_secret(SecretId=name)["ARN"]
        # CloudFormation's Ref of a secret is its ARN.
        return PhysicalResource(arn, {"Id": arn})


def _denies_plain_http(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition", {}).get("Bool", {})
    return (
        statement.get("Effect") == "Deny" and str(condition.get("aws:SecureTransport")) == "false"
    )


def _attr(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _s3_notification(cfn: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration shape -> the S3 API's shape."""

    def filter_rules(config: dict[str, Any]) -> dict[str, Any]:
        rules = config.get("Filter", {}).get("S3Key", {}).get("Rules", [])
        return {"Filter": {"Key": {"FilterRules": rules}}} if rules else {}

    api: dict[str, Any] = {}
    if cfn.get("QueueConfigurations"):
        api["QueueConfigurations"] = [
            {"QueueArn": c["Queue"], "Events": [c["Event"]], **filter_rules(c)}
            for c in cfn["QueueConfigurations"]
        ]
    if cfn.get("TopicConfigurations"):
        api["TopicConfigurations"] = [
            {"TopicArn": c["Topic"], "Events": [c["Event"]], **filter_rules(c)}
            for c in cfn["TopicConfigurations"]
        ]
    if cfn.get("LambdaConfigurations"):
        api["LambdaFunctionConfigurations"] = [
            {"LambdaFunctionArn": c["Function"], "Events": [c["Event"]], **filter_rules(c)}
            for c in cfn["LambdaConfigurations"]
        ]
    return api
