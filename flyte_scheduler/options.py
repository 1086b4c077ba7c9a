"""Typed options of one scheduler deployment, with their defaults and value rules.

The CDK construct takes these same objects as props, and the settings file is parsed into
them, so one set of rules guards both paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from flyte_scheduler.problems import Problem

Encryption = Literal["sqs-managed", "kms"]
Synthesizer = Literal["default", "cli-credentials"]
IdentityMode = Literal["none", "existing", "irsa", "schedule-role"]
TopicMode = Literal["none", "create", "existing"]
RemovalPolicyName = Literal["retain", "destroy"]

ENCRYPTIONS: tuple[str, ...] = get_args(Encryption)
IDENTITY_MODES: tuple[str, ...] = get_args(IdentityMode)
TOPIC_MODES: tuple[str, ...] = get_args(TopicMode)
REMOVAL_POLICIES: tuple[str, ...] = get_args(RemovalPolicyName)
SYNTHESIZERS: tuple[str, ...] = get_args(Synthesizer)

PREFIX_MAX = 43
"""Rule names are <prefix>_<up to 20 digits> and at most 64 chars (facts §3.2)."""
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9._-]+")
QUEUE_NAME_MAX = 80
QUEUE_NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]+")
DLQ_SUFFIX = "-dlq"
ROLE_NAME_MAX = 64
ROLE_NAME_PATTERN = re.compile(r"[\w+=,.@-]+", re.ASCII)
K8S_NAME_PATTERN = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")
K8S_NAME_MAX = 253
OIDC_PROVIDER_ARN_PATTERN = re.compile(
    r"arn:aws(-cn|-us-gov)?:iam::(\d{12}):oidc-provider/([A-Za-z0-9.\-/]+)"
)
ROLE_ARN_PATTERN = re.compile(
    r"arn:aws(-cn|-us-gov)?:iam::(\d{12}):role/((?:[\x21-\x7e]+/)?[\w+=,.@-]{1,64})", re.ASCII
)
"""An IAM role ARN (optionally with a path); no wildcards."""
IAM_PATH_PATTERN = re.compile(r"/(?:[\x21-\x29\x2b-\x7e]{0,510}/)?")
"""IAM paths: '/', or '/…/' of printable ASCII (no '*', so ARN patterns stay exact), <= 512."""
POLICY_ARN_PATTERN = re.compile(
    r"arn:aws(-cn|-us-gov)?:iam::(\d{12}|aws):policy/(?:[\x21-\x29\x2b-\x7e]+/)?[\w+=,.@-]{1,128}",
    re.ASCII,
)
POLICY_NAME_PATTERN = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)
KMS_KEY_ARN_PATTERN = re.compile(
    r"arn:aws(-cn|-us-gov)?:kms:([a-z0-9-]+):(\d{12}):key/((?:mrk-)?[0-9a-f-]{32,36})"
)
QUALIFIER_PATTERN = re.compile(r"[a-z0-9]{1,10}")
EXTERNAL_ID_PATTERN = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
PROFILE_PATTERN = re.compile(r"[\w.@+=,:/-]{1,128}", re.ASCII)
"""CDK bootstrap qualifiers: lower-case letters and digits, at most 10."""
SNS_TOPIC_ARN_PATTERN = re.compile(
    r"arn:aws(-cn|-us-gov)?:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})"
)
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

MESSAGE_RETENTION_RANGE = (60, 1_209_600)
"""SQS MessageRetentionPeriod, seconds (1 minute to 14 days)."""
VISIBILITY_TIMEOUT_RANGE = (0, 43_200)
"""SQS VisibilityTimeout, seconds (0 to 12 hours)."""
MAX_RECEIVE_COUNT_RANGE = (1, 1_000)
"""SQS redrive maxReceiveCount."""


@dataclass(frozen=True, kw_only=True)
class QueueOptions:
    """The schedule queue and its dead-letter queue."""

    name: str | None = None
    """Queue name; default ``<prefix>-schedules`` (dots become dashes). The DLQ adds ``-dlq``."""
    message_retention_seconds: int = 345_600
    """How long an undelivered schedule event waits for flyteadmin; default 4 days."""
    visibility_timeout_seconds: int = 60
    """Hidden time after a receive before redelivery (flyteadmin sets none); default 60 s."""
    max_receive_count: int = 10
    """Receives before a message moves to the DLQ (flyteadmin never deletes poison); default 10."""
    redrive_role_arns: tuple[str, ...] = ()
    """Roles of this account that may send to the queue besides the rules, so an operator can
    move messages back from the DLQ (``StartMessageMoveTask`` sends with the caller's
    permissions). Default none: only EventBridge rules ``<prefix>_*`` may send."""


@dataclass(frozen=True, kw_only=True)
class IdentityOptions:
    """Whose identity flyteadmin uses, and so where its permissions are attached."""

    mode: IdentityMode = "none"
    """``none``: only a managed policy is created; ``existing``: attach it to ``role_names``;
    ``irsa``: create a role for the service account; ``schedule-role``: flyteadmin runs as the
    schedule role (the upstream doc's model). Default ``none``."""
    role_names: tuple[str, ...] = ()
    """Existing IAM role names to attach the policy to (``existing`` only)."""
    oidc_provider_arn: str | None = None
    """The EKS cluster's IAM OIDC provider ARN (``irsa`` and ``schedule-role`` only)."""
    namespace: str = "flyte"
    """Kubernetes namespace of flyteadmin (``irsa`` and ``schedule-role``); default ``flyte``."""
    service_account: str = "flyteadmin"
    """flyteadmin's service account (``irsa`` and ``schedule-role``); default ``flyteadmin``."""
    role_name: str | None = None
    """Name of the created IRSA role (``irsa`` only); default ``<prefix>-flyteadmin``."""


@dataclass(frozen=True, kw_only=True)
class AlarmOptions:
    """Alarms that make a stalled executor, poison messages and failed deliveries loud."""

    enabled: bool = True
    """Create the alarms; default true."""
    oldest_message_age_seconds: int = 300
    """Alarm when the oldest queued event is older than this (executor stalled); default 300."""
    dead_letter_messages: int = 1
    """Alarm when the DLQ holds at least this many messages; default 1."""
    failed_invocations: int = 1
    """Alarm when EventBridge fails this many deliveries in 5 minutes; default 1."""
    topic: TopicMode = "none"
    """``none``: alarms without actions; ``create``: an encrypted SNS topic; ``existing``: notify
    ``topic_arn``. Default ``none``."""
    topic_arn: str | None = None
    """Existing SNS topic ARN (``existing`` only)."""
    email_subscribers: tuple[str, ...] = ()
    """Email addresses subscribed to the created topic (``create`` only)."""


@dataclass(frozen=True, kw_only=True)
class IamOptions:
    """Governance of the IAM resources the construct creates."""

    path: str = "/"
    """IAM path of the roles and the managed policy (their ARNs contain it); default ``/``.
    Changing it on a deployed stack replaces the roles."""
    permissions_boundary: str | None = None
    """Managed policy ARN, or a policy name in the stack's account, set as the permissions
    boundary of every role the construct creates; default none."""


@dataclass(frozen=True, kw_only=True)
class AdoptOptions:
    """Existing resources the stack takes over (``cdk import``) instead of creating; each is found
    by the name the settings give it (``queue.name``, ``schedule_role_name``)."""

    queue: bool = False
    """Adopt the existing schedule queue; default false."""
    dead_letter_queue: bool = False
    """Adopt an existing dead-letter queue ``<queue name>-dlq``; default false (one is created)."""
    schedule_role: bool = False
    """Adopt the existing schedule role; default false."""

    @property
    def any(self) -> bool:
        return self.queue or self.dead_letter_queue or self.schedule_role


@dataclass(frozen=True, kw_only=True)
class SchedulerOptions:
    """Everything the CDK construct needs, independent of account and region."""

    schedule_name_prefix: str
    """Rule name prefix flyteadmin uses (required; 1-43 chars of ``A-Za-z0-9._-``)."""
    queue: QueueOptions = field(default_factory=QueueOptions)
    encryption: Encryption = "sqs-managed"
    """``sqs-managed`` (SSE-SQS, default) or ``kms`` (a customer key EventBridge may use)."""
    kms_key_arn: str | None = None
    """``kms`` only: use this existing key (say, a central team's) instead of creating one. Its
    key policy must already let EventBridge use it; default: a new rotating key."""
    iam: IamOptions = field(default_factory=IamOptions)
    adopt: AdoptOptions = field(default_factory=AdoptOptions)
    schedule_role_name: str | None = None
    """Name of the role attached to each rule; default ``<prefix>-schedule-role``."""
    flyteadmin: IdentityOptions = field(default_factory=IdentityOptions)
    alarms: AlarmOptions = field(default_factory=AlarmOptions)
    removal_policy: RemovalPolicyName = "retain"
    """``retain`` (default) keeps the queues when the stack is deleted; ``destroy`` deletes them."""


@dataclass(frozen=True, kw_only=True)
class AwsAccess:
    """How the live commands reach the environment's account (never used by the CDK app)."""

    profile: str | None = None
    """A named profile of the shared AWS config; default: the standard AWS environment."""
    role_arn: str | None = None
    """A role to assume (read-only checks) from the profile or the standard environment."""
    external_id: str | None = None
    """The external ID the role's trust policy requires (with ``role_arn``)."""


@dataclass(frozen=True, kw_only=True)
class EnvironmentSettings:
    """One environment of the settings file: where to deploy, and how."""

    name: str
    account: str
    region: str
    options: SchedulerOptions
    reconnect_attempts: int = 10
    """flyteadmin ``scheduler.reconnectAttempts`` (client creation retries); default 10."""
    reconnect_delay_seconds: int = 30
    """flyteadmin ``scheduler.reconnectDelaySeconds``; default 30."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags applied to every resource of the environment's stack."""
    cdk_qualifier: str | None = None
    """The CDK bootstrap qualifier (``cdk bootstrap --qualifier``); default the CDK's own."""
    cdk_synthesizer: Synthesizer = "default"
    """``default`` (the bootstrap stack's roles deploy) or ``cli-credentials`` (your own
    credentials deploy; no bootstrap stack needed)."""
    termination_protection: bool | None = None
    """Stack termination protection; default on exactly when ``removal_policy`` is ``retain``."""
    aws: AwsAccess = field(default_factory=AwsAccess)

    @property
    def protected(self) -> bool:
        """Whether the stack gets termination protection."""
        if self.termination_protection is not None:
            return self.termination_protection
        return self.options.removal_policy == "retain"

    @property
    def prefix(self) -> str:
        """The schedule name prefix."""
        return self.options.schedule_name_prefix


def check_options(options: SchedulerOptions) -> list[Problem]:
    """Every value rule the options break (fields named relative to the options)."""
    from flyte_scheduler import naming  # naming depends on this module's types

    problems: list[Problem] = []
    prefix = options.schedule_name_prefix
    problems += _check_prefix(prefix)
    problems += _check_choice("encryption", options.encryption, ENCRYPTIONS)
    problems += _check_choice("removal_policy", options.removal_policy, REMOVAL_POLICIES)
    problems += _check_queue(options.queue, naming.queue_name(options))
    problems += _check_role_name("schedule_role_name", naming.schedule_role_name(options))
    problems += _check_identity(options.flyteadmin, naming.flyteadmin_role_name(options))
    problems += _check_alarms(options.alarms)
    problems += _check_iam(options.iam)
    problems += _check_key(options)
    if options.adopt.any and options.removal_policy != "retain":
        problems.append(
            Problem(
                "removal_policy",
                options.removal_policy,
                "must be 'retain' when adopting existing resources (they hold in-flight schedules)",
            )
        )
    return problems


def _check_iam(iam: IamOptions) -> list[Problem]:
    problems: list[Problem] = []
    if not IAM_PATH_PATTERN.fullmatch(iam.path):
        problems.append(
            Problem(
                "iam.path",
                iam.path,
                "an IAM path: '/' or '/<segments>/' of printable ASCII without '*', at most 512 "
                "characters, starting and ending with '/'",
            )
        )
    boundary = iam.permissions_boundary
    if boundary is not None and not (
        POLICY_ARN_PATTERN.fullmatch(boundary) or POLICY_NAME_PATTERN.fullmatch(boundary)
    ):
        problems.append(
            Problem(
                "iam.permissions_boundary",
                boundary,
                "a managed policy ARN (arn:aws:iam::<account>:policy/<name>) or a policy name "
                "of this account",
            )
        )
    return problems


def _check_key(options: SchedulerOptions) -> list[Problem]:
    arn = options.kms_key_arn
    if arn is None:
        return []
    if options.encryption != "kms":
        return [Problem("kms_key_arn", arn, "only with encryption 'kms'")]
    if not KMS_KEY_ARN_PATTERN.fullmatch(arn):
        return [
            Problem(
                "kms_key_arn",
                arn,
                "a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias: "
                "alias/aws/sqs cannot let EventBridge encrypt)",
            )
        ]
    return []


def _check_prefix(prefix: str) -> list[Problem]:
    field_name = "schedule_name_prefix"
    if not prefix:
        return [Problem(field_name, prefix, "must not be empty (every grant is scoped to it)")]
    problems = []
    if len(prefix) > PREFIX_MAX:
        problems.append(
            Problem(
                field_name,
                prefix,
                f"at most {PREFIX_MAX} characters ({len(prefix)} given): rule names are "
                "<prefix>_<up to 20 digits> and EventBridge allows 64",
            )
        )
    if not PREFIX_PATTERN.fullmatch(prefix):
        problems.append(Problem(field_name, prefix, "only ASCII letters, digits, '.', '_', '-'"))
    return problems


def _check_choice(field_name: str, value: str, choices: tuple[str, ...]) -> list[Problem]:
    if value in choices:
        return []
    return [Problem(field_name, value, f"must be one of {', '.join(choices)}")]


def _check_range(field_name: str, value: int, low: int, high: int, what: str) -> list[Problem]:
    if low <= value <= high:
        return []
    return [Problem(field_name, value, f"must be an integer from {low} to {high} ({what})")]


def _check_queue(queue: QueueOptions, name: str) -> list[Problem]:
    problems: list[Problem] = []
    dlq_name = name + DLQ_SUFFIX
    field_name = "queue.name" if queue.name is not None else "queue.name (derived from prefix)"
    if not QUEUE_NAME_PATTERN.fullmatch(name):
        problems.append(
            Problem(field_name, name, "SQS names allow only ASCII letters, digits, '-', '_'")
        )
    if len(dlq_name) > QUEUE_NAME_MAX:
        problems.append(
            Problem(
                field_name,
                name,
                f"at most {QUEUE_NAME_MAX - len(DLQ_SUFFIX)} characters ({len(name)} given): "
                f"the dead-letter queue '{name}{DLQ_SUFFIX}' must fit SQS's {QUEUE_NAME_MAX}",
            )
        )
    problems += _check_range(
        "queue.message_retention_seconds",
        queue.message_retention_seconds,
        *MESSAGE_RETENTION_RANGE,
        "SQS MessageRetentionPeriod, seconds",
    )
    problems += _check_range(
        "queue.visibility_timeout_seconds",
        queue.visibility_timeout_seconds,
        *VISIBILITY_TIMEOUT_RANGE,
        "SQS VisibilityTimeout, seconds",
    )
    problems += _check_range(
        "queue.max_receive_count",
        queue.max_receive_count,
        *MAX_RECEIVE_COUNT_RANGE,
        "SQS redrive maxReceiveCount",
    )
    for index, arn in enumerate(queue.redrive_role_arns):
        if "*" in arn or not ROLE_ARN_PATTERN.fullmatch(arn):
            problems.append(
                Problem(
                    f"queue.redrive_role_arns[{index}]",
                    arn,
                    "must be an IAM role ARN, arn:aws:iam::<12-digit account>:role/<path/name>, "
                    "without wildcards",
                )
            )
    return problems


def _check_role_name(field_name: str, name: str) -> list[Problem]:
    if 1 <= len(name) <= ROLE_NAME_MAX and ROLE_NAME_PATTERN.fullmatch(name):
        return []
    return [
        Problem(
            field_name,
            name,
            f"IAM role names are 1-{ROLE_NAME_MAX} characters of letters, digits and +=,.@_-",
        )
    ]


def _check_identity(identity: IdentityOptions, derived_role_name: str) -> list[Problem]:
    problems = _check_choice("flyteadmin.mode", identity.mode, IDENTITY_MODES)
    mode = identity.mode
    uses_oidc = mode in ("irsa", "schedule-role")
    if mode == "existing":
        if not identity.role_names:
            problems.append(
                Problem("flyteadmin.role_names", [], "required when mode is 'existing'")
            )
        for index, role in enumerate(identity.role_names):
            problems += _check_role_name(f"flyteadmin.role_names[{index}]", role)
    elif identity.role_names:
        problems.append(
            Problem(
                "flyteadmin.role_names",
                list(identity.role_names),
                f"only allowed when mode is 'existing' (mode is '{mode}')",
            )
        )
    if uses_oidc:
        problems += _check_oidc(identity)
    else:
        defaults = IdentityOptions()
        for name in ("oidc_provider_arn", "namespace", "service_account"):
            if getattr(identity, name) != getattr(defaults, name):
                problems.append(
                    Problem(
                        f"flyteadmin.{name}",
                        getattr(identity, name),
                        f"only allowed when mode is 'irsa' or 'schedule-role' (mode is '{mode}')",
                    )
                )
    if mode == "irsa":
        problems += _check_role_name("flyteadmin.role_name", derived_role_name)
    elif identity.role_name is not None:
        problems.append(
            Problem(
                "flyteadmin.role_name",
                identity.role_name,
                f"only allowed when mode is 'irsa' (mode is '{mode}')",
            )
        )
    return problems


def _check_oidc(identity: IdentityOptions) -> list[Problem]:
    problems: list[Problem] = []
    arn = identity.oidc_provider_arn
    if not arn:
        problems.append(
            Problem(
                "flyteadmin.oidc_provider_arn",
                arn,
                f"required when mode is '{identity.mode}' (the cluster's IAM OIDC provider ARN, "
                "arn:aws:iam::<account>:oidc-provider/<issuer>)",
            )
        )
    elif not OIDC_PROVIDER_ARN_PATTERN.fullmatch(arn):
        problems.append(
            Problem(
                "flyteadmin.oidc_provider_arn",
                arn,
                "must look like arn:aws:iam::<12-digit account>:oidc-provider/<issuer host/path>",
            )
        )
    for name in ("namespace", "service_account"):
        value = getattr(identity, name)
        if len(value) > K8S_NAME_MAX or not K8S_NAME_PATTERN.fullmatch(value):
            problems.append(
                Problem(
                    f"flyteadmin.{name}",
                    value,
                    "must be a Kubernetes name: lower-case letters, digits, '-' and '.', "
                    "starting and ending with a letter or digit",
                )
            )
    return problems


def _check_alarms(alarms: AlarmOptions) -> list[Problem]:
    problems = _check_choice("alarms.topic", alarms.topic, TOPIC_MODES)
    problems += _check_range(
        "alarms.oldest_message_age_seconds",
        alarms.oldest_message_age_seconds,
        60,
        MESSAGE_RETENTION_RANGE[1],
        "seconds; at least one alarm period, at most the longest retention",
    )
    problems += _check_range(
        "alarms.dead_letter_messages", alarms.dead_letter_messages, 1, 1_000_000, "messages"
    )
    problems += _check_range(
        "alarms.failed_invocations", alarms.failed_invocations, 1, 1_000_000, "per 5 minutes"
    )
    if alarms.topic == "existing":
        if not alarms.topic_arn:
            problems.append(
                Problem("alarms.topic_arn", alarms.topic_arn, "required when topic is 'existing'")
            )
        elif not SNS_TOPIC_ARN_PATTERN.fullmatch(alarms.topic_arn):
            problems.append(
                Problem(
                    "alarms.topic_arn",
                    alarms.topic_arn,
                    "must look like arn:aws:sns:<region>:<12-digit account>:<topic name>",
                )
            )
    elif alarms.topic_arn is not None:
        problems.append(
            Problem("alarms.topic_arn", alarms.topic_arn, "only allowed when topic is 'existing'")
        )
    if alarms.email_subscribers and alarms.topic != "create":
        problems.append(
            Problem(
                "alarms.email_subscribers",
                list(alarms.email_subscribers),
                "only allowed when topic is 'create'",
            )
        )
    for index, email in enumerate(alarms.email_subscribers):
        if not EMAIL_PATTERN.fullmatch(email):
            problems.append(
                Problem(f"alarms.email_subscribers[{index}]", email, "must be an email address")
            )
    if alarms.topic != "none" and not alarms.enabled:
        problems.append(
            Problem("alarms.topic", alarms.topic, "needs alarms.enabled: true (nothing to notify)")
        )
    return problems
