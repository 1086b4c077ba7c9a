"""Adopting a hand-made set-up in the emulator: queue and role made the upstream doc's way, a real
rule delivering to them, `adopt`, then the real `cdk import` and `cdk deploy`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from flyte_scheduler.demo import cdk_command, cdk_environment
from flyte_scheduler.flyteadmin_messages import INPUT_PATHS, LaunchPlanId, input_template
from flyte_scheduler.naming import rule_name
from tests.integration.conftest import ACCOUNT, REGION, Deployed

pytestmark = pytest.mark.integration

PREFIX, QUEUE, ROLE = "flyte-hand", "flyte-hand-queue", "flyte-hand-cloudwatch-role"
SETTINGS = f"""
environments:
  handmade:
    account: "{ACCOUNT}"
    region: {REGION}
    schedule_name_prefix: {PREFIX}
    queue: {{name: {QUEUE}}}
    schedule_role_name: {ROLE}
    adopt: {{queue: true, schedule_role: true}}
    termination_protection: false
"""
PLAN = LaunchPlanId("flytesnacks", "development", "adopted_daily")
RULE = rule_name(PREFIX, PLAN.project, PLAN.domain, PLAN.name)


def adopt_cli(deployed: Deployed, settings: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flyte_scheduler", "adopt", *args, "--settings", str(settings)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


def wait_for_delivery(sqs: Any, url: str, seconds: float = 150) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            body: dict[str, Any] = json.loads(message["Body"])
            return body
    raise AssertionError(f"no delivery into {url} within {seconds} s")


@pytest.fixture(scope="module")
def handmade(deployed: Deployed, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The upstream doc's set-up: a queue allowing events, a role trusting events, one rule."""
    sqs, iam, events = deployed.client("sqs"), deployed.client("iam"), deployed.client("events")
    url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{QUEUE}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EventsToMyQueue",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    events.put_rule(Name=RULE, ScheduleExpression="rate(1 minute)", RoleArn=role["Arn"])
    target = {
        "Id": RULE,
        "Arn": queue_arn,
        "InputTransformer": {
            "InputPathsMap": INPUT_PATHS,
            "InputTemplate": input_template(PLAN, ""),
        },
    }
    events.put_targets(Rule=RULE, Targets=[target])
    settings = tmp_path_factory.mktemp("handmade") / "flyte-scheduler.yaml"
    settings.write_text(SETTINGS)
    return {"url": url, "queue_arn": queue_arn, "role_arn": role["Arn"], "settings": settings}


def test_the_handmade_rule_delivers_before_adoption(
    deployed: Deployed, handmade: dict[str, Any]
) -> None:
    body = wait_for_delivery(deployed.client("sqs"), handmade["url"])
    assert body["kickoff_time_arg"] == "" and body["payload"]


def test_adopt_checks_and_writes_the_resource_mapping(
    deployed: Deployed, handmade: dict[str, Any], tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.json"
    result = adopt_cli(deployed, handmade["settings"], "--env", "handmade", "-o", str(mapping))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(mapping.read_text()) == {
        "SchedulerScheduleQueueC7EF33A2": {"QueueUrl": handmade["url"]},
        "SchedulerScheduleRoleBB9F32CF": {"RoleName": ROLE},
    }
    assert (
        "the queue policy is replaced; these statements are dropped: EventsToMyQueue"
        in result.stdout
    )
    assert "npx cdk import FlyteScheduler-handmade --resource-mapping" in result.stdout


def test_adopt_refuses_a_queue_on_the_aws_managed_key(deployed: Deployed, tmp_path: Path) -> None:
    """(A FIFO queue cannot be named at all: settings refuse queue names with '.fifo'.)"""
    name = "flyte-bad-key"
    deployed.client("sqs").create_queue(
        QueueName=name, Attributes={"KmsMasterKeyId": "alias/aws/sqs"}
    )
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        SETTINGS.replace(f"name: {QUEUE}", f"name: {name}").replace(
            "schedule_role: true", "schedule_role: false"
        )
    )
    mapping = tmp_path / "mapping.json"
    result = adopt_cli(deployed, settings, "--env", "handmade", "-o", str(mapping))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "alias/aws/sqs" in result.stdout
    assert not mapping.exists()


def cdk(deployed: Deployed, settings: Path, *args: str) -> subprocess.CompletedProcess[str]:
    context = [
        "-c",
        f"settings={settings}",
        "-c",
        "env=handmade",
        "-o",
        str(deployed.out / "cdk-hand.out"),
    ]
    return subprocess.run(
        cdk_command(*args, *context),
        capture_output=True,
        text=True,
        env=cdk_environment(deployed.aws),
        timeout=300,
    )


class ImportUnsupported(Exception):
    """The emulator refused the IMPORT change set itself."""


@pytest.mark.xfail(
    strict=True,
    raises=ImportUnsupported,
    reason="emulator gap: LocalStack 4.13.1 community does not implement CloudFormation resource "
    "import (IMPORT change sets), so `cdk import` cannot take the hand-made resources",
)
def test_cdk_import_then_deploy_keeps_the_rule_delivering(
    deployed: Deployed, handmade: dict[str, Any], tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.json"
    assert (
        adopt_cli(
            deployed, handmade["settings"], "--env", "handmade", "-o", str(mapping)
        ).returncode
        == 0
    )
    imported = cdk(
        deployed,
        handmade["settings"],
        "import",
        "FlyteScheduler-handmade",
        "--resource-mapping",
        str(mapping),
    )
    log = imported.stdout + imported.stderr
    if (
        imported.returncode
        and "creating CloudFormation changeset" in log
        and "does not exist" in log
    ):
        raise ImportUnsupported(log[-400:])
    assert imported.returncode == 0, log
    deployed_now = cdk(
        deployed,
        handmade["settings"],
        "deploy",
        "FlyteScheduler-handmade",
        "--require-approval",
        "never",
    )
    assert deployed_now.returncode == 0, deployed_now.stdout + deployed_now.stderr
    sqs = deployed.client("sqs")
    assert sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"] == handmade["url"]
    stack = deployed.client("cloudformation").describe_stacks(StackName="FlyteScheduler-handmade")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Stacks"][0]["Outputs"]}
    assert (outputs["QueueArn"], outputs["ScheduleRoleArn"]) == (
        handmade["queue_arn"],
        handmade["role_arn"],
    )
    wait_for_delivery(sqs, handmade["url"])  # the same rule, into the same queue
