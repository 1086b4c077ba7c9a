"""Every tunable setting changes the template property it is meant to, independently of snapshots.

Scenario ``tuned`` sets each tunable to a non-default value (tests/scenarios.py); the expected
values below are literals. The fixed alarm shapes (periods, statistics, evaluation periods) are
pinned too, since no setting changes them.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match

from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.infra

# (what the setting is, resource type, properties that must appear)
TUNABLES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "queue.message_retention_seconds: 86400",
        "AWS::SQS::Queue",
        {"QueueName": "flyte-schedules", "MessageRetentionPeriod": 86_400},
    ),
    (
        "queue.visibility_timeout_seconds: 300",
        "AWS::SQS::Queue",
        {"QueueName": "flyte-schedules", "VisibilityTimeout": 300},
    ),
    (
        "queue.max_receive_count: 3",
        "AWS::SQS::Queue",
        {
            "QueueName": "flyte-schedules",
            "RedrivePolicy": Match.object_like({"maxReceiveCount": 3}),
        },
    ),
    (
        "alarms.oldest_message_age_seconds: 900",
        "AWS::CloudWatch::Alarm",
        {"AlarmName": "flyte-scheduler-executor-stalled", "Threshold": 900},
    ),
    (
        "alarms.dead_letter_messages: 5",
        "AWS::CloudWatch::Alarm",
        {"AlarmName": "flyte-scheduler-poison-messages", "Threshold": 5},
    ),
    (
        "alarms.failed_invocations: 3",
        "AWS::CloudWatch::Alarm",
        {"AlarmName": "flyte-scheduler-deliveries-failing", "Threshold": 3},
    ),
]

# alarm -> (metric, statistic, period seconds, evaluation periods); no setting changes these
ALARM_SHAPES = {
    "flyte-scheduler-executor-stalled": ("ApproximateAgeOfOldestMessage", "Maximum", 60, 3),
    "flyte-scheduler-poison-messages": ("ApproximateNumberOfMessagesVisible", "Maximum", 300, 1),
    "flyte-scheduler-deliveries-failing": ("FailedInvocations", "Sum", 300, 1),
}


@pytest.mark.parametrize(("setting", "kind", "properties"), TUNABLES, ids=[t[0] for t in TUNABLES])
def test_each_tunable_reaches_its_property(
    synthesized: Synthesized, setting: str, kind: str, properties: dict[str, Any]
) -> None:
    synthesized.template("tuned").has_resource_properties(kind, properties)
    default = synthesized.template("default")
    assert not default.find_resources(kind, {"Properties": properties}), (
        f"{setting}: the default scenario must differ"
    )


@pytest.mark.parametrize("scenario", ["default", "tuned"])
def test_the_alarms_keep_their_shape(synthesized: Synthesized, scenario: str) -> None:
    alarms = synthesized.template(scenario).find_resources("AWS::CloudWatch::Alarm")
    shapes = {
        a["Properties"]["AlarmName"]: (
            a["Properties"]["MetricName"],
            a["Properties"]["Statistic"],
            a["Properties"]["Period"],
            a["Properties"]["EvaluationPeriods"],
        )
        for a in alarms.values()
    }
    assert shapes == ALARM_SHAPES


def test_reconnect_settings_reach_the_emitted_config(synthesized: Synthesized) -> None:
    from flyte_scheduler.config_render import scheduler_block
    from flyte_scheduler.deployed_values import values_from_settings

    env = synthesized.stack("tuned").settings
    block = scheduler_block(
        values_from_settings(env), env.reconnect_attempts, env.reconnect_delay_seconds
    )
    assert (block["reconnectAttempts"], block["reconnectDelaySeconds"]) == (3, 30)
