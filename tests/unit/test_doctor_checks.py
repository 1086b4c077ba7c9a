"""doctor's verdicts: a healthy deployment passes; each injected fault fails exactly its check."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from flyte_scheduler import naming
from flyte_scheduler.config_lint import lint_text
from flyte_scheduler.deployed_values import values_from_settings
from flyte_scheduler.doctor_checks import run_checks
from flyte_scheduler.doctor_observations import Observations, Rule
from flyte_scheduler.flyteadmin_messages import INPUT_PATHS, LaunchPlanId, input_template
from tests.scenarios import FLYTEADMINS_CALLS, scenario_environments

ENV = scenario_environments("irsa")[0]


class ARNS:
    """The irsa scenario's ARNs, written out (not derived by the naming code doctor uses)."""

    queue = "arn:aws:sqs:us-east-1:123456789012:flyte-irsa-schedules"
    dead_letter_queue = "arn:aws:sqs:us-east-1:123456789012:flyte-irsa-schedules-dlq"
    schedule_role = "arn:aws:iam::123456789012:role/flyte-irsa-schedule-role"
    flyteadmin_role = "arn:aws:iam::123456789012:role/flyte-irsa-flyteadmin"
    rule_pattern = "arn:aws:events:us-east-1:123456789012:rule/flyte-irsa_*"
    custom_bus_rules = "arn:aws:events:us-east-1:123456789012:rule/*/*"


QUEUE_POLICY: dict[str, Any] = {
    "Statement": [
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "sqs:*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "AllowScheduleRulesToSend",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Condition": {
                "ArnLike": {"aws:SourceArn": ARNS.rule_pattern},
                "StringEquals": {"aws:SourceAccount": ENV.account},
            },
        },
        {
            "Sid": "DenyRulesOnCustomEventBuses",
            "Effect": "Deny",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Condition": {"ArnLike": {"aws:SourceArn": ARNS.custom_bus_rules}},
        },
        {
            "Sid": "DenySendersOtherThanScheduleRules",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:SendMessage",
            "Condition": {"ArnNotLike": {"aws:SourceArn": ARNS.rule_pattern}},
        },
    ]
}
HASH_RULE = f"{ENV.prefix}_16301494360130577061"  # flyteadmin's test vector: project:domain:name
OTHER_ACCOUNT_BUS = "arn:aws:events:us-east-1:999999999999:event-bus/default"
CLOUDTRAIL_PATTERN = '{"detail-type": ["AWS API Call via CloudTrail"]}'


PLAN = LaunchPlanId("project", "domain", "name")


def target(arn: str = ARNS.queue, plan: LaunchPlanId = PLAN) -> dict[str, object]:
    template = input_template(plan, "kickoff_time")
    return {
        "Id": "x",
        "Arn": arn,
        "InputTransformer": {"InputPathsMap": INPUT_PATHS, "InputTemplate": template},
    }


def flyteadmin_rule(name: str = HASH_RULE, *targets: dict[str, object]) -> Rule:
    """A rule exactly as flyteadmin's PutRule and PutTargets leave it."""
    return Rule(
        name, "ENABLED", "rate(1 hour)", list(targets or [target()]), role_arn=ARNS.schedule_role
    )


def healthy() -> Observations:
    outputs = {
        "Account": ENV.account,
        "Region": ENV.region,
        "ScheduleNamePrefix": ENV.prefix,
        "QueueName": naming.queue_name(ENV.options),
        "QueueArn": ARNS.queue,
        "ScheduleRoleArn": ARNS.schedule_role,
        "FlyteadminRoleArn": str(ARNS.flyteadmin_role),
    }
    queue = {
        "SqsManagedSseEnabled": "true",
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": ARNS.dead_letter_queue, "maxReceiveCount": 10}
        ),
        "MessageRetentionPeriod": "345600",
        "VisibilityTimeout": "60",
        "ApproximateNumberOfMessages": "0",
        "Policy": json.dumps(QUEUE_POLICY),
        "RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"}),
    }
    return Observations(
        outputs=outputs,
        stack_status="CREATE_COMPLETE",
        queue=queue,
        dead_letter_queue={
            "ApproximateNumberOfMessages": "0",
            "ApproximateNumberOfMessagesNotVisible": "0",
            "RedriveAllowPolicy": json.dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [ARNS.queue]}
            ),
        },
        oldest_message_age=3.0,
        schedule_role_trust={
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ]
        },
        flyteadmin_role=ARNS.flyteadmin_role,
        simulation=dict.fromkeys(FLYTEADMINS_CALLS, "allowed"),
        rules=[flyteadmin_rule()],
        rules_on_bus=12,
        existing_queues={ARNS.queue: True},
        alarms={
            f"{ENV.prefix}-scheduler-{s}": "OK"
            for s in ("executor-stalled", "poison-messages", "deliveries-failing")
        },
    )


def statuses(seen: Observations) -> dict[str, str]:
    return {result.name.split(" ")[0]: result.status for result in run_checks(ENV, seen)}


def test_a_healthy_deployment_passes_every_check() -> None:
    results = run_checks(ENV, healthy())
    assert [r.status for r in results] == ["pass"] * 11, [
        r.render() for r in results if r.status != "pass"
    ]


def fault(change: Callable[[Observations], None]) -> Observations:
    seen = copy.deepcopy(healthy())
    change(seen)
    return seen


def set_queue(key: str, value: str) -> Callable[[Observations], None]:
    return lambda seen: (seen.queue or {}).__setitem__(key, value)


def without_statement(index: int) -> Callable[[Observations], None]:
    def change(seen: Observations) -> None:
        policy = copy.deepcopy(QUEUE_POLICY)
        del policy["Statement"][index]
        assert seen.queue is not None
        seen.queue["Policy"] = json.dumps(policy)

    return change


def edit_statement(
    index: int, change: Callable[[dict[str, Any]], None]
) -> Callable[[Observations], None]:
    def apply(seen: Observations) -> None:
        policy = copy.deepcopy(QUEUE_POLICY)
        change(policy["Statement"][index])
        assert seen.queue is not None
        seen.queue["Policy"] = json.dumps(policy)

    return apply


def add_statement(seen: Observations, statement: dict[str, Any]) -> None:
    policy = copy.deepcopy(QUEUE_POLICY)
    policy["Statement"].append(statement)
    assert seen.queue is not None
    seen.queue["Policy"] = json.dumps(policy)


def without_source_account(seen: Observations) -> None:
    policy = copy.deepcopy(QUEUE_POLICY)
    del policy["Statement"][1]["Condition"]["StringEquals"]
    assert seen.queue is not None
    seen.queue["Policy"] = json.dumps(policy)


def planted(rule: Rule) -> Callable[[Observations], None]:
    return lambda seen: seen.rules.append(rule)


def change_rule(**changes: object) -> Callable[[Observations], None]:
    return lambda seen: seen.rules[0].__dict__.update(changes)


def change_target(**changes: object) -> Callable[[Observations], None]:
    return lambda seen: seen.rules[0].targets[0].update(changes)


def wrong_policy(seen: Observations) -> None:
    policy = copy.deepcopy(QUEUE_POLICY)
    policy["Statement"][1]["Condition"]["ArnLike"]["aws:SourceArn"] = ARNS.rule_pattern.replace(
        ENV.prefix, "other"
    )
    assert seen.queue is not None
    seen.queue["Policy"] = json.dumps(policy)


# (injected fault, the one check that must fail)
FAULTS: dict[str, tuple[Callable[[Observations], None], str]] = {
    "stack missing": (lambda s: setattr(s, "outputs", None), "stack FlyteScheduler-irsa"),
    "stack rolled back": (
        lambda s: setattr(s, "stack_status", "UPDATE_ROLLBACK_COMPLETE"),
        "stack",
    ),
    "outputs of another queue": (
        lambda s: (s.outputs or {}).__setitem__("QueueName", "other"),
        "stack",
    ),
    "fifo queue": (set_queue("FifoQueue", "true"), "queue flyte-irsa-schedules"),
    "no encryption": (set_queue("SqsManagedSseEnabled", "false"), "queue flyte-irsa-schedules"),
    "no redrive": (set_queue("RedrivePolicy", ""), "queue flyte-irsa-schedules"),
    "visibility drifted": (set_queue("VisibilityTimeout", "5"), "queue flyte-irsa-schedules"),
    "queue policy for another prefix": (wrong_policy, "queue policy"),
    "queue policy without TLS deny": (without_statement(0), "queue policy"),
    "queue policy without SourceAccount": (without_source_account, "queue policy"),
    "queue policy without custom-bus deny": (without_statement(2), "queue policy"),
    "queue policy lets anyone send": (without_statement(3), "queue policy"),
    "forgery deny exempts every role": (
        edit_statement(
            3,
            lambda s: s["Condition"]["ArnNotLike"].update(
                {"aws:PrincipalArn": "arn:aws:iam::123456789012:*"}
            ),
        ),
        "queue policy",
    ),
    "forgery deny narrowed by another condition": (
        edit_statement(
            3, lambda s: s["Condition"].update({"StringEquals": {"aws:SourceAccount": "1"}})
        ),
        "queue policy",
    ),
    "an extra allow for another account": (
        lambda seen: add_statement(
            seen, {"Sid": "Open", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sqs:*"}
        ),
        "queue policy",
    ),
    "queue usable as anyone's DLQ": (
        set_queue("RedriveAllowPolicy", json.dumps({"redrivePermission": "allowAll"})),
        "queue flyte-irsa-schedules",
    ),
    "DLQ accepts other sources": (
        lambda s: (s.dead_letter_queue or {}).__setitem__("RedriveAllowPolicy", "{}"),
        "queue flyte-irsa-schedules",
    ),
    "flooded DLQ": (
        lambda s: (s.dead_letter_queue or {}).__setitem__("ApproximateNumberOfMessages", "250"),
        "dead-letter",
    ),
    "stalled executor": (lambda s: setattr(s, "oldest_message_age", 4000.0), "backlog"),
    "untrusted schedule role": (
        lambda s: setattr(s, "schedule_role_trust", {"Statement": []}),
        "schedule",
    ),
    "flyteadmin denied": (
        lambda s: (s.simulation or {}).__setitem__("iam:PassRole", "implicitDeny"),
        "flyteadmin",
    ),
    "rule retargeted": (
        lambda s: s.rules[0].targets.__setitem__(0, target(ARNS.dead_letter_queue)),
        "rules",
    ),
    "rule disabled": (lambda s: setattr(s.rules[0], "state", "DISABLED"), "rules flyte-irsa_*"),
    "foreign name under the prefix": (
        planted(flyteadmin_rule(f"{ENV.prefix}_exfil")),
        "rules flyte-irsa_*",
    ),
    "pattern rule to another account's bus": (
        planted(
            replace(
                flyteadmin_rule(f"{ENV.prefix}_exfil", {"Id": "x", "Arn": OTHER_ACCOUNT_BUS}),
                event_pattern=CLOUDTRAIL_PATTERN,
                role_arn="",
            )
        ),
        "rules flyte-irsa_*",
    ),
    "CloudTrail pattern into the queue": (
        planted(replace(flyteadmin_rule(f"{ENV.prefix}_123"), event_pattern=CLOUDTRAIL_PATTERN)),
        "rules flyte-irsa_*",
    ),
    "service-managed rule": (change_rule(managed_by="ssm.amazonaws.com"), "rules flyte-irsa_*"),
    "a second target": (
        lambda s: s.rules[0].targets.append(target("arn:aws:lambda:us-east-1:1:function:f")),
        "rules flyte-irsa_*",
    ),
    "another rule role": (change_rule(role_arn=ARNS.flyteadmin_role), "rules flyte-irsa_*"),
    "no rule role": (change_rule(role_arn=""), "rules flyte-irsa_*"),
    "target without transformer": (
        lambda s: s.rules[0].targets[0].pop("InputTransformer"),
        "rules flyte-irsa_*",
    ),
    "target dead-letter queue elsewhere": (
        change_target(DeadLetterConfig={"Arn": "arn:aws:sqs:us-east-1:999999999999:loot"}),
        "rules flyte-irsa_*",
    ),
    "target role": (change_target(RoleArn=ARNS.schedule_role), "rules flyte-irsa_*"),
    "payload for another launch plan": (
        lambda s: s.rules[0].targets.__setitem__(
            0, target(plan=LaunchPlanId("project", "domain", "other"))
        ),
        "rules flyte-irsa_*",
    ),
    "quota nearly used": (lambda s: setattr(s, "rules_on_bus", 290), "rules quota"),
    "orphan under an old prefix": (
        planted(flyteadmin_rule("oldprefix_123")),
        "orphaned",
    ),
    "alarm firing": (
        lambda s: (s.alarms or {}).__setitem__(f"{ENV.prefix}-scheduler-poison-messages", "ALARM"),
        "alarms",
    ),
}


@pytest.mark.parametrize("name", FAULTS)
def test_each_fault_fails_exactly_its_check(name: str) -> None:
    change, check = FAULTS[name]
    results = run_checks(ENV, fault(change))
    not_passing = [r for r in results if r.status != "pass"]
    assert len(not_passing) == 1, [r.render() for r in not_passing]
    assert (
        not_passing[0].name.startswith(check)
        or not_passing[0].name.split(" ")[0] == check.split(" ")[0]
    )
    assert not_passing[0].status in ("fail", "warn")
    assert not_passing[0].fix


def test_the_quota_fails_when_full_and_uses_the_service_quota() -> None:
    seen = fault(lambda s: setattr(s, "rules_on_bus", 100))
    seen.rules_quota, seen.rules_quota_source = 100.0, "Service Quotas"
    (quota,) = [r for r in run_checks(ENV, seen) if r.name.startswith("rules quota")]
    assert (quota.status, "Service Quotas" in quota.evidence) == ("fail", True)


def test_a_rule_targeting_a_missing_queue_is_an_orphan() -> None:
    missing = ARNS.queue + "-gone"
    seen = fault(lambda s: s.rules.append(flyteadmin_rule(f"{ENV.prefix}_42", target(missing))))
    seen.existing_queues[missing] = False
    failed = {r.name for r in run_checks(ENV, seen) if r.status == "fail"}
    assert "orphaned rules" in failed


def test_not_verifiable_permissions_are_reported_as_such() -> None:
    seen = fault(lambda s: setattr(s, "simulation", None))
    seen.errors["simulation"] = "the local emulator does not evaluate IAM"
    (permissions,) = [r for r in run_checks(ENV, seen) if r.name == "flyteadmin permissions"]
    assert permissions.status == "n/a"
    assert "not verifiable here" in permissions.evidence


def test_the_config_check_uses_lint_config() -> None:
    broken = "scheduler:\n  eventScheduler: {scheme: aws}\n  workflowExecutor: {scheme: local}\n"
    findings = lint_text(broken, values_from_settings(ENV))
    results = run_checks(ENV, healthy(), findings)
    assert results[-1].name == "flyteadmin config" and results[-1].status == "fail"


GOVERNED = scenario_environments("governed")[0]


def central_key_policy(statements: list[dict[str, Any]]) -> Observations:
    seen = healthy()
    seen.key_policy = {"Version": "2012-10-17", "Statement": statements}
    return seen


def key_check(seen: Observations) -> Any:
    (result,) = [r for r in run_checks(GOVERNED, seen) if r.name == "queue key policy"]
    return result


def test_a_central_key_that_lets_eventbridge_encrypt_passes() -> None:
    statements = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": "kms:*",
        },
        {
            "Effect": "Allow",
            "Principal": {"Service": ["events.amazonaws.com"]},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": "*",
        },
    ]
    assert key_check(central_key_policy(statements)).status == "pass"


def test_a_central_key_without_eventbridge_fails_with_the_statement_to_add() -> None:
    only_root = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": "kms:*",
        }
    ]
    result = key_check(central_key_policy(only_root))
    assert result.status == "fail" and "every delivery" in result.evidence
    assert '"Service": "events.amazonaws.com"' in result.fix
    assert '"aws:SourceAccount": "123456789012"' in result.fix
    assert "role/platform/flyte/flyte-gov-flyteadmin" in result.fix  # the path is in the ARN


def test_an_unreadable_key_policy_fails_and_says_what_to_grant() -> None:
    seen = healthy()
    seen.errors["key policy"] = "AccessDeniedException"
    result = key_check(seen)
    assert result.status == "fail" and "kms:GetKeyPolicy" in result.fix


def test_sqs_managed_encryption_has_no_key_check() -> None:
    assert "queue key policy" not in {r.name for r in run_checks(ENV, healthy())}


def test_the_config_check_names_the_traps_and_points_to_lint_config() -> None:
    broken = "scheduler:\n  eventScheduler: {scheme: aws}\n  workflowExecutor: {scheme: local}\n"
    findings = lint_text(broken, values_from_settings(ENV))
    result = run_checks(ENV, healthy(), findings)[-1]
    assert (result.name, result.status) == ("flyteadmin config", "fail")
    assert result.evidence == (
        "12 finding(s): account-missing, prefix-invalid, region-missing, role-invalid, "
        "scheme-mismatch, settings-mismatch, target-not-arn"
    )
    assert result.fix == "run lint-config on it for lines and fixes"
    clean = run_checks(ENV, healthy(), [])[-1]
    assert (clean.status, clean.evidence) == ("pass", "matches the deployment, no known trap")


def test_each_foreign_trait_is_named_in_the_evidence() -> None:
    rule = replace(
        flyteadmin_rule(
            f"{ENV.prefix}_exfil",
            {"Id": "a", "Arn": OTHER_ACCOUNT_BUS, "RoleArn": ARNS.schedule_role},
            {
                "Id": "b",
                "Arn": ARNS.queue,
                "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:1:x"},
            },
        ),
        event_pattern=CLOUDTRAIL_PATTERN,
        managed_by="ssm.amazonaws.com",
        role_arn="",
    )
    (result,) = [
        r for r in run_checks(ENV, fault(planted(rule))) if r.name == f"rules {ENV.prefix}_*"
    ]
    assert result.evidence == (
        f"{ENV.prefix}_exfil has not a name flyteadmin gives (<prefix>_<FNV-1 hash>), "
        f"an event pattern {CLOUDTRAIL_PATTERN} (it matches account events), "
        "managed by ssm.amazonaws.com, role (none) instead of the schedule role, "
        "2 targets (flyteadmin puts exactly one), "
        f"target {OTHER_ACCOUNT_BUS}, a role {ARNS.schedule_role} on target a, "
        "a dead-letter queue arn:aws:sqs:us-east-1:1:x on target b, "
        "no input transformer in flyteadmin's format"
    )
    assert "CloudTrail" in result.fix and "delete-rule" in result.fix
