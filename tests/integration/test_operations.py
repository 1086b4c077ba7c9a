"""doctor against the deployment in the emulator: healthy passes, real injected faults fail."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flyte_scheduler import naming
from tests.integration.conftest import Deployed

pytestmark = pytest.mark.integration


def doctor(deployed: Deployed, *extra: str) -> tuple[int, dict[str, str]]:
    """Exit code and the status word of each check line, by check name."""
    result = deployed.cli("doctor", "--env", "integration", *extra)
    statuses = {}
    for line in result.stdout.splitlines():
        status, _, rest = line.partition("  ")
        if status.strip() in ("PASS", "FAIL", "WARN", "N/A"):
            statuses[rest.split(":")[0]] = status.strip()
    assert statuses, result.stdout + result.stderr
    return result.returncode, statuses


@pytest.fixture
def queues(deployed: Deployed) -> dict[str, str]:
    sqs = deployed.client("sqs")
    options = deployed.env.options
    return {
        kind: sqs.get_queue_url(QueueName=name)["QueueUrl"]
        for kind, name in (
            ("queue", naming.queue_name(options)),
            ("dlq", naming.dead_letter_queue_name(options)),
        )
    }


def test_doctor_sees_the_poison_message_left_in_the_dlq(
    deployed: Deployed, queues: dict[str, str]
) -> None:
    sqs = deployed.client("sqs")
    sqs.send_message(QueueUrl=queues["dlq"], MessageBody="poison")
    code, statuses = doctor(deployed)
    assert code == 1
    assert [name for name, status in statuses.items() if status == "FAIL"] == [
        "dead-letter queue flyte-it-schedules-dlq"
    ]
    sqs.purge_queue(QueueUrl=queues["dlq"])


def test_doctor_passes_a_healthy_deployment(deployed: Deployed, tmp_path: Any) -> None:
    config = tmp_path / "flyteadmin.yaml"
    assert deployed.cli("config", "--env", "integration", "-o", str(config)).returncode == 0
    code, statuses = doctor(deployed, "--config", str(config))
    assert code == 0, statuses
    assert "FAIL" not in statuses.values()
    assert statuses["flyteadmin permissions"] == "WARN"  # mode none: the stack cannot know the role
    assert statuses["flyteadmin config"] == "PASS"


def test_doctor_finds_an_orphaned_rule(deployed: Deployed) -> None:
    events = deployed.client("events")
    queue_arn = naming.Arns(deployed.env).queue
    events.put_rule(Name="oldprefix_42", ScheduleExpression="rate(1 day)", State="ENABLED")
    events.put_targets(Rule="oldprefix_42", Targets=[{"Id": "oldprefix_42", "Arn": queue_arn}])
    try:
        code, statuses = doctor(deployed)
    finally:
        events.remove_targets(Rule="oldprefix_42", Ids=["oldprefix_42"])
        events.delete_rule(Name="oldprefix_42")
    assert code == 1
    assert [name for name, status in statuses.items() if status == "FAIL"] == ["orphaned rules"]


def test_doctor_finds_a_queue_policy_edited_by_hand(
    deployed: Deployed, queues: dict[str, str]
) -> None:
    sqs = deployed.client("sqs")
    original = sqs.get_queue_attributes(QueueUrl=queues["queue"], AttributeNames=["Policy"])[
        "Attributes"
    ]["Policy"]
    policy = json.loads(original)
    for statement in policy["Statement"]:
        statement.get("Condition", {}).pop("ArnLike", None)  # "simplified" by hand
    sqs.set_queue_attributes(QueueUrl=queues["queue"], Attributes={"Policy": json.dumps(policy)})
    try:
        code, statuses = doctor(deployed)
    finally:
        sqs.set_queue_attributes(QueueUrl=queues["queue"], Attributes={"Policy": original})
    assert code == 1
    assert [name for name, status in statuses.items() if status == "FAIL"] == ["queue policy"]


def test_doctor_finds_foreign_rules_under_the_prefix(deployed: Deployed) -> None:
    """Rules flyteadmin's permissions allow but flyteadmin never makes: IAM cannot stop a
    pattern without source or detail-type, or a rule made by another principal; doctor must."""
    events = deployed.client("events")
    arns = naming.Arns(deployed.env)
    cloudtrail = json.dumps({"detail-type": ["AWS API Call via CloudTrail"]})
    planted: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {
        # a pattern rule delivering to another account's bus
        "flyte-it_exfil": (
            {"EventPattern": cloudtrail},
            [{"Id": "bus", "Arn": "arn:aws:events:us-east-1:999999999999:event-bus/default"}],
        ),
        # a flyteadmin-like name reading account events into the queue
        "flyte-it_123": ({"EventPattern": cloudtrail}, [{"Id": "q", "Arn": arns.queue}]),
        # a schedule whose failed deliveries would go to someone else's queue
        "flyte-it_backup": (
            {"ScheduleExpression": "rate(1 day)", "RoleArn": arns.schedule_role},
            [
                {
                    "Id": "q",
                    "Arn": arns.queue,
                    "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:999999999999:loot"},
                }
            ],
        ),
    }
    for name, (rule, targets) in planted.items():
        events.put_rule(Name=name, State="ENABLED", **rule)
        events.put_targets(Rule=name, Targets=targets)
    try:
        result = deployed.cli("doctor", "--env", "integration")
        code, statuses = doctor(deployed)
    finally:
        for name, (_, targets) in planted.items():
            events.remove_targets(Rule=name, Ids=[target["Id"] for target in targets])
            events.delete_rule(Name=name)
    assert code == 1
    assert [name for name, status in statuses.items() if status == "FAIL"] == ["rules flyte-it_*"]
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    for evidence in (
        "flyte-it_exfil has not a name flyteadmin gives",
        "an event pattern",
        "target arn:aws:events:us-east-1:999999999999:event-bus/default",
        "flyte-it_123 has an event pattern",
        "a dead-letter queue arn:aws:sqs:us-east-1:999999999999:loot",
    ):
        assert evidence in line, line
    assert "CloudTrail" in result.stdout  # the fix says where to find who made them
