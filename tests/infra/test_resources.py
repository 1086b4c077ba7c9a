"""What each scenario's template creates: queues, policies, trust, alarms, outputs."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Capture, Match, Template

from flyte_scheduler.deployed_values import values_from_settings
from tests.cfn_resolve import TemplateResolver
from tests.infra.conftest import Synthesized
from tests.scenarios import ACCOUNT, CENTRAL_KEY, OIDC_ARN, OIDC_ISSUER

pytestmark = pytest.mark.infra

RULE_ACTIONS = ["events:PutRule", "events:PutTargets", "events:RemoveTargets", "events:DeleteRule"]
CONSUMER_ACTIONS = ["sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage"]


def partition_arn(suffix: str) -> dict[str, Any]:
    """The CloudFormation form of ``arn:<partition>`` + suffix, as the templates write ARNs."""
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, suffix]]}


def single(template: Template, resource_type: str, props: Any = None) -> tuple[str, Any]:
    found = template.find_resources(resource_type, {"Properties": props} if props else None)
    assert len(found) == 1, f"expected one {resource_type} matching, found {list(found)}"
    return next(iter(found.items()))


def statements_by_sid(policy_document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {statement.get("Sid", ""): statement for statement in policy_document["Statement"]}


def managed_policy(template: Template) -> dict[str, Any]:
    _, policy = single(template, "AWS::IAM::ManagedPolicy")
    properties: dict[str, Any] = policy["Properties"]
    return properties


# Queues ------------------------------------------------------------------------------------


def test_schedule_queue_is_standard_encrypted_and_redrives_to_the_dlq(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template("default")
    dlq_id, _ = single(
        template,
        "AWS::SQS::Queue",
        {"QueueName": "flyte-schedules-dlq", "MessageRetentionPeriod": 1_209_600},
    )
    template.has_resource(
        "AWS::SQS::Queue",
        {
            "Properties": {
                "QueueName": "flyte-schedules",
                "FifoQueue": Match.absent(),
                "SqsManagedSseEnabled": True,
                "MessageRetentionPeriod": 345_600,
                "VisibilityTimeout": 60,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                    "maxReceiveCount": 10,
                },
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )
    template.has_resource(
        "AWS::SQS::Queue",
        {"Properties": {"QueueName": "flyte-schedules-dlq"}, "DeletionPolicy": "Retain"},
    )


def test_no_other_queue_may_redrive_into_either_queue(synthesized: Synthesized) -> None:
    template = synthesized.template("default")
    _, queue = single(template, "AWS::SQS::Queue", {"QueueName": "flyte-schedules"})
    _, dlq = single(template, "AWS::SQS::Queue", {"QueueName": "flyte-schedules-dlq"})
    assert queue["Properties"]["RedriveAllowPolicy"] == {"redrivePermission": "denyAll"}
    assert dlq["Properties"]["RedriveAllowPolicy"] == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [partition_arn(f":sqs:us-east-1:{ACCOUNT}:flyte-schedules")],
    }


def test_destroy_is_only_used_when_the_settings_allow_it(synthesized: Synthesized) -> None:
    queues = synthesized.template("topic").find_resources("AWS::SQS::Queue")
    assert {queue["DeletionPolicy"] for queue in queues.values()} == {"Delete"}


def test_both_queues_deny_requests_without_tls(synthesized: Synthesized) -> None:
    policies = synthesized.template("default").find_resources("AWS::SQS::QueuePolicy")
    assert len(policies) == 2
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        insecure = {"Bool": {"aws:SecureTransport": "false"}}
        tls = [s for s in statements if s.get("Condition") == insecure]
        assert len(tls) == 1
        assert (tls[0]["Effect"], tls[0]["Principal"], tls[0]["Action"]) == (
            "Deny",
            {"AWS": "*"},
            "sqs:*",
        )


def test_only_eventbridge_rules_with_the_prefix_may_send(synthesized: Synthesized) -> None:
    template = synthesized.template("default")
    queue_id, _ = single(template, "AWS::SQS::Queue", {"QueueName": "flyte-schedules"})
    _, policy = single(template, "AWS::SQS::QueuePolicy", {"Queues": [{"Ref": queue_id}]})
    statements = statements_by_sid(policy["Properties"]["PolicyDocument"])
    allow = statements["AllowScheduleRulesToSend"]
    assert allow == {
        "Sid": "AllowScheduleRulesToSend",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        "Condition": {
            "ArnLike": {
                "aws:SourceArn": partition_arn(f":events:us-east-1:{ACCOUNT}:rule/flyte_*")
            },
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }
    deny = statements["DenyRulesOnCustomEventBuses"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"]["ArnLike"]["aws:SourceArn"] == partition_arn(
        f":events:us-east-1:{ACCOUNT}:rule/*/*"
    )
    allows = [s for s in statements.values() if s["Effect"] == "Allow"]
    assert allows == [allow], "nothing but EventBridge delivery may be allowed"
    assert statements["DenySendersOtherThanScheduleRules"] == {
        "Sid": "DenySendersOtherThanScheduleRules",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": [queue_id, "Arn"]},
        "Condition": {
            "ArnNotLike": {
                "aws:SourceArn": partition_arn(f":events:us-east-1:{ACCOUNT}:rule/flyte_*")
            }
        },
    }


def test_operator_roles_are_exempt_from_the_send_deny(synthesized: Synthesized) -> None:
    template = synthesized.template("existing")
    queue_id, _ = single(template, "AWS::SQS::Queue", {"QueueName": "flyte-existing-schedules"})
    _, policy = single(template, "AWS::SQS::QueuePolicy", {"Queues": [{"Ref": queue_id}]})
    deny = statements_by_sid(policy["Properties"]["PolicyDocument"])[
        "DenySendersOtherThanScheduleRules"
    ]
    assert deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"] == [
        f"arn:aws:iam::{ACCOUNT}:role/platform/oncall-redrive"
    ]


def test_kms_scenario_uses_a_rotating_customer_key_eventbridge_may_use(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template("kms")
    key_id, key = single(template, "AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    statements = statements_by_sid(key["Properties"]["KeyPolicy"])
    events = statements["AllowEventBridgeToEncryptScheduleEvents"]
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    assert sorted(events["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert events["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    queues = template.find_resources("AWS::SQS::Queue")
    assert len(queues) == 2
    for queue in queues.values():
        assert queue["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
        assert "SqsManagedSseEnabled" not in queue["Properties"]
    decrypt = statements_by_sid(managed_policy(template)["PolicyDocument"])["DecryptScheduleQueue"]
    assert decrypt["Action"] == "kms:Decrypt"
    assert decrypt["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}
    }


def test_sqs_managed_encryption_grants_no_kms(synthesized: Synthesized) -> None:
    template = synthesized.template("default")
    assert template.find_resources("AWS::KMS::Key") == {}
    actions = [s["Action"] for s in managed_policy(template)["PolicyDocument"]["Statement"]]
    assert not any("kms:" in str(action) for action in actions)


# IAM ---------------------------------------------------------------------------------------


def test_schedule_role_trusts_eventbridge_of_this_account_and_has_no_permissions(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template("default")
    _, role = single(template, "AWS::IAM::Role")
    assert role["Properties"]["RoleName"] == "flyte-schedule-role"
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
        }
    ]
    assert "Policies" not in role["Properties"]
    assert "ManagedPolicyArns" not in role["Properties"]
    assert template.find_resources("AWS::IAM::Policy") == {}
    assert "Roles" not in managed_policy(template), "mode none attaches the policy to nothing"


def test_flyteadmin_policy_is_exactly_what_flyteadmin_calls(synthesized: Synthesized) -> None:
    template = synthesized.template("default")
    role_id, _ = single(template, "AWS::IAM::Role")
    queue_id, _ = single(template, "AWS::SQS::Queue", {"QueueName": "flyte-schedules"})
    policy = managed_policy(template)
    assert policy["ManagedPolicyName"] == "flyte-flyteadmin-scheduler"
    statements = statements_by_sid(policy["PolicyDocument"])
    assert set(statements) == {
        "ManageScheduleRules",
        "NoRulesOnCustomEventBuses",
        "NoTargetsButTheScheduleQueue",
        "NoRulesMatchingEventSources",
        "NoRulesMatchingEventDetailTypes",
        "NoServiceManagedRules",
        "PassScheduleRoleToEventBridge",
        "ConsumeScheduleQueue",
    }
    rules = statements["ManageScheduleRules"]
    assert (rules["Effect"], rules["Action"]) == ("Allow", RULE_ACTIONS)
    assert rules["Resource"] == partition_arn(f":events:us-east-1:{ACCOUNT}:rule/flyte_*")
    deny = statements["NoRulesOnCustomEventBuses"]
    assert (deny["Effect"], deny["Action"]) == ("Deny", RULE_ACTIONS)
    assert deny["Resource"] == partition_arn(f":events:us-east-1:{ACCOUNT}:rule/flyte_*/*")
    assert statements["PassScheduleRoleToEventBridge"] == {
        "Sid": "PassScheduleRoleToEventBridge",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": {"Fn::GetAtt": [role_id, "Arn"]},
        "Condition": {"StringEquals": {"iam:PassedToService": "events.amazonaws.com"}},
    }
    consume = statements["ConsumeScheduleQueue"]
    assert (consume["Action"], consume["Resource"]) == (
        CONSUMER_ACTIONS,
        {"Fn::GetAtt": [queue_id, "Arn"]},
    )


def test_flyteadmin_policy_denies_what_flyteadmin_never_does(synthesized: Synthesized) -> None:
    template = synthesized.template("default")
    queue_id, _ = single(template, "AWS::SQS::Queue", {"QueueName": "flyte-schedules"})
    statements = statements_by_sid(managed_policy(template)["PolicyDocument"])
    rules = partition_arn(f":events:us-east-1:{ACCOUNT}:rule/flyte_*")
    expected = {
        "NoTargetsButTheScheduleQueue": (
            "events:PutTargets",
            {"ForAnyValue:ArnNotEquals": {"events:TargetArn": {"Fn::GetAtt": [queue_id, "Arn"]}}},
        ),
        "NoRulesMatchingEventSources": ("events:PutRule", {"Null": {"events:source": "false"}}),
        "NoRulesMatchingEventDetailTypes": (
            "events:PutRule",
            {"Null": {"events:detail-type": "false"}},
        ),
        "NoServiceManagedRules": (RULE_ACTIONS, {"Null": {"events:ManagedBy": "false"}}),
    }
    for sid, (actions, condition) in expected.items():
        assert statements[sid] == {
            "Sid": sid,
            "Effect": "Deny",
            "Action": actions,
            "Resource": rules,
            "Condition": condition,
        }


def test_existing_mode_attaches_the_policy_to_the_named_roles(synthesized: Synthesized) -> None:
    template = synthesized.template("existing")
    assert managed_policy(template)["Roles"] == ["flyteadmin-node-role", "flyteadmin-pod-role"]
    assert len(template.find_resources("AWS::IAM::Role")) == 1, "only the schedule role"


def service_account_trust(issuer: str, namespace: str, service_account: str) -> dict[str, Any]:
    return {
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Effect": "Allow",
        "Principal": {"Federated": OIDC_ARN},
        "Condition": {
            "StringEquals": {
                f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                f"{issuer}:aud": "sts.amazonaws.com",
            }
        },
    }


def test_irsa_mode_creates_a_role_for_exactly_the_service_account(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template("irsa")
    role_id, role = single(template, "AWS::IAM::Role", {"RoleName": "flyte-irsa-flyteadmin"})
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        service_account_trust(OIDC_ISSUER, "flyte", "flyteadmin")
    ]
    assert managed_policy(template)["Roles"] == [{"Ref": role_id}]


def test_schedule_role_mode_makes_the_schedule_role_flyteadmins_identity(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template("schedule-role")
    role_id, role = single(template, "AWS::IAM::Role")
    trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert service_account_trust(OIDC_ISSUER, "flyte", "flyteadmin") in trust
    events = [s for s in trust if s["Principal"] == {"Service": "events.amazonaws.com"}]
    assert events[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert len(trust) == 2
    policy = managed_policy(template)
    assert policy["Roles"] == [{"Ref": role_id}]
    passrole = statements_by_sid(policy["PolicyDocument"])["PassScheduleRoleToEventBridge"]
    assert passrole["Resource"] == {"Fn::GetAtt": [role_id, "Arn"]}


# Alarms ------------------------------------------------------------------------------------


def test_alarms_watch_the_executor_poison_messages_and_deliveries(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template("default")
    queue_id, _ = single(template, "AWS::SQS::Queue", {"QueueName": "flyte-schedules"})
    dlq_id, _ = single(template, "AWS::SQS::Queue", {"QueueName": "flyte-schedules-dlq"})
    alarms = {
        alarm["Properties"]["AlarmName"]: alarm["Properties"]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
    }
    assert set(alarms) == {
        "flyte-scheduler-executor-stalled",
        "flyte-scheduler-poison-messages",
        "flyte-scheduler-deliveries-failing",
    }
    stalled = alarms["flyte-scheduler-executor-stalled"]
    assert stalled["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert stalled["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}
    ]
    assert (stalled["Threshold"], stalled["Statistic"]) == (300, "Maximum")
    poison = alarms["flyte-scheduler-poison-messages"]
    assert poison["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert poison["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq_id, "QueueName"]}}
    ]
    assert poison["Threshold"] == 1
    failing = alarms["flyte-scheduler-deliveries-failing"]
    assert (failing["Namespace"], failing["MetricName"]) == ("AWS/Events", "FailedInvocations")
    for alarm in alarms.values():
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"
        assert "AlarmActions" not in alarm, "topic: none means no actions"


def test_created_topic_is_encrypted_tls_only_and_notified(synthesized: Synthesized) -> None:
    template = synthesized.template("topic")
    key_id, key = single(template, "AWS::KMS::Key")
    cloudwatch = statements_by_sid(key["Properties"]["KeyPolicy"])["AllowCloudWatchAlarmsToPublish"]
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    topic_id, topic = single(template, "AWS::SNS::Topic")
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )
    alarms = [
        partition_arn(f":cloudwatch:us-east-1:{ACCOUNT}:alarm:flyte-topic-scheduler-{name}")
        for name in ("executor-stalled", "poison-messages", "deliveries-failing")
    ]
    _, topic_policy = single(template, "AWS::SNS::TopicPolicy", {"Topics": [{"Ref": topic_id}]})
    statements = statements_by_sid(topic_policy["Properties"]["PolicyDocument"])
    assert statements["AllowThisEnvironmentsAlarmsToPublish"] == {
        "Sid": "AllowThisEnvironmentsAlarmsToPublish",
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": {"Ref": topic_id},
        "Condition": {
            "ArnEquals": {"aws:SourceArn": alarms},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }
    assert cloudwatch["Condition"] == {
        "ArnEquals": {"aws:SourceArn": alarms},
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
    }
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "oncall@example.com"}
    )
    for alarm in template.find_resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topic_id}]
        assert alarm["Properties"]["OKActions"] == [{"Ref": topic_id}]


def test_tags_reach_the_resources(synthesized: Synthesized) -> None:
    template = synthesized.template("topic")
    template.has_resource_properties(
        "AWS::SQS::Queue", {"Tags": Match.array_with([{"Key": "team", "Value": "platform"}])}
    )


# Outputs and stacks ------------------------------------------------------------------------

CONFIG_OUTPUTS = {
    "Account",
    "Region",
    "ScheduleNamePrefix",
    "QueueName",
    "QueueArn",
    "QueueUrl",
    "DeadLetterQueueName",
    "DeadLetterQueueArn",
    "ScheduleRoleArn",
    "FlyteadminPolicyArn",
    "FlyteadminIdentityMode",
}


def test_outputs_carry_every_value_the_config_needs(synthesized: Synthesized) -> None:
    template = synthesized.template("default")
    outputs = template.find_outputs("*")
    assert set(outputs) == CONFIG_OUTPUTS
    assert outputs["Account"]["Value"] == ACCOUNT
    assert outputs["Region"]["Value"] == "us-east-1"
    assert outputs["ScheduleNamePrefix"]["Value"] == "flyte"
    assert outputs["FlyteadminIdentityMode"]["Value"] == "none"
    queue_id, _ = single(template, "AWS::SQS::Queue", {"QueueName": "flyte-schedules"})
    assert outputs["QueueArn"]["Value"] == {"Fn::GetAtt": [queue_id, "Arn"]}


def test_irsa_and_topic_outputs(synthesized: Synthesized) -> None:
    irsa = synthesized.template("irsa").find_outputs("*")
    assert set(irsa) == CONFIG_OUTPUTS | {"FlyteadminRoleArn"}
    topic = synthesized.template("topic").find_outputs("*")
    assert set(topic) == CONFIG_OUTPUTS | {"AlarmTopicArn"}


def test_one_stack_per_environment_in_its_account_and_region(synthesized: Synthesized) -> None:
    stacks = synthesized.stacks["multi"]
    assert [stack.stack_name for stack in stacks] == [
        "FlyteScheduler-multi-prod",
        "FlyteScheduler-multi-staging",
    ]
    assert {(stack.account, stack.region) for stack in stacks} == {("210987654321", "eu-west-1")}
    names = []
    for stack in stacks:
        template = synthesized.templates[stack.stack_name].to_json()
        resolver = TemplateResolver(template, stack.account, stack.region)
        names.append(resolver.resolved_outputs()["QueueName"])
    assert names == ["flyte-prod-schedules", "flyte-stg-schedules"]


def test_changing_tunables_keeps_logical_ids_and_physical_names(synthesized: Synthesized) -> None:
    default = synthesized.template("default").to_json()["Resources"]
    tuned = synthesized.template("tuned").to_json()["Resources"]
    assert {k: v["Type"] for k, v in default.items()} == {k: v["Type"] for k, v in tuned.items()}
    name_keys = ("QueueName", "RoleName", "ManagedPolicyName", "AlarmName")
    for logical_id, resource in default.items():
        for key in name_keys:
            if key in resource["Properties"]:
                assert tuned[logical_id]["Properties"][key] == resource["Properties"][key]
    queue = next(r for r in tuned.values() if r["Properties"].get("QueueName") == "flyte-schedules")
    assert queue["Properties"]["VisibilityTimeout"] == 300, "the tunable did change"


def test_capture_the_rule_pattern_shared_by_queue_policy_and_flyteadmin_policy(
    synthesized: Synthesized,
) -> None:
    template = synthesized.template("kms")
    pattern = Capture()
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Sid": "ManageScheduleRules", "Resource": pattern})]
                )
            }
        },
    )
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Condition": Match.object_like(
                                    {"ArnLike": {"aws:SourceArn": pattern.as_object()}}
                                )
                            }
                        )
                    ]
                )
            }
        },
    )
    assert pattern.as_object() == partition_arn(f":events:us-east-1:{ACCOUNT}:rule/flyte-kms_*")


# Governance (a locked-down enterprise account) --------------------------------------------------

GOVERNED_PATH = "/platform/flyte/"
BOUNDARY = partition_arn(f":iam::{ACCOUNT}:policy/platform-boundary")


def test_every_created_role_has_the_boundary_and_the_path(synthesized: Synthesized) -> None:
    template = synthesized.template("governed")
    roles = template.find_resources("AWS::IAM::Role")
    assert {r["Properties"]["RoleName"] for r in roles.values()} == {
        "flyte-gov-schedule-role",
        "flyte-gov-flyteadmin",
    }
    for role in roles.values():
        assert role["Properties"]["Path"] == GOVERNED_PATH
        assert role["Properties"]["PermissionsBoundary"] == BOUNDARY
    assert managed_policy(template)["Path"] == GOVERNED_PATH


def test_role_arns_everywhere_carry_the_path(synthesized: Synthesized) -> None:
    stack = synthesized.stack("governed")
    template = synthesized.templates[stack.stack_name].to_json()
    resolver = TemplateResolver(template, stack.account, stack.region)
    outputs = resolver.resolved_outputs()
    role = f"arn:aws:iam::{ACCOUNT}:role{GOVERNED_PATH}flyte-gov-schedule-role"
    assert outputs["ScheduleRoleArn"] == role
    assert (
        outputs["FlyteadminRoleArn"]
        == f"arn:aws:iam::{ACCOUNT}:role{GOVERNED_PATH}flyte-gov-flyteadmin"
    )
    assert outputs["FlyteadminPolicyArn"].endswith(
        f":policy{GOVERNED_PATH}flyte-gov-flyteadmin-scheduler"
    )
    policy = resolver.resolve(managed_policy(synthesized.template("governed"))["PolicyDocument"])
    (pass_role,) = [
        s for s in policy["Statement"] if s.get("Sid") == "PassScheduleRoleToEventBridge"
    ]
    assert pass_role["Resource"] == role
    values = values_from_settings(stack.settings)
    assert (values.schedule_role_arn, values.flyteadmin_role_arn) == (
        role,
        outputs["FlyteadminRoleArn"],
    )


def test_a_central_key_is_used_not_created(synthesized: Synthesized) -> None:
    template = synthesized.template("governed")
    assert template.find_resources("AWS::KMS::Key") == {}
    for queue in template.find_resources("AWS::SQS::Queue").values():
        assert queue["Properties"]["KmsMasterKeyId"] == CENTRAL_KEY
    decrypt = statements_by_sid(managed_policy(template)["PolicyDocument"])["DecryptScheduleQueue"]
    assert decrypt["Resource"] == CENTRAL_KEY
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "sqs.us-east-1.amazonaws.com"}
    }


def test_cli_credentials_need_no_bootstrap_and_the_qualifier_names_the_bootstrap(
    synthesized: Synthesized,
) -> None:
    governed = synthesized.template("governed").to_json()
    assert "BootstrapVersion" not in governed.get("Parameters", {})
    assert "CheckBootstrapVersion" not in governed.get("Rules", {})
    kms = synthesized.template("kms").to_json()
    assert kms["Parameters"]["BootstrapVersion"]["Default"] == "/cdk-bootstrap/platform1/version"
    default = synthesized.template("default").to_json()
    assert (
        default["Parameters"]["BootstrapVersion"]["Default"] == "/cdk-bootstrap/hnb659fds/version"
    )


def test_termination_protection_follows_the_removal_policy(synthesized: Synthesized) -> None:
    assert synthesized.stack("default").termination_protection is True  # retain, the default
    assert synthesized.stack("topic").termination_protection is False  # removal_policy: destroy
