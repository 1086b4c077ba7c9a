"""adopt's verdict on hand-made resources, and the mapping file `cdk import` takes (pure)."""

from __future__ import annotations

import json

from flyte_scheduler.adoption import LOGICAL_IDS, Existing, assess, resource_mapping
from flyte_scheduler.settings import parse_settings

SETTINGS = """
environments:
  handmade:
    account: "123456789012"
    region: us-east-1
    schedule_name_prefix: flyte
    queue: {name: flyte-queue}
    schedule_role_name: flyte-cloudwatch-role
    adopt: {queue: true, schedule_role: true}
"""
ENV = parse_settings(SETTINGS).environments["handmade"]
URL = "https://sqs.us-east-1.amazonaws.com/123456789012/flyte-queue"
UPSTREAM_POLICY = {
    "Statement": [{"Sid": "EventsToMyQueue", "Effect": "Allow", "Action": "sqs:SendMessage"}]
}


def handmade(**attributes: str) -> Existing:
    """A queue and role as the upstream doc has users make them."""
    queue = {
        "VisibilityTimeout": "30",
        "MessageRetentionPeriod": "345600",
        "Policy": json.dumps(UPSTREAM_POLICY),
        **attributes,
    }
    return Existing(
        queue_url=URL,
        queue=queue,
        role={"RoleName": "flyte-cloudwatch-role", "Path": "/"},
        role_policies=["arn:aws:iam::aws:policy/CloudWatchEventsFullAccess"],
    )


def test_an_upstream_setup_is_adoptable_and_the_changes_are_listed() -> None:
    verdict = assess(ENV, handmade())
    assert verdict.adoptable, verdict.problems
    changes = "\n".join(verdict.changes)
    assert (
        "queue: the queue policy is replaced; these statements are dropped: EventsToMyQueue"
        in changes
    )
    assert "queue: VisibilityTimeout 30 -> 60" in changes
    assert "a redrive policy to flyte-queue-dlq is added (after 10 receives)" in changes
    assert "encryption is turned on: SSE-SQS" in changes
    assert "trust policy is replaced" in changes
    assert "CloudWatchEventsFullAccess" in changes


def test_a_fifo_queue_is_refused() -> None:
    verdict = assess(ENV, handmade(FifoQueue="true"))
    assert not verdict.adoptable and "FIFO" in verdict.problems[0]


def test_a_queue_on_the_aws_managed_key_is_refused() -> None:
    for key in ("alias/aws/sqs", "arn:aws:kms:us-east-1:123456789012:alias/aws/sqs"):
        verdict = assess(ENV, handmade(KmsMasterKeyId=key))
        assert not verdict.adoptable and "alias/aws/sqs" in verdict.problems[0]


def test_what_does_not_exist_cannot_be_adopted() -> None:
    seen = Existing(errors={"queue": "QueueDoesNotExist"})
    assert assess(ENV, seen).problems == ["queue: not found or not readable (QueueDoesNotExist)"]


def test_a_role_on_another_path_is_flagged() -> None:
    seen = handmade()
    seen.role = {"RoleName": "flyte-cloudwatch-role", "Path": "/service-role/"}
    assert any("set iam.path" in change for change in assess(ENV, seen).changes)


def test_the_mapping_names_the_stacks_logical_ids() -> None:
    assert resource_mapping(ENV, handmade()) == {
        "SchedulerScheduleQueueC7EF33A2": {"QueueUrl": URL},
        "SchedulerScheduleRoleBB9F32CF": {"RoleName": "flyte-cloudwatch-role"},
    }
    assert set(LOGICAL_IDS) == {"queue", "dead_letter_queue", "schedule_role"}


def test_the_changes_are_exactly_these() -> None:
    assert assess(ENV, handmade()).changes == [
        "queue: the queue policy is replaced; these statements are dropped: EventsToMyQueue",
        "queue: VisibilityTimeout 30 -> 60",
        "queue: a redrive policy to flyte-queue-dlq is added (after 10 receives)",
        "queue: encryption is turned on: SSE-SQS",
        "schedule role: its trust policy is replaced by one trusting events.amazonaws.com of "
        "account 123456789012 only",
        "schedule role: keeps its permissions policies (the stack declares none; the role needs "
        "none, delivery is authorized by the queue policy): "
        "arn:aws:iam::aws:policy/CloudWatchEventsFullAccess",
    ]


def test_a_queue_already_like_the_stacks_changes_only_its_policy() -> None:
    seen = handmade(SqsManagedSseEnabled="true", VisibilityTimeout="60", RedrivePolicy="{}")
    seen.role_policies = []
    assert assess(ENV, seen).changes == [
        "queue: the queue policy is replaced; these statements are dropped: EventsToMyQueue",
        "schedule role: its trust policy is replaced by one trusting events.amazonaws.com of "
        "account 123456789012 only",
    ]


def test_a_kms_encrypted_queue_changes_to_sse_sqs_and_an_adopted_dlq_keeps_14_days() -> None:
    seen = handmade(KmsMasterKeyId="arn:aws:kms:us-east-1:123456789012:key/x", RedrivePolicy="{}")
    seen.dead_letter_queue_url = URL + "-dlq"
    seen.dead_letter_queue = {"MessageRetentionPeriod": "345600", "SqsManagedSseEnabled": "true"}
    changes = assess(ENV, seen).changes
    assert "queue: encryption changes: SSE-SQS" in changes
    assert "dead_letter_queue: MessageRetentionPeriod 345600 -> 1209600" in changes
    assert resource_mapping(ENV, seen)["SchedulerDeadLetterQueue6601E543"] == {
        "QueueUrl": URL + "-dlq"
    }


def test_unnamed_statements_are_listed_by_position() -> None:
    seen = handmade(Policy=json.dumps({"Statement": [{"Effect": "Allow"}, {"Sid": "Named"}]}))
    assert assess(ENV, seen).changes[0] == (
        "queue: the queue policy is replaced; these statements are dropped: #0, Named"
    )
