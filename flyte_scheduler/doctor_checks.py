"""``doctor``'s verdicts: one line per check with status, evidence and fix (pure, no AWS calls)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from flyte_scheduler import key_policy, naming
from flyte_scheduler.config_lint import Finding
from flyte_scheduler.deployed_values import SourceError, values_from_outputs, values_from_settings
from flyte_scheduler.doctor_observations import Observations, Rule
from flyte_scheduler.flyteadmin_messages import INPUT_PATHS, TIME_PLACEHOLDER, LaunchPlanId
from flyte_scheduler.options import EnvironmentSettings

Status = Literal["pass", "fail", "warn", "n/a"]
PAYLOAD = re.compile(r'"payload":"([^"]*)"')
QUOTA_WARN_RATIO = 0.8
DEFAULT_RULES_QUOTA = 300
SMALL_QUOTA_REGIONS = {"af-south-1": 100, "eu-south-1": 100}
"""Documented default of rules per event bus where it is lower than 300 (facts §6)."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    evidence: str
    fix: str = ""

    def render(self) -> str:
        line = f"{self.status.upper():4}  {self.name}: {self.evidence}"
        return line + (f"\n      fix: {self.fix}" if self.fix and self.status != "pass" else "")


def run_checks(
    env: EnvironmentSettings, seen: Observations, config_findings: list[Finding] | None = None
) -> list[CheckResult]:
    """Every check, in a fixed order; ``config_findings`` from lint-config when --config is given."""
    checks: list[Callable[[EnvironmentSettings, Observations], CheckResult]] = [
        check_stack,
        check_queue,
        check_queue_policy,
        check_dead_letter_queue,
        check_backlog,
        check_schedule_role,
        check_flyteadmin_permissions,
        check_rules,
        check_rules_quota,
        check_orphaned_rules,
        check_alarms,
    ]
    if env.options.encryption == "kms":
        checks.insert(2, check_queue_key)
    results = [check(env, seen) for check in checks]
    if config_findings is not None:
        results.append(check_config(config_findings))
    return results


def _unreadable(name: str, seen: Observations, key: str, fix: str) -> CheckResult:
    return CheckResult(name, "fail", f"could not read it: {seen.errors.get(key, 'unknown')}", fix)


def check_stack(env: EnvironmentSettings, seen: Observations) -> CheckResult:
    name = f"stack {'FlyteScheduler-' + env.name}"
    if seen.outputs is None:
        return _unreadable(
            name, seen, "stack", "deploy it: npx cdk deploy FlyteScheduler-" + env.name
        )
    if not str(seen.stack_status).endswith("_COMPLETE") or "ROLLBACK" in str(seen.stack_status):
        return CheckResult(name, "fail", f"status {seen.stack_status}", "fix the failed deployment")
    try:
        differences = values_from_outputs(seen.outputs, name).differences(values_from_settings(env))
    except SourceError as error:
        return CheckResult(name, "fail", str(error), "redeploy with this version of the app")
    if differences:
        return CheckResult(
            name,
            "fail",
            "outputs differ from the settings: " + "; ".join(differences),
            "redeploy, or correct the settings",
        )
    return CheckResult(name, "pass", f"{seen.stack_status}, outputs match the settings")


def check_queue(env: EnvironmentSettings, seen: Observations) -> CheckResult:
    name = f"queue {naming.queue_name(env.options)}"
    attributes = seen.queue
    if attributes is None:
        return _unreadable(
            name, seen, "queue", "deploy the stack; flyteadmin panics at startup without it"
        )
    wrong = []
    queue = env.options.queue
    if attributes.get("FifoQueue") == "true":
        wrong.append("FIFO (EventBridge targets need a MessageGroupId flyteadmin never sets)")
    kms = env.options.encryption == "kms"
    if kms and not attributes.get("KmsMasterKeyId"):
        wrong.append("no KMS key")
    if not kms and attributes.get("SqsManagedSseEnabled") != "true":
        wrong.append("SSE-SQS off")
    redrive = json.loads(attributes.get("RedrivePolicy", "{}") or "{}")
    dlq_arn = naming.Arns(env).dead_letter_queue
    if (
        redrive.get("deadLetterTargetArn") != dlq_arn
        or int(redrive.get("maxReceiveCount", 0)) != queue.max_receive_count
    ):
        wrong.append(
            f"redrive {redrive or 'missing'} (expected {dlq_arn} after {queue.max_receive_count})"
        )
    arns = naming.Arns(env)
    if _json(attributes.get("RedriveAllowPolicy")) != {"redrivePermission": "denyAll"}:
        wrong.append("other queues may make it their dead-letter queue (RedriveAllowPolicy)")
    dead_letter = seen.dead_letter_queue or {}
    expected_sources = {"redrivePermission": "byQueue", "sourceQueueArns": [arns.queue]}
    if dead_letter and _json(dead_letter.get("RedriveAllowPolicy")) != expected_sources:
        wrong.append("the DLQ accepts other source queues (its RedriveAllowPolicy)")
    for key, expected in (
        ("MessageRetentionPeriod", queue.message_retention_seconds),
        ("VisibilityTimeout", queue.visibility_timeout_seconds),
    ):
        if attributes.get(key) != str(expected):
            wrong.append(f"{key} {attributes.get(key)} (expected {expected})")
    if wrong:
        return CheckResult(
            name, "fail", "; ".join(wrong), "redeploy the stack (it sets all of these)"
        )
    return CheckResult(
        name,
        "pass",
        f"standard, {'SSE-KMS' if kms else 'SSE-SQS'}, redrive to the DLQ after {queue.max_receive_count} receives",
    )


def _json(text: str | None) -> Any:
    try:
        return json.loads(text or "{}")
    except ValueError:
        return None


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _conditions(statement: dict[str, Any]) -> dict[str, dict[str, list[Any]]]:
    """A statement's conditions with every value as a sorted list, for exact comparison."""
    return {
        operator: {key: sorted(_as_list(value)) for key, value in pairs.items()}
        for operator, pairs in statement.get("Condition", {}).items()
    }


def _sends(statement: dict[str, Any], effect: str) -> bool:
    return statement.get("Effect") == effect and "sqs:SendMessage" in _as_list(
        statement.get("Action")
    )


def _from_events(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    services = principal.get("Service", []) if isinstance(principal, dict) else []
    return "events.amazonaws.com" in _as_list(services)


def check_queue_key(env: EnvironmentSettings, seen: Observations) -> CheckResult:
    """With ``encryption: kms``: the key's policy lets EventBridge encrypt (a key the stack did not
    create, ``kms_key_arn``, is changed only by its owners)."""
    name = "queue key policy"
    statements = json.dumps(key_policy.required_statements(env), indent=2)
    fix = f"the key's owners add these statements to its key policy:\n{statements}"
    if seen.key_policy is None:
        return _unreadable(
            name, seen, "key policy", "grant doctor's caller kms:GetKeyPolicy; " + fix
        )
    if not key_policy.lets_eventbridge_encrypt(seen.key_policy):
        return CheckResult(
            name,
            "fail",
            "events.amazonaws.com may not use the key: every delivery to the queue fails "
            "silently (FailedInvocations)",
            fix,
        )
    return CheckResult(name, "pass", "EventBridge may GenerateDataKey and Decrypt")


def check_queue_policy(env: EnvironmentSettings, seen: Observations) -> CheckResult:
    """The deployed queue policy holds each statement exactly as the stack writes it."""
    name = "queue policy"
    if seen.queue is None:
        return _unreadable(name, seen, "queue", "deploy the stack")
    try:
        policy = json.loads(seen.queue.get("Policy") or "{}")
    except ValueError:
        policy = {}
    arns = naming.Arns(env)
    pattern = arns.rule_pattern
    statements = _statements(policy)
    events_allow = {
        "ArnLike": {"aws:SourceArn": [pattern]},
        "StringEquals": {"aws:SourceAccount": [env.account]},
    }
    allows = [s for s in statements if _sends(s, "Allow") and _from_events(s)]
    allow = next((s for s in allows if _conditions(s) == events_allow), None)
    bus_deny = {"ArnLike": {"aws:SourceArn": [arns.custom_bus_rules]}}
    roles = sorted(env.options.queue.redrive_role_arns)
    forgery_deny = {
        "ArnNotLike": {
            "aws:SourceArn": [pattern],
            **({"aws:PrincipalArn": roles} if roles else {}),
        }
    }
    missing = []
    if allow is None:
        missing.append(
            f"no statement lets events.amazonaws.com send from exactly {pattern} of account "
            f"{env.account}: deliveries are denied (FailedInvocations)"
        )
    if not any(
        s.get("Effect") == "Deny"
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for s in statements
    ):
        missing.append("requests without TLS are not denied")
    if not any(
        _sends(s, "Deny") and _from_events(s) and _conditions(s) == bus_deny for s in statements
    ):
        missing.append("rules on a custom event bus named like the prefix are not denied")
    if not any(
        _sends(s, "Deny")
        and s.get("Principal") in ("*", {"AWS": "*"})
        and _conditions(s) == forgery_deny
        for s in statements
    ):
        exempt = f" except {', '.join(roles)}" if roles else ""
        missing.append(
            f"senders other than the rules{exempt} are not denied exactly: a principal of the "
            "account whose own policy allows sqs:SendMessage can forge schedule events, and "
            "flyteadmin launches whatever they name"
        )
    if missing:
        return CheckResult(
            name,
            "fail",
            "; ".join(missing),
            "redeploy the stack with this version; do not edit the queue policy by hand (name "
            "operator roles that redrive the DLQ in queue.redrive_role_arns)",
        )
    others = [
        s.get("Sid", "(no Sid)")
        for s in statements
        if s.get("Effect") == "Allow" and s is not allow
    ]
    if others:
        return CheckResult(
            name, "warn", f"extra Allow statements {others}", "remove what the stack did not create"
        )
    return CheckResult(
        name, "pass", f"only EventBridge rules {pattern} may send, all others denied; TLS required"
    )


def check_dead_letter_queue(env: EnvironmentSettings, seen: Observations) -> CheckResult:
    name = f"dead-letter queue {naming.dead_letter_queue_name(env.options)}"
    if seen.dead_letter_queue is None:
        return _unreadable(name, seen, "queue", "deploy the stack")
    count = sum(
        int(seen.dead_letter_queue.get(k, 0))
        for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
    )
    if count:
        age = (
            f", oldest {seen.dead_letter_oldest_age:.0f} s old"
            if seen.dead_letter_oldest_age
            else ""
        )
        return CheckResult(
            name,
            "fail",
            f"{count} poison message(s){age}: flyteadmin could not process them (bad payload, inactive launch plan input, CreateExecution errors)",
            "read them (aws sqs receive-message; the payload names the launch plan) and fix the "
            "cause; redrive only bodies you recognise (anyone allowed sqs:SendMessage on the "
            "DLQ can put messages there), else purge the DLQ",
        )
    return CheckResult(name, "pass", "empty")


def check_backlog(env: EnvironmentSettings, seen: Observations) -> CheckResult:
    name = "backlog"
    if seen.queue is None:
        return _unreadable(name, seen, "queue", "deploy the stack")
    visible = int(seen.queue.get("ApproximateNumberOfMessages", 0))
    threshold = env.options.alarms.oldest_message_age_seconds
    age = seen.oldest_message_age
    stalled_fix = (
        "the executor is not consuming: check flyteadmin's workflowExecutor.scheme/region/"
        "scheduleQueueName/accountId (lint-config) and its sqs:ReceiveMessage permission"
    )
    if age is not None and age >= threshold:
        return CheckResult(
            name,
            "fail",
            f"{visible} waiting, oldest {age:.0f} s >= {threshold} s: events pile up silently, the executor looks stopped",
            stalled_fix,
        )
    if age is None and visible:
        return CheckResult(
            name,
            "warn",
            f"{visible} waiting; no CloudWatch age data to tell a stopped executor from a busy one",
            stalled_fix,
        )
    shown = f", oldest {age:.0f} s" if age is not None else ""
    return CheckResult(name, "pass", f"{visible} waiting{shown} (alarm at {threshold} s)")


def check_schedule_role(env: EnvironmentSettings, seen: Observations) -> CheckResult:
    name = f"schedule role {naming.schedule_role_name(env.options)}"
    if seen.schedule_role_trust is None:
        return _unreadable(
            name,
            seen,
            "schedule role",
            "deploy the stack: PutRule rejects a role EventBridge cannot assume",
        )
    trusted = any(
        s.get("Effect") == "Allow"
        and "events.amazonaws.com" in _as_list(s.get("Principal", {}).get("Service", []))
        and "sts:AssumeRole" in _as_list(s.get("Action"))
        for s in _statements(seen.schedule_role_trust)
    )
    if not trusted:
        return CheckResult(
            name,
            "fail",
            "does not trust events.amazonaws.com: every PutRule fails with ValidationException",
            "redeploy the stack",
        )
    return CheckResult(name, "pass", "trusted by events.amazonaws.com")


def check_flyteadmin_permissions(env: EnvironmentSettings, seen: Observations) -> CheckResult:
    name = "flyteadmin permissions"
    policy = naming.Arns(env).flyteadmin_policy
    if seen.flyteadmin_role is None:
        return CheckResult(
            name,
            "warn",
            "mode none: the stack cannot know flyteadmin's role",
            f"attach {policy} to the role flyteadmin's pods use",
        )
    if seen.simulation is None:
        reason = seen.errors.get("simulation", "iam:SimulatePrincipalPolicy is not evaluated here")
        return CheckResult(
            name,
            "n/a",
            f"not verifiable here ({reason}); the policy logic is proven offline by the IAM matrix tests",
        )
    denied = [action for action, decision in seen.simulation.items() if decision != "allowed"]
    if denied:
        return CheckResult(
            name,
            "fail",
            f"{seen.flyteadmin_role} is denied {', '.join(denied)}",
            f"attach {policy}; check permission boundaries and SCPs",
        )
    return CheckResult(
        name,
        "pass",
        f"{seen.flyteadmin_role} is allowed all {len(seen.simulation)} calls flyteadmin makes",
    )


def _ours(env: EnvironmentSettings, rule_name: str) -> bool:
    """Named as flyteadmin names this environment's rules: ``<prefix>_<decimal hash>``."""
    prefix = env.prefix + "_"
    return rule_name.startswith(prefix) and rule_name[len(prefix) :].isdigit()


def _under_prefix(env: EnvironmentSettings, rule_name: str) -> bool:
    """Covered by flyteadmin's permissions (``rule/<prefix>_*``), whatever the rest is."""
    return rule_name.startswith(env.prefix + "_")


def _foreign_traits(env: EnvironmentSettings, rule: Rule) -> list[str]:
    """What flyteadmin never creates: each of these can route or read events IAM lets through."""
    arns = naming.Arns(env)
    traits = []
    if not _ours(env, rule.name):
        traits.append("not a name flyteadmin gives (<prefix>_<FNV-1 hash>)")
    if rule.event_pattern:
        traits.append(f"an event pattern {_short(rule.event_pattern)} (it matches account events)")
    if rule.managed_by:
        traits.append(f"managed by {rule.managed_by}")
    if rule.role_arn != arns.schedule_role:
        traits.append(f"role {rule.role_arn or '(none)'} instead of the schedule role")
    if len(rule.targets) != 1:
        traits.append(f"{len(rule.targets)} targets (flyteadmin puts exactly one)")
    for target in rule.targets:
        where = target.get("Arn", "?")
        if where != arns.queue:
            traits.append(f"target {where}")
        if target.get("DeadLetterConfig"):
            dead_letter = target["DeadLetterConfig"].get("Arn", "?")
            traits.append(f"a dead-letter queue {dead_letter} on target {target.get('Id')}")
        if target.get("RoleArn"):
            traits.append(f"a role {target['RoleArn']} on target {target.get('Id')}")
        if where == arns.queue and not _flyteadmin_transformer(target):
            traits.append("no input transformer in flyteadmin's format")
        elif where == arns.queue:
            traits += _payload_mismatch(env, rule.name, target)
    return traits


def _payload_mismatch(
    env: EnvironmentSettings, rule_name: str, target: dict[str, Any]
) -> list[str]:
    """flyteadmin names each rule after the launch plan its payload names; a rule that carries
    another plan's payload launches that plan on this rule's schedule."""
    template = target["InputTransformer"]["InputTemplate"]
    match = PAYLOAD.search(template)
    try:
        plan = LaunchPlanId.from_protobuf(
            base64.b64decode(match.group(1) if match else "", validate=True)
        )
    except ValueError:
        return ["a payload that is not a launch plan identifier"]
    expected = naming.rule_name(env.prefix, plan.project, plan.domain, plan.name)
    if expected == rule_name:
        return []
    return [f"a payload for {plan.project}/{plan.domain}/{plan.name}, whose rule is {expected}"]


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_rules(env: EnvironmentSettings, seen: Observations) -> CheckResult:
    name = f"rules {env.prefix}_*"
    if seen.rules_on_bus is None:
        return _unreadable(
            name,
            seen,
            "rules",
            "grant doctor's caller events:ListRules, events:ListRuleNamesByTarget and "
            "events:ListTargetsByRule",
        )
    queue = naming.Arns(env).queue
    under_prefix = [rule for rule in seen.rules if _under_prefix(env, rule.name)]
    foreign, broken = [], []
    for rule in under_prefix:
        traits = _foreign_traits(env, rule)
        if traits:
            foreign.append(f"{rule.name} has {', '.join(traits)}")
        elif rule.state != "ENABLED" or not rule.schedule:
            broken.append(
                f"{rule.name} is {rule.state or 'in no state'}, schedule {rule.schedule or '(none)'}"
            )
    if not foreign and not broken:
        return CheckResult(
            name,
            "pass",
            f"{len(under_prefix)} rule(s), all flyteadmin's: enabled schedules with the schedule "
            f"role and one target, {queue}, in flyteadmin's input format",
        )
    fixes = []
    if foreign:
        fixes.append(
            "flyteadmin never creates such a rule, and its permissions cover every rule under "
            f"{env.prefix}_: unless another deployment uses a prefix starting with "
            f"'{env.prefix}_', delete it (aws events remove-targets --rule NAME --ids ID; aws "
            "events delete-rule --name NAME), find who created it in CloudTrail (PutRule, "
            "PutTargets), and rotate flyteadmin's credentials if they did"
        )
    if broken:
        fixes.append("deactivate and reactivate the launch plan so flyteadmin recreates its rule")
    return CheckResult(name, "fail", "; ".join(foreign + broken), "; ".join(fixes))


def _flyteadmin_transformer(target: dict[str, Any]) -> bool:
    transformer = target.get("InputTransformer", {})
    template = transformer.get("InputTemplate", "")
    return (
        transformer.get("InputPathsMap") == INPUT_PATHS
        and TIME_PLACEHOLDER in template
        and '"payload"' in template
    )


def check_rules_quota(env: EnvironmentSettings, seen: Observations) -> CheckResult:
    name = "rules quota (default bus)"
    if seen.rules_on_bus is None:
        return _unreadable(name, seen, "rules", "grant doctor's caller events:ListRules")
    quota, source = seen.rules_quota, seen.rules_quota_source
    if quota is None:
        quota, source = (
            SMALL_QUOTA_REGIONS.get(env.region, DEFAULT_RULES_QUOTA),
            "documented default",
        )
    used = seen.rules_on_bus / quota
    room = max(0, int(quota) - seen.rules_on_bus)
    evidence = (
        f"{seen.rules_on_bus} of {quota:.0f} rules ({used:.0%}, quota from {source}); "
        f"{room} more scheduled launch plans fit"
    )
    fix = "request a higher 'Maximum number of rules' quota; each active scheduled launch plan uses one rule"
    if used >= 1:
        return CheckResult(name, "fail", evidence + ": new activations fail", fix)
    if used >= QUOTA_WARN_RATIO:
        return CheckResult(name, "warn", evidence, fix)
    return CheckResult(name, "pass", evidence)


def check_orphaned_rules(env: EnvironmentSettings, seen: Observations) -> CheckResult:
    name = "orphaned rules"
    if seen.rules_on_bus is None:
        return _unreadable(name, seen, "rules", "grant doctor's caller events:ListRules")
    queue = naming.Arns(env).queue
    orphans = []
    for rule in seen.rules:
        arns = [t.get("Arn", "") for t in rule.targets]
        if queue in arns and not _under_prefix(env, rule.name):
            orphans.append(f"{rule.name} targets our queue under another prefix")
        if _ours(env, rule.name):
            orphans += [
                f"{rule.name} targets missing queue {arn}"
                for arn in arns
                if seen.existing_queues.get(arn) is False
            ]
    if orphans:
        return CheckResult(
            name,
            "fail",
            "; ".join(orphans),
            "a prefix change or nested aws.scheduleNamePrefix left them: delete them (RemoveTargets, DeleteRule) after checking no flyteadmin uses them",
        )
    return CheckResult(name, "pass", "none")


def check_alarms(env: EnvironmentSettings, seen: Observations) -> CheckResult:
    name = "alarms"
    if not env.options.alarms.enabled:
        return CheckResult(name, "warn", "disabled in the settings", "set alarms.enabled: true")
    if seen.alarms is None:
        return _unreadable(name, seen, "alarms", "grant doctor's caller cloudwatch:DescribeAlarms")
    expected = [naming.alarm_name(env.options, short) for short in naming.ALARMS]
    missing = [alarm for alarm in expected if alarm not in seen.alarms]
    firing = [alarm for alarm in expected if seen.alarms.get(alarm) == "ALARM"]
    if missing:
        return CheckResult(name, "fail", f"missing {missing}", "redeploy the stack")
    if firing:
        return CheckResult(
            name,
            "fail",
            f"in ALARM: {firing}",
            "see the backlog, dead-letter queue and deliveries checks",
        )
    states = ", ".join(
        f"{short} {seen.alarms[alarm]}"
        for short, alarm in zip(naming.ALARMS, expected, strict=True)
    )
    return CheckResult(name, "pass", states)


def check_config(findings: list[Finding]) -> CheckResult:
    if findings:
        traps = ", ".join(sorted({f.trap for f in findings}))
        return CheckResult(
            "flyteadmin config",
            "fail",
            f"{len(findings)} finding(s): {traps}",
            "run lint-config on it for lines and fixes",
        )
    return CheckResult("flyteadmin config", "pass", "matches the deployment, no known trap")
