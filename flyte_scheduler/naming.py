"""Physical names and ARNs, derived the same way by the CDK stack and the config renderer.

Names are explicit (never CloudFormation-generated) so offline config matches what is deployed,
and so they stay stable when tunables change (a renamed queue strands scheduled events).
"""

from __future__ import annotations

from flyte_scheduler.options import DLQ_SUFFIX, EnvironmentSettings, SchedulerOptions
from flyte_scheduler.regions import partition_of, url_suffix_of

FNV64_OFFSET = 14695981039346656037
FNV64_PRIME = 1099511628211
_MASK64 = (1 << 64) - 1


def queue_name(options: SchedulerOptions) -> str:
    """The schedule queue's name: explicit, or ``<prefix>-schedules`` with dots as dashes."""
    if options.queue.name is not None:
        return options.queue.name
    return options.schedule_name_prefix.replace(".", "-") + "-schedules"


def dead_letter_queue_name(options: SchedulerOptions) -> str:
    """The dead-letter queue's name: the queue's name plus ``-dlq``."""
    return queue_name(options) + DLQ_SUFFIX


def queue_key_alias(options: SchedulerOptions) -> str:
    """The alias of the key the stack creates for ``encryption: kms``: ``alias/<queue name>``."""
    return f"alias/{queue_name(options)}"


def schedule_role_name(options: SchedulerOptions) -> str:
    """The role attached to each rule: explicit, or ``<prefix>-schedule-role``."""
    return options.schedule_role_name or f"{options.schedule_name_prefix}-schedule-role"


def flyteadmin_role_name(options: SchedulerOptions) -> str:
    """The IRSA role created for flyteadmin: explicit, or ``<prefix>-flyteadmin``."""
    return options.flyteadmin.role_name or f"{options.schedule_name_prefix}-flyteadmin"


def flyteadmin_policy_name(options: SchedulerOptions) -> str:
    """The managed policy holding flyteadmin's permissions."""
    return f"{options.schedule_name_prefix}-flyteadmin-scheduler"


ALARMS = ("executor-stalled", "poison-messages", "deliveries-failing")
"""Short names of the alarms, in the order the construct creates them."""


def alarm_name(options: SchedulerOptions, short_name: str) -> str:
    """An alarm's name: ``<prefix>-scheduler-<short name>``."""
    return f"{alarm_name_prefix(options)}{short_name}"


def alarm_name_prefix(options: SchedulerOptions) -> str:
    """What every alarm name of the environment starts with."""
    return f"{options.schedule_name_prefix}-scheduler-"


def alarm_topic_name(options: SchedulerOptions) -> str:
    """The SNS topic created for alarms (``alarms.topic: create``)."""
    return f"{options.schedule_name_prefix}-scheduler-alarms"


def rule_name(prefix: str, project: str, domain: str, name: str) -> str:
    """The EventBridge rule name flyteadmin creates for a launch plan (facts §3).

    FNV-1 64-bit (multiply, then XOR; not FNV-1a) of ``project:domain:name``, in decimal,
    after ``<prefix>_`` when the prefix is not empty.
    """
    digest = FNV64_OFFSET
    for byte in f"{project}:{domain}:{name}".encode():
        digest = ((digest * FNV64_PRIME) & _MASK64) ^ byte
    return f"{prefix}_{digest}" if prefix else str(digest)


class Arns:
    """ARNs and URLs of one environment's resources, derived from its settings."""

    def __init__(self, env: EnvironmentSettings) -> None:
        self.env = env
        self.partition = partition_of(env.region)

    def _arn(self, service: str, region: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{region}:{self.env.account}:{resource}"

    @property
    def queue(self) -> str:
        """The schedule queue's ARN (flyteadmin's ``targetName``)."""
        return self._arn("sqs", self.env.region, queue_name(self.env.options))

    @property
    def dead_letter_queue(self) -> str:
        """The dead-letter queue's ARN."""
        return self._arn("sqs", self.env.region, dead_letter_queue_name(self.env.options))

    @property
    def queue_url(self) -> str:
        """The schedule queue's URL."""
        host = f"sqs.{self.env.region}.{url_suffix_of(self.env.region)}"
        return f"https://{host}/{self.env.account}/{queue_name(self.env.options)}"

    def _iam(self, kind: str, name: str) -> str:
        """An IAM ARN: ``role`` or ``policy``, then the settings' path (``/`` by default)."""
        return self._arn("iam", "", f"{kind}{self.env.options.iam.path}{name}")

    @property
    def schedule_role(self) -> str:
        """The schedule role's ARN (flyteadmin's ``scheduleRole``), with its IAM path."""
        return self._iam("role", schedule_role_name(self.env.options))

    @property
    def flyteadmin_policy(self) -> str:
        """The ARN of the managed policy with flyteadmin's permissions, with its IAM path."""
        return self._iam("policy", flyteadmin_policy_name(self.env.options))

    @property
    def flyteadmin_role(self) -> str | None:
        """The role flyteadmin runs as when this project creates or defines it, else None."""
        mode = self.env.options.flyteadmin.mode
        if mode == "irsa":
            return self._iam("role", flyteadmin_role_name(self.env.options))
        if mode == "schedule-role":
            return self.schedule_role
        return None

    @property
    def custom_bus_rules(self) -> str:
        """ARN pattern of rules on custom event buses (the queue refuses their deliveries)."""
        return self._arn("events", self.env.region, "rule/*/*")

    @property
    def rule_pattern(self) -> str:
        """ARN pattern of every rule flyteadmin may create: ``rule/<prefix>_*``."""
        return self._arn("events", self.env.region, f"rule/{self.env.prefix}_*")
