"""Destroying the stack (runs after the deployment and operations modules, by file name)."""

from __future__ import annotations

import pytest

from flyte_scheduler.demo import cdk_command, cdk_environment, run_logged
from tests.integration.conftest import DLQ, QUEUE, STACK, Deployed

pytestmark = pytest.mark.integration


def test_destroying_the_stack_removes_it(deployed: Deployed) -> None:
    context = ["-c", f"settings={deployed.settings_path}", "-c", "env=integration"]
    run_logged(
        cdk_command("destroy", STACK, "--force", *context, "-o", str(deployed.out / "cdk.out")),
        cdk_environment(deployed.aws),
        deployed.out / "cdk-destroy.log",
    )
    cloudformation = deployed.client("cloudformation")
    alive = ["CREATE_COMPLETE", "UPDATE_COMPLETE"]
    stacks = cloudformation.list_stacks(StackStatusFilter=alive)["StackSummaries"]
    assert STACK not in {s["StackName"] for s in stacks}


@pytest.mark.xfail(
    strict=True,
    reason="emulator gap: LocalStack 4.13.1 community parses DeletionPolicy but deletes retained "
    "resources anyway; the Retain policy is asserted on the synthesized template instead",
)
def test_the_retained_queues_survive_the_destroy(deployed: Deployed) -> None:
    sqs = deployed.client("sqs")
    for name in (QUEUE, DLQ):
        assert sqs.get_queue_url(QueueName=name)["QueueUrl"].endswith(name)
