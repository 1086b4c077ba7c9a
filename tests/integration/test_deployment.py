"""The real CDK CLI deploys into the emulator; flyteadmin's calls work against the result.

The tests run in file order on one deployment: the last one destroys the stack.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from flyte_scheduler import emulator
from flyte_scheduler.outputs import OUTPUT_DESCRIPTIONS
from tests.cfn_resolve import TemplateResolver
from tests.integration.conftest import ACCOUNT, DLQ, QUEUE, REGION, SETTINGS, STACK, Deployed

pytestmark = pytest.mark.integration


def body(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))


def test_the_emulator_listens_on_loopback_only(deployed: Deployed) -> None:
    addresses = emulator.listening_addresses(deployed.emulator.pid)
    assert f"127.0.0.1:{deployed.emulator.port}" in addresses
    assert all(a.startswith("127.") or a.startswith("[::1]") for a in addresses), addresses


def test_stack_outputs_are_complete(deployed: Deployed) -> None:
    stack = deployed.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    expected = set(OUTPUT_DESCRIPTIONS) - {"FlyteadminRoleArn", "AlarmTopicArn"}
    assert set(outputs) == expected
    assert (outputs["Account"], outputs["Region"], outputs["QueueName"]) == (ACCOUNT, REGION, QUEUE)
    role = deployed.client("iam").get_role(RoleName="flyte-it-schedule-role")["Role"]
    assert (
        outputs["ScheduleRoleArn"]
        == role["Arn"]
        == f"arn:aws:iam::{ACCOUNT}:role/flyte/it/flyte-it-schedule-role"
    )


@pytest.mark.parametrize("fmt", ["scheduler", "flyte-core", "json"])
def test_config_from_the_stack_equals_the_offline_config(deployed: Deployed, fmt: str) -> None:
    offline = deployed.cli("config", "--env", "integration", "--format", fmt)
    live = deployed.cli("config", "--env", "integration", "--format", fmt, "--from-stack")
    assert (offline.returncode, live.returncode) == (0, 0), live.stderr
    assert body(live.stdout) == body(offline.stdout)


def test_the_deployed_queue_policy_equals_the_synthesized_one(deployed: Deployed) -> None:
    template = json.loads((deployed.out / "cdk.out" / f"{STACK}.template.json").read_text())
    resolver = TemplateResolver(template, ACCOUNT, REGION)
    (synthesized,) = [
        resolver.resolve(resource["Properties"]["PolicyDocument"])
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::SQS::QueuePolicy"
        and template["Resources"][resource["Properties"]["Queues"][0]["Ref"]]["Properties"][
            "QueueName"
        ]
        == QUEUE
    ]
    sqs = deployed.client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    deployed_policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"]
    )
    assert canonical(deployed_policy) == canonical(synthesized)


def test_smoke_runs_flyteadmins_calls_until_a_real_scheduled_delivery(deployed: Deployed) -> None:
    """`smoke` is flyteadmin's call sequence (the demo's code) with a real scheduled delivery."""
    result = deployed.cli("smoke", "--env", "integration", "--timeout", "90")
    assert result.returncode == 0, result.stdout + result.stderr
    steps = [
        line.split()[:2]
        for line in result.stdout.splitlines()
        if line.strip().startswith(("ok", "FAIL"))
    ]
    assert steps == [
        ["ok", "PutRule:"], ["ok", "PutTargets:"], ["ok", "GetQueueUrl:"], ["ok", "ReceiveMessage:"],
        ["ok", "Parse:"], ["ok", "DeleteMessageBatch:"], ["ok", "RemoveTargets:"], ["ok", "DeleteRule:"],
    ]  # fmt: skip
    assert "Parse: flyte-scheduler-infra/smoke/smoke_" in result.stdout
    assert "smoke: PASS" in result.stdout
    events = deployed.client("events")
    assert events.list_rules(NamePrefix="flyte-it_")["Rules"] == [], "smoke left its rule behind"
    sqs = deployed.client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0", "the event was deleted"


def canonical(policy: dict[str, Any]) -> list[str]:
    return sorted(json.dumps(s, sort_keys=True) for s in policy["Statement"])


def test_a_poison_message_ends_up_in_the_dlq(deployed: Deployed) -> None:
    sqs = deployed.client("sqs")
    url, dlq_url = (sqs.get_queue_url(QueueName=name)["QueueUrl"] for name in (QUEUE, DLQ))
    sqs.send_message(QueueUrl=url, MessageBody="not a schedule event")
    receives, moved = 0, list[dict[str, Any]]()
    deadline = time.monotonic() + 60
    while not moved and time.monotonic() < deadline:
        # Like flyteadmin with a body it cannot parse: receive, never delete.
        receives += len(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []))
        time.sleep(1.2)  # the visibility timeout is 1 s
        moved = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=0).get("Messages", [])
    assert [m["Body"] for m in moved] == ["not a schedule event"]
    assert receives > deployed.env.options.queue.max_receive_count - 1


def test_redeploying_unchanged_is_a_no_op(deployed: Deployed) -> None:
    output = deployed.redeploy(SETTINGS, "cdk-redeploy.log")
    assert "(no changes)" in output


def queue_identity(deployed: Deployed) -> dict[str, Any]:
    sqs = deployed.client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return {
        "url": url,
        **{k: attributes[k] for k in ("QueueArn", "CreatedTimestamp", "VisibilityTimeout")},
    }


def test_changing_a_tunable_updates_the_queue_in_place(deployed: Deployed) -> None:
    before = queue_identity(deployed)
    deployed.redeploy(
        SETTINGS.replace("visibility_timeout_seconds: 1", "visibility_timeout_seconds: 7"),
        "cdk-update.log",
    )
    after = queue_identity(deployed)
    assert (before["VisibilityTimeout"], after["VisibilityTimeout"]) == ("1", "7")
    assert {k: after[k] for k in ("url", "QueueArn", "CreatedTimestamp")} == {
        k: before[k] for k in ("url", "QueueArn", "CreatedTimestamp")
    }
