"""doctor cannot drift from the construct: each synthesized template, resolved into the
observations doctor would read from the deployed stack, passes every check doctor runs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flyte_scheduler.doctor_checks import run_checks
from flyte_scheduler.doctor_observations import Observations
from tests.cfn_resolve import TemplateResolver
from tests.infra.conftest import Synthesized
from tests.scenarios import SCENARIOS

pytestmark = pytest.mark.infra

# The policy of a key the stack does not create is its owners' (README); grant what they add.
CENTRAL_KEY_POLICY = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": "*",
        }
    ]
}


def attributes(raw: dict[str, Any], resolved: dict[str, Any], queue_id: str) -> dict[str, str]:
    """A queue's GetQueueAttributes, as SQS reports what the template sets."""
    properties = resolved[queue_id]["Properties"]
    policy = next(
        resolved[policy_id]["Properties"]["PolicyDocument"]
        for policy_id, r in raw.items()
        if r["Type"] == "AWS::SQS::QueuePolicy" and {"Ref": queue_id} in r["Properties"]["Queues"]
    )
    found = {
        "QueueArn": f"arn:aws:sqs:x:x:{properties['QueueName']}",
        "MessageRetentionPeriod": str(properties.get("MessageRetentionPeriod", 345_600)),
        "VisibilityTimeout": str(properties.get("VisibilityTimeout", 30)),
        "Policy": json.dumps(policy),
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }
    if properties.get("SqsManagedSseEnabled"):
        found["SqsManagedSseEnabled"] = "true"
    if "KmsMasterKeyId" in properties:
        found["KmsMasterKeyId"] = str(properties["KmsMasterKeyId"])
    for key in ("RedrivePolicy", "RedriveAllowPolicy"):
        if key in properties:
            found[key] = json.dumps(properties[key])
    return found


def observations(synthesized: Synthesized, scenario: str) -> Observations:
    stack = synthesized.stack(scenario)
    template = synthesized.templates[stack.stack_name].to_json()
    resolver = TemplateResolver(template, stack.account, stack.region)
    resolved: dict[str, Any] = resolver.resolve(template["Resources"])
    queues = {
        r["Properties"]["QueueName"]: logical_id
        for logical_id, r in resolved.items()
        if r["Type"] == "AWS::SQS::Queue"
    }
    outputs = resolver.resolved_outputs()
    (role,) = [
        r["Properties"]
        for r in resolved.values()
        if r["Type"] == "AWS::IAM::Role"
        and outputs["ScheduleRoleArn"].endswith("/" + r["Properties"]["RoleName"])
    ]
    alarms = [
        r["Properties"]["AlarmName"]
        for r in resolved.values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    ]
    key_policies = [
        r["Properties"]["KeyPolicy"] for r in resolved.values() if r["Type"] == "AWS::KMS::Key"
    ]
    return Observations(
        outputs=outputs,
        stack_status="CREATE_COMPLETE",
        queue=attributes(template["Resources"], resolved, queues[outputs["QueueName"]]),
        dead_letter_queue=attributes(
            template["Resources"], resolved, queues[outputs["DeadLetterQueueName"]]
        ),
        oldest_message_age=0.0,
        schedule_role_trust=role["AssumeRolePolicyDocument"],
        flyteadmin_role=outputs.get("FlyteadminRoleArn"),
        simulation=None,
        rules=[],
        rules_on_bus=0,
        alarms=dict.fromkeys(alarms, "OK"),
        key_policy=key_policies[0] if key_policies else CENTRAL_KEY_POLICY,
        errors={"simulation": "not evaluated offline (the IAM matrix proves the policy)"},
    )


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "multi"])
def test_every_doctor_check_passes_on_what_the_stack_deploys(
    synthesized: Synthesized, scenario: str
) -> None:
    env = synthesized.stack(scenario).settings
    results = run_checks(env, observations(synthesized, scenario))
    allowed = {"n/a", "warn"} if env.options.flyteadmin.mode in ("none", "existing") else {"n/a"}
    unexpected = [r.render() for r in results if r.status != "pass" and r.status not in allowed]
    assert unexpected == []
    assert [r.name for r in results if r.status == "warn"] in ([], ["flyteadmin permissions"])
