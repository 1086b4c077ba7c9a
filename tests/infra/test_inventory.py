"""The inventory a deployed stack already has: logical IDs, types and physical names, pinned.

Written out by hand, not recorded: a change here means `cdk deploy` would replace or rename a
resource of every existing deployment (a replaced queue loses its in-flight schedule events).
Adding a resource is fine; moving or renaming one needs a migration and a CHANGELOG entry.
"""

from __future__ import annotations

import pytest

from flyte_scheduler.adoption import LOGICAL_IDS
from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.infra

NAME_PROPERTIES = (
    "QueueName",
    "RoleName",
    "ManagedPolicyName",
    "TopicName",
    "AlarmName",
    "AliasName",
)

# Every scenario has these, with its own prefix in the names.
CORE = {
    "SchedulerDeadLetterQueue6601E543": ("AWS::SQS::Queue", "{p}-schedules-dlq"),
    "SchedulerDeadLetterQueuePolicyAE4B6E07": ("AWS::SQS::QueuePolicy", None),
    "SchedulerScheduleQueueC7EF33A2": ("AWS::SQS::Queue", "{p}-schedules"),
    "SchedulerScheduleQueuePolicyC6F9ADCF": ("AWS::SQS::QueuePolicy", None),
    "SchedulerScheduleRoleBB9F32CF": ("AWS::IAM::Role", "{p}-schedule-role"),
    "SchedulerFlyteadminPolicyEE60C312": ("AWS::IAM::ManagedPolicy", "{p}-flyteadmin-scheduler"),
    "SchedulerExecutorStalledAlarm37FC5643": (
        "AWS::CloudWatch::Alarm",
        "{p}-scheduler-executor-stalled",
    ),
    "SchedulerPoisonMessagesAlarmBC991E6A": (
        "AWS::CloudWatch::Alarm",
        "{p}-scheduler-poison-messages",
    ),
    "SchedulerDeliveriesFailingAlarm2E2945EC": (
        "AWS::CloudWatch::Alarm",
        "{p}-scheduler-deliveries-failing",
    ),
}
EXTRA: dict[str, dict[str, tuple[str, str | None]]] = {
    "default": {},
    "kms": {
        "SchedulerQueueKeyDD5EEB92": ("AWS::KMS::Key", None),
        "SchedulerQueueKeyAliasAFF9A97D": ("AWS::KMS::Alias", "alias/{p}-schedules"),
    },
    "irsa": {"SchedulerFlyteadminRole43CEC199": ("AWS::IAM::Role", "{p}-flyteadmin")},
    "topic": {
        "SchedulerAlarmTopicKey42482E27": ("AWS::KMS::Key", None),
        "SchedulerAlarmTopic112C6828": ("AWS::SNS::Topic", "{p}-scheduler-alarms"),
        "SchedulerAlarmTopicPolicy7383583C": ("AWS::SNS::TopicPolicy", None),
        "SchedulerAlarmTopiconcallexamplecom4E37B894": ("AWS::SNS::Subscription", None),
    },
}
PREFIXES = {"default": "flyte", "kms": "flyte-kms", "irsa": "flyte-irsa", "topic": "flyte-topic"}


@pytest.mark.parametrize("scenario", EXTRA)
def test_logical_ids_types_and_names_are_those_deployed_stacks_have(
    synthesized: Synthesized, scenario: str
) -> None:
    resources = synthesized.template(scenario).to_json()["Resources"]
    found = {
        logical_id: (
            resource["Type"],
            next(
                (
                    resource["Properties"][key]
                    for key in NAME_PROPERTIES
                    if key in resource.get("Properties", {})
                ),
                None,
            ),
        )
        for logical_id, resource in resources.items()
    }
    expected = {
        logical_id: (kind, name.format(p=PREFIXES[scenario]) if name else None)
        for logical_id, (kind, name) in {**CORE, **EXTRA[scenario]}.items()
    }
    assert found == expected


def test_adopt_maps_onto_the_pinned_logical_ids() -> None:
    assert {kind: CORE[logical_id][0] for kind, logical_id in LOGICAL_IDS.items()} == {
        "queue": "AWS::SQS::Queue",
        "dead_letter_queue": "AWS::SQS::Queue",
        "schedule_role": "AWS::IAM::Role",
    }


def test_an_adopted_role_is_retained_as_cdk_import_requires(synthesized: Synthesized) -> None:
    resources = synthesized.template("adopted").to_json()["Resources"]
    assert resources[LOGICAL_IDS["schedule_role"]]["DeletionPolicy"] == "Retain"
    assert resources[LOGICAL_IDS["queue"]]["DeletionPolicy"] == "Retain"
    default = synthesized.template("default").to_json()["Resources"]
    assert "DeletionPolicy" not in default[LOGICAL_IDS["schedule_role"]]
