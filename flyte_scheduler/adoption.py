"""Adopting a hand-made set-up (queue, DLQ, schedule role) into the stack with ``cdk import``.

The names stay, so flyteadmin's config and its existing rules keep working: the stack takes over
the resources that carry the names in the settings. ``adopt`` reads them (boto3, read-only),
says whether they can be adopted and what the first deploy will change, and writes the
resource-mapping file ``cdk import`` takes. Reading is kept apart from judging, as in doctor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flyte_scheduler import naming
from flyte_scheduler.options import EnvironmentSettings

LOGICAL_IDS = {
    "queue": "SchedulerScheduleQueueC7EF33A2",
    "dead_letter_queue": "SchedulerDeadLetterQueue6601E543",
    "schedule_role": "SchedulerScheduleRoleBB9F32CF",
}
"""The stack's logical IDs of the adoptable resources (pinned by the infra inventory test)."""
AWS_MANAGED_SQS_KEY = "alias/aws/sqs"


@dataclass
class Existing:
    """What exists under the settings' names; ``None`` where nothing does (with the reason)."""

    queue_url: str | None = None
    queue: dict[str, str] | None = None
    dead_letter_queue_url: str | None = None
    dead_letter_queue: dict[str, str] | None = None
    role: dict[str, Any] | None = None
    role_policies: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def observe(env: EnvironmentSettings, session: Any) -> Existing:
    """Read the resources the settings name (read-only calls)."""
    seen = Existing()
    sqs = session.client("sqs", region_name=env.region)
    for kind, name in (
        ("queue", naming.queue_name(env.options)),
        ("dead_letter_queue", naming.dead_letter_queue_name(env.options)),
    ):
        if not getattr(env.options.adopt, kind):
            continue
        try:
            url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=env.account)["QueueUrl"]
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
        except Exception as error:  # reported, not raised: the verdict names what is missing
            seen.errors[kind] = f"{type(error).__name__}: {error}"
            continue
        setattr(seen, f"{kind}_url", url)
        setattr(seen, kind, attributes["Attributes"])
    if env.options.adopt.schedule_role:
        iam = session.client("iam", region_name=env.region)
        name = naming.schedule_role_name(env.options)
        try:
            seen.role = iam.get_role(RoleName=name)["Role"]
            attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
            inline = iam.list_role_policies(RoleName=name)["PolicyNames"]
            seen.role_policies = [p["PolicyArn"] for p in attached] + [
                f"inline {n}" for n in inline
            ]
        except Exception as error:
            seen.errors["schedule_role"] = f"{type(error).__name__}: {error}"
    return seen


@dataclass(frozen=True)
class Assessment:
    """Why the resources cannot be adopted (empty when they can), and what deploy changes."""

    problems: list[str]
    changes: list[str]

    @property
    def adoptable(self) -> bool:
        return not self.problems


def assess(env: EnvironmentSettings, seen: Existing) -> Assessment:
    """Judge the observations against the settings."""
    problems = [f"{kind}: not found or not readable ({why})" for kind, why in seen.errors.items()]
    changes: list[str] = []
    for kind, attributes in (("queue", seen.queue), ("dead_letter_queue", seen.dead_letter_queue)):
        if attributes is None:
            continue
        problems += _queue_problems(kind, attributes)
        changes += _queue_changes(env, kind, attributes)
    if seen.role is not None:
        changes += _role_changes(env, seen)
    return Assessment(problems, changes)


def _queue_problems(kind: str, attributes: dict[str, str]) -> list[str]:
    problems = []
    if attributes.get("FifoQueue") == "true":
        problems.append(
            f"{kind} is a FIFO queue: EventBridge needs a MessageGroupId for it, which "
            "flyteadmin never sets; create a standard queue instead"
        )
    key = attributes.get("KmsMasterKeyId", "")
    if key == AWS_MANAGED_SQS_KEY or key.endswith(":" + AWS_MANAGED_SQS_KEY):
        problems.append(
            f"{kind} is encrypted with the AWS-managed key alias/aws/sqs, whose policy cannot "
            "let EventBridge encrypt: deliveries fail; re-encrypt it with SSE-SQS or a customer key"
        )
    return problems


def _queue_changes(env: EnvironmentSettings, kind: str, attributes: dict[str, str]) -> list[str]:
    changes = []
    policy = json.loads(attributes.get("Policy") or "{}")
    statements = policy.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    if statements:
        dropped = ", ".join(str(s.get("Sid") or f"#{i}") for i, s in enumerate(statements))
        changes.append(
            f"{kind}: the queue policy is replaced; these statements are dropped: {dropped}"
        )
    queue = env.options.queue
    wanted = (
        {
            "VisibilityTimeout": str(queue.visibility_timeout_seconds),
            "MessageRetentionPeriod": str(queue.message_retention_seconds),
        }
        if kind == "queue"
        else {"MessageRetentionPeriod": "1209600"}
    )
    for attribute, value in wanted.items():
        if attributes.get(attribute) != value:
            changes.append(f"{kind}: {attribute} {attributes.get(attribute)} -> {value}")
    if kind == "queue" and "RedrivePolicy" not in attributes:
        changes.append(
            f"queue: a redrive policy to {naming.dead_letter_queue_name(env.options)} is added "
            f"(after {queue.max_receive_count} receives)"
        )
    encrypted = attributes.get("SqsManagedSseEnabled") == "true" or attributes.get("KmsMasterKeyId")
    if env.options.encryption == "sqs-managed" and attributes.get("SqsManagedSseEnabled") != "true":
        changes.append(f"{kind}: encryption {'changes' if encrypted else 'is turned on'}: SSE-SQS")
    return changes


def _role_changes(env: EnvironmentSettings, seen: Existing) -> list[str]:
    role = seen.role or {}
    changes = [
        "schedule role: its trust policy is replaced by one trusting events.amazonaws.com of "
        f"account {env.account} only"
    ]
    path = env.options.iam.path
    if role.get("Path", "/") != path:
        changes.append(
            f"schedule role: path {role.get('Path')} differs from iam.path {path}: cdk import "
            "refuses it; set iam.path to the role's path"
        )
    if seen.role_policies:
        changes.append(
            "schedule role: keeps its permissions policies (the stack declares none; the role "
            "needs none, delivery is authorized by the queue policy): "
            + ", ".join(seen.role_policies)
        )
    return changes


def resource_mapping(env: EnvironmentSettings, seen: Existing) -> dict[str, dict[str, str]]:
    """The ``cdk import --resource-mapping`` file: logical ID -> the resource's identifier."""
    mapping: dict[str, dict[str, str]] = {}
    if seen.queue_url:
        mapping[LOGICAL_IDS["queue"]] = {"QueueUrl": seen.queue_url}
    if seen.dead_letter_queue_url:
        mapping[LOGICAL_IDS["dead_letter_queue"]] = {"QueueUrl": seen.dead_letter_queue_url}
    if seen.role is not None:
        mapping[LOGICAL_IDS["schedule_role"]] = {"RoleName": naming.schedule_role_name(env.options)}
    return mapping
