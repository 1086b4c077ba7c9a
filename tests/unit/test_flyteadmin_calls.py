"""flyteadmin's call sequence against stubbed clients: order, parameters, cleanup on failure."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from flyte_scheduler.deployed_values import values_from_settings
from flyte_scheduler.flyteadmin_calls import run_call_sequence
from flyte_scheduler.flyteadmin_messages import LaunchPlanId, input_template
from tests.scenarios import scenario_environments

VALUES = values_from_settings(scenario_environments("default")[0])
PLAN = LaunchPlanId("flytesnacks", "production", "my_wf_daily")
RULE = "flyte_16158393703659277889"
URL = "https://sqs.us-east-1.amazonaws.com/123456789012/flyte-schedules"


def clients() -> tuple[Any, Any, Stubber, Stubber]:
    kwargs: dict[str, Any] = {
        "region_name": "us-east-1",
        "aws_access_key_id": "stub",
        "aws_secret_access_key": "stub",
    }
    events, sqs = boto3.client("events", **kwargs), boto3.client("sqs", **kwargs)
    return events, sqs, Stubber(events), Stubber(sqs)


def expect_add(events: Stubber) -> None:
    events.add_response(
        "put_rule",
        {"RuleArn": f"arn:aws:events:us-east-1:123456789012:rule/{RULE}"},
        {
            "Name": RULE,
            "ScheduleExpression": "rate(1 minute)",
            "Description": "Schedule for Project:flytesnacks Domain:production Name:my_wf_daily launch plan",
            "RoleArn": VALUES.schedule_role_arn,
            "State": "ENABLED",
        },
    )
    events.add_response(
        "put_targets",
        {"FailedEntryCount": 0, "FailedEntries": []},
        {
            "Rule": RULE,
            "Targets": [
                {
                    "Id": RULE,
                    "Arn": VALUES.queue_arn,
                    "InputTransformer": {
                        "InputPathsMap": {"time": "$.time"},
                        "InputTemplate": input_template(PLAN, "kickoff_time"),
                    },
                }
            ],
        },
    )


def expect_remove(events: Stubber) -> None:
    events.add_response("remove_targets", {"FailedEntryCount": 0}, {"Rule": RULE, "Ids": [RULE]})
    events.add_response("delete_rule", {}, {"Name": RULE})


def test_the_whole_sequence_in_flyteadmins_order_leaving_other_events_alone() -> None:
    events, sqs, events_stub, sqs_stub = clients()
    expect_add(events_stub)
    sqs_stub.add_response(
        "get_queue_url",
        {"QueueUrl": URL},
        {"QueueName": "flyte-schedules", "QueueOwnerAWSAccountId": "123456789012"},
    )
    other = '{"time":"2026-01-01T10:00:00Z","kickoff_time_arg":"","payload":"CgFhEgFiGgFj"}'
    ours = input_template(PLAN, "kickoff_time").replace("<time>", '"2026-01-01T10:01:00Z"')
    receive = {"QueueUrl": URL, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 5}
    sqs_stub.add_response("receive_message", {"Messages": []}, receive)
    sqs_stub.add_response(
        "receive_message",
        {
            "Messages": [
                {"Body": other, "ReceiptHandle": "r1"},
                {"Body": ours, "ReceiptHandle": "r2"},
            ]
        },
        receive,
    )
    sqs_stub.add_response(
        "delete_message_batch",
        {"Successful": [{"Id": "0"}], "Failed": []},
        {"QueueUrl": URL, "Entries": [{"Id": "0", "ReceiptHandle": "r2"}]},
    )
    expect_remove(events_stub)
    with events_stub, sqs_stub:
        result = run_call_sequence(VALUES, events, sqs, launch_plan=PLAN, timeout_seconds=30)
        events_stub.assert_no_pending_responses()
        sqs_stub.assert_no_pending_responses()
    assert result.ok
    assert result.rule == RULE
    assert result.event is not None and result.event.launch_plan == PLAN
    assert [s.name for s in result.steps] == [
        "PutRule", "PutTargets", "GetQueueUrl", "ReceiveMessage", "Parse",
        "DeleteMessageBatch", "Other events", "RemoveTargets", "DeleteRule",
    ]  # fmt: skip


def test_the_rule_is_removed_when_a_later_call_fails() -> None:
    events, sqs, events_stub, sqs_stub = clients()
    expect_add(events_stub)
    sqs_stub.add_client_error("get_queue_url", "AWS.SimpleQueueService.NonExistentQueue")
    expect_remove(events_stub)
    with events_stub, sqs_stub, pytest.raises(Exception, match="NonExistentQueue"):
        run_call_sequence(VALUES, events, sqs, launch_plan=PLAN, timeout_seconds=30)
    events_stub.assert_no_pending_responses()


def test_no_delivery_in_time_fails_and_still_cleans_up() -> None:
    events, sqs, events_stub, sqs_stub = clients()
    expect_add(events_stub)
    sqs_stub.add_response("get_queue_url", {"QueueUrl": URL})
    expect_remove(events_stub)
    with events_stub, sqs_stub:
        result = run_call_sequence(VALUES, events, sqs, launch_plan=PLAN, timeout_seconds=0)
    assert not result.ok
    assert [s.name for s in result.steps if not s.ok] == ["ReceiveMessage"]
    assert result.steps[-1].name == "DeleteRule" and result.steps[-1].ok


def test_an_already_removed_rule_is_tolerated_like_flyteadmin_does() -> None:
    events, sqs, events_stub, sqs_stub = clients()
    expect_add(events_stub)
    sqs_stub.add_response("get_queue_url", {"QueueUrl": URL})
    events_stub.add_client_error("remove_targets", "ResourceNotFoundException")
    events_stub.add_client_error("delete_rule", "AccessDeniedException")
    with events_stub, sqs_stub:
        result = run_call_sequence(VALUES, events, sqs, launch_plan=PLAN, timeout_seconds=0)
    assert {s.name: s.ok for s in result.steps[-2:]} == {"RemoveTargets": True, "DeleteRule": False}
