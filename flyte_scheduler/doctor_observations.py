"""What ``doctor`` reads from a deployed environment, with read-only boto3 calls.

Reading is kept apart from judging (:mod:`flyte_scheduler.doctor_checks`), so every check can be
tested on observations with one fault injected.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flyte_scheduler import naming
from flyte_scheduler.flyteadmin_permissions import CONSUMER_ACTIONS, PASS_ROLE, RULE_ACTIONS
from flyte_scheduler.options import EnvironmentSettings
from flyte_scheduler.outputs import stack_name

TARGET_WORKERS = 8
"""Concurrent ListTargetsByRule calls per environment."""
RULES_QUOTA_CODE = "L-244521F2"  # Service Quotas: "Maximum number of rules" per event bus
QUEUE_ATTRIBUTES = ["All"]


@dataclass
class Rule:
    """An EventBridge rule on the default bus and its targets (as ListTargetsByRule gives them)."""

    name: str
    state: str
    schedule: str
    targets: list[dict[str, Any]]
    event_pattern: str = ""
    role_arn: str = ""
    managed_by: str = ""


@dataclass
class Observations:
    """Everything doctor looked at; ``None`` where it could not be read (with the reason)."""

    outputs: dict[str, str] | None = None
    stack_status: str | None = None
    queue: dict[str, str] | None = None
    dead_letter_queue: dict[str, str] | None = None
    oldest_message_age: float | None = None
    dead_letter_oldest_age: float | None = None
    schedule_role_trust: dict[str, Any] | None = None
    flyteadmin_role: str | None = None
    simulation: dict[str, str] | None = None
    """Action -> decision from iam:SimulatePrincipalPolicy for flyteadmin's role."""
    rules: list[Rule] = field(default_factory=list)
    rules_on_bus: int | None = None
    rules_quota: float | None = None
    rules_quota_source: str = ""
    existing_queues: dict[str, bool] = field(default_factory=dict)
    """Target queue ARN -> whether it exists (for rules named like flyteadmin's)."""
    alarms: dict[str, str] | None = None
    key_policy: dict[str, Any] | None = None
    """The queue key's policy (``encryption: kms``)."""
    errors: dict[str, str] = field(default_factory=dict)
    """What could not be read, by observation name."""
    phase_seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of each read, by observation name (for ``--verbose``)."""


def observe(env: EnvironmentSettings, session: Any, simulate: bool = True) -> Observations:
    """Read the environment's stack, queues, roles, rules and alarms (read-only).

    ``simulate=False`` skips iam:SimulatePrincipalPolicy (an emulator that does not evaluate IAM).
    """
    seen = Observations()
    region = env.region
    _read(
        seen,
        "stack",
        lambda: _stack(seen, session.client("cloudformation", region_name=region), env),
    )
    sqs = session.client("sqs", region_name=region)
    _read(seen, "queue", lambda: _queues(seen, sqs, env))
    if env.options.encryption == "kms":
        kms = session.client("kms", region_name=region)
        _read(seen, "key policy", lambda: _key_policy(seen, kms))
    _read(
        seen, "metrics", lambda: _ages(seen, session.client("cloudwatch", region_name=region), env)
    )
    iam = session.client("iam", region_name=region)
    _read(seen, "schedule role", lambda: _schedule_role(seen, iam, env))
    if simulate:
        _read(seen, "simulation", lambda: _simulate(seen, iam, env))
    else:
        _flyteadmin_role(seen, env)
        seen.errors["simulation"] = "the local emulator does not evaluate IAM"
    events = session.client("events", region_name=region)
    _read(seen, "rules", lambda: _rules(seen, events, env))
    _read(seen, "target queues", lambda: _target_queues(seen, sqs, env))
    _read(seen, "quota", lambda: _quota(seen, session.client("service-quotas", region_name=region)))
    _read(
        seen, "alarms", lambda: _alarms(seen, session.client("cloudwatch", region_name=region), env)
    )
    return seen


def _read(seen: Observations, name: str, reader: Any) -> None:
    started = time.perf_counter()
    try:
        reader()
    except Exception as error:
        seen.errors[name] = f"{type(error).__name__}: {error}"
    finally:
        seen.phase_seconds[name] = time.perf_counter() - started


def _stack(seen: Observations, cloudformation: Any, env: EnvironmentSettings) -> None:
    stack = cloudformation.describe_stacks(StackName=stack_name(env.name))["Stacks"][0]
    seen.stack_status = stack["StackStatus"]
    seen.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _queues(seen: Observations, sqs: Any, env: EnvironmentSettings) -> None:
    for name, attribute in (
        (naming.queue_name(env.options), "queue"),
        (naming.dead_letter_queue_name(env.options), "dead_letter_queue"),
    ):
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=env.account)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=QUEUE_ATTRIBUTES)
        setattr(seen, attribute, attributes["Attributes"])


def _key_policy(seen: Observations, kms: Any) -> None:
    key = (seen.queue or {}).get("KmsMasterKeyId")
    if not key:
        raise ValueError("the queue names no KMS key")
    policy = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    seen.key_policy = json.loads(policy) if isinstance(policy, str) else policy


def _ages(seen: Observations, cloudwatch: Any, env: EnvironmentSettings) -> None:
    now = datetime.now(UTC)
    for name, attribute in (
        (naming.queue_name(env.options), "oldest_message_age"),
        (naming.dead_letter_queue_name(env.options), "dead_letter_oldest_age"),
    ):
        points = cloudwatch.get_metric_statistics(
            Namespace="AWS/SQS",
            MetricName="ApproximateAgeOfOldestMessage",
            Dimensions=[{"Name": "QueueName", "Value": name}],
            StartTime=now - timedelta(minutes=15),
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        if points:
            latest = max(points, key=lambda point: point["Timestamp"])
            setattr(seen, attribute, float(latest["Maximum"]))


def _schedule_role(seen: Observations, iam: Any, env: EnvironmentSettings) -> None:
    role = iam.get_role(RoleName=naming.schedule_role_name(env.options))["Role"]
    document = role["AssumeRolePolicyDocument"]
    seen.schedule_role_trust = json.loads(document) if isinstance(document, str) else document


def _flyteadmin_role(seen: Observations, env: EnvironmentSettings) -> str | None:
    arns = naming.Arns(env)
    names = env.options.flyteadmin.role_names
    seen.flyteadmin_role = arns.flyteadmin_role or (
        f"arn:{arns.partition}:iam::{env.account}:role/{names[0]}" if names else None
    )
    return seen.flyteadmin_role


def _simulate(seen: Observations, iam: Any, env: EnvironmentSettings) -> None:
    arns = naming.Arns(env)
    role = _flyteadmin_role(seen, env)
    if role is None:
        return
    rule = arns.rule_pattern.replace("*", "0")
    requests = {
        **dict.fromkeys(RULE_ACTIONS, rule),
        PASS_ROLE: arns.schedule_role,
        **dict.fromkeys(CONSUMER_ACTIONS, arns.queue),
    }
    decisions: dict[str, str] = {}
    for action, resource in requests.items():
        context = (
            [
                {
                    "ContextKeyName": "iam:PassedToService",
                    "ContextKeyValues": ["events.amazonaws.com"],
                    "ContextKeyType": "string",
                }
            ]
            if action == PASS_ROLE
            else []
        )
        result = iam.simulate_principal_policy(
            PolicySourceArn=role,
            ActionNames=[action],
            ResourceArns=[resource],
            ContextEntries=context,
        )["EvaluationResults"][0]
        decisions[action] = result["EvalDecision"]
    seen.simulation = decisions


def _pages(call: Any, key: str, **arguments: Any) -> list[Any]:
    """Every item of a NextToken-paginated events call."""
    items: list[Any] = []
    token = None
    while True:
        page = call(**arguments, **({"NextToken": token} if token else {}))
        items += page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return items


def _rules(seen: Observations, events: Any, env: EnvironmentSettings) -> None:
    """Every rule under the prefix (ListRules with NamePrefix), and every rule that targets the
    queue whatever its name or pattern (ListRuleNamesByTarget), with their targets read
    concurrently; the bus's rule count for the quota check."""
    seen.rules_on_bus = len(_pages(events.list_rules, "Rules"))
    found = {
        rule["Name"]: rule
        for rule in _pages(events.list_rules, "Rules", NamePrefix=env.prefix + "_")
    }
    queue = naming.Arns(env).queue
    for name in _pages(events.list_rule_names_by_target, "RuleNames", TargetArn=queue):
        if name not in found:
            found[name] = events.describe_rule(Name=name)
    with ThreadPoolExecutor(TARGET_WORKERS) as pool:
        targets = pool.map(
            lambda name: _pages(events.list_targets_by_rule, "Targets", Rule=name), list(found)
        )
        seen.rules = [
            Rule(
                name,
                rule.get("State", ""),
                rule.get("ScheduleExpression", ""),
                rule_targets,
                event_pattern=rule.get("EventPattern", ""),
                role_arn=rule.get("RoleArn", ""),
                managed_by=rule.get("ManagedBy", ""),
            )
            for (name, rule), rule_targets in zip(found.items(), targets, strict=True)
        ]


def _target_queues(seen: Observations, sqs: Any, env: EnvironmentSettings) -> None:
    for rule in seen.rules:
        for target in rule.targets:
            arn = target.get("Arn", "")
            if ":sqs:" not in arn or arn in seen.existing_queues:
                continue
            _, _, _, region, account, name = arn.split(":", 5)
            if region != env.region:
                continue  # another region's queue: this client cannot tell
            try:
                sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)
                seen.existing_queues[arn] = True
            except Exception as error:
                code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
                if "NonExistentQueue" not in code and "QueueDoesNotExist" not in code:
                    raise
                seen.existing_queues[arn] = False


def _quota(seen: Observations, quotas: Any) -> None:
    quota = quotas.get_service_quota(ServiceCode="events", QuotaCode=RULES_QUOTA_CODE)["Quota"]
    seen.rules_quota = float(quota["Value"])
    seen.rules_quota_source = "Service Quotas"


def _alarms(seen: Observations, cloudwatch: Any, env: EnvironmentSettings) -> None:
    prefix = naming.alarm_name_prefix(env.options)
    found = cloudwatch.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]
    seen.alarms = {alarm["AlarmName"]: alarm["StateValue"] for alarm in found}
