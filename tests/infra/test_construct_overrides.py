"""The construct with existing resources instead of created ones, and its collected prop errors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from flyte_scheduler.options import AlarmOptions, SchedulerOptions
from flyte_scheduler.problems import SettingsError
from stacks.scheduler_construct import FlyteSchedulerInfrastructure

pytestmark = pytest.mark.infra

ENV = cdk.Environment(account="123456789012", region="us-east-1")
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:platform-oncall"


@pytest.fixture(scope="module")
def template() -> Iterator[Mapping[str, Any]]:
    stack = cdk.Stack(cdk.App(), "Overrides", env=ENV)
    FlyteSchedulerInfrastructure(
        stack,
        "Scheduler",
        options=SchedulerOptions(schedule_name_prefix="flyte-ovr", encryption="kms"),
        existing_encryption_key=kms.Key.from_key_arn(stack, "Key", KEY_ARN),
        existing_alarm_topic=sns.Topic.from_topic_arn(stack, "Topic", TOPIC_ARN),
    )
    yield Template.from_stack(stack).to_json()


def of_type(template: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def test_the_given_key_encrypts_the_queues_and_no_key_is_created(
    template: Mapping[str, Any],
) -> None:
    assert of_type(template, "AWS::KMS::Key") == []
    assert [q["KmsMasterKeyId"] for q in of_type(template, "AWS::SQS::Queue")] == [KEY_ARN, KEY_ARN]
    (policy,) = of_type(template, "AWS::IAM::ManagedPolicy")
    decrypt = [
        s for s in policy["PolicyDocument"]["Statement"] if s.get("Sid") == "DecryptScheduleQueue"
    ]
    assert decrypt[0]["Resource"] == KEY_ARN


def test_the_given_topic_is_notified_and_none_is_created(template: Mapping[str, Any]) -> None:
    assert of_type(template, "AWS::SNS::Topic") == []
    alarms = of_type(template, "AWS::CloudWatch::Alarm")
    assert len(alarms) == 3
    assert all(alarm["AlarmActions"] == [TOPIC_ARN] for alarm in alarms)


def test_prop_errors_are_collected_with_the_option_errors() -> None:
    stack = cdk.Stack(cdk.App(), "Broken", env=ENV)
    with pytest.raises(SettingsError) as raised:
        FlyteSchedulerInfrastructure(
            stack,
            "Scheduler",
            options=SchedulerOptions(
                schedule_name_prefix="p" * 44, alarms=AlarmOptions(topic="create")
            ),
            existing_encryption_key=kms.Key.from_key_arn(stack, "Key", KEY_ARN),
            existing_alarm_topic=sns.Topic.from_topic_arn(stack, "Topic", TOPIC_ARN),
        )
    fields = [problem.field for problem in raised.value.problems]
    assert fields == ["schedule_name_prefix", "existing_encryption_key", "existing_alarm_topic"]
