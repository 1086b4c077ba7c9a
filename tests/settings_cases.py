"""Invalid settings files, each with the field its message must name and words of the rule.

Shared by the unit tier (validation messages) and the infra tier (hostile input to every entry
point: cdk synth and each CLI command).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import yaml

OIDC = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABCDEF0123"

BASE: dict[str, Any] = {
    "environments": {
        "dev": {
            "account": "123456789012",
            "region": "us-east-1",
            "schedule_name_prefix": "flyte-dev",
        }
    }
}


def env_with(**changes: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation setting top-level keys of environment ``dev``."""

    def mutate(document: dict[str, Any]) -> None:
        document["environments"]["dev"].update(changes)

    return mutate


def second_env(**values: Any) -> Callable[[dict[str, Any]], None]:
    """A mutation adding environment ``other`` (defaults: same account and region as dev)."""

    def mutate(document: dict[str, Any]) -> None:
        other = dict(document["environments"]["dev"])
        other.update(values)
        document["environments"]["other"] = other

    return mutate


def without(key: str) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        del document["environments"]["dev"][key]

    return mutate


def both(
    changes: dict[str, Any], second: Callable[[dict[str, Any]], None]
) -> Callable[[dict[str, Any]], None]:
    """Change environment ``dev`` and add a second one."""

    def mutate(document: dict[str, Any]) -> None:
        env_with(**copy.deepcopy(changes))(document)
        second(document)

    return mutate


IRSA_SHARED_ROLE: dict[str, Any] = {
    "flyteadmin": {"mode": "irsa", "oidc_provider_arn": OIDC, "role_name": "shared"}
}


def render(mutation: Callable[[dict[str, Any]], None]) -> str:
    document = copy.deepcopy(BASE)
    mutation(document)
    return yaml.safe_dump(document, sort_keys=False)


# (case id, settings text, field named in the message, words of the rule)
INVALID: list[tuple[str, str, str, str]] = [
    ("account-11-digits", render(env_with(account="12345678901")), "account", "12 digits"),
    ("account-13-digits", render(env_with(account="1234567890123")), "account", "12 digits"),
    ("account-number", render(env_with(account=12345678901)), "account", "quoted string"),
    ("account-letters", render(env_with(account="12345678901a")), "account", "12 digits"),
    ("account-missing", render(without("account")), "account", "required"),
    ("region-unknown", render(env_with(region="us-east-9")), "region", "region name"),
    ("region-upper", render(env_with(region="US-EAST-1")), "region", "region name"),
    ("region-missing", render(without("region")), "region", "required"),
    ("prefix-missing", render(without("schedule_name_prefix")), "schedule_name_prefix", "required"),
    ("prefix-empty", render(env_with(schedule_name_prefix="")), "schedule_name_prefix", "empty"),
    ("prefix-44", render(env_with(schedule_name_prefix="p" * 44)), "schedule_name_prefix", "43"),
    ("prefix-slash", render(env_with(schedule_name_prefix="a/b")), "schedule_name_prefix", "only"),
    ("prefix-space", render(env_with(schedule_name_prefix="a b")), "schedule_name_prefix", "only"),
    (
        "prefix-cyrillic-a",
        render(env_with(schedule_name_prefix="fly\u0442e")),
        "schedule_name_prefix",
        "only ASCII",
    ),
    ("prefix-number", render(env_with(schedule_name_prefix=42)), "schedule_name_prefix", "string"),
    ("unknown-key", render(env_with(regoin="us-east-1")), "regoin", "unknown key"),
    (
        "unknown-queue-key",
        render(env_with(queue={"visibility": 30})),
        "queue.visibility",
        "unknown",
    ),
    (
        "queue-name-dot",
        render(env_with(queue={"name": "a.b"})),
        "queue.name",
        "letters, digits, '-', '_'",
    ),
    ("queue-name-fifo", render(env_with(queue={"name": "q.fifo"})), "queue.name", "letters"),
    ("queue-name-77", render(env_with(queue={"name": "q" * 77})), "queue.name", "at most 76"),
    (
        "visibility-too-long",
        render(env_with(queue={"visibility_timeout_seconds": 43201})),
        "queue.visibility_timeout_seconds",
        "0 to 43200",
    ),
    (
        "visibility-negative",
        render(env_with(queue={"visibility_timeout_seconds": -1})),
        "queue.visibility_timeout_seconds",
        "0 to 43200",
    ),
    (
        "visibility-with-unit",
        render(env_with(queue={"visibility_timeout_seconds": "60s"})),
        "queue.visibility_timeout_seconds",
        "whole number",
    ),
    (
        "retention-too-short",
        render(env_with(queue={"message_retention_seconds": 59})),
        "queue.message_retention_seconds",
        "60 to 1209600",
    ),
    (
        "retention-too-long",
        render(env_with(queue={"message_retention_seconds": 1209601})),
        "queue.message_retention_seconds",
        "60 to 1209600",
    ),
    (
        "receive-count-zero",
        render(env_with(queue={"max_receive_count": 0})),
        "queue.max_receive_count",
        "1 to 1000",
    ),
    (
        "receive-count-bool",
        render(env_with(queue={"max_receive_count": True})),
        "queue.max_receive_count",
        "whole number",
    ),
    (
        "redrive-role-wildcard",
        render(env_with(queue={"redrive_role_arns": ["arn:aws:iam::123456789012:role/*"]})),
        "queue.redrive_role_arns[0]",
        "without wildcards",
    ),
    (
        "redrive-role-not-a-role",
        render(env_with(queue={"redrive_role_arns": ["arn:aws:iam::123456789012:user/alice"]})),
        "queue.redrive_role_arns[0]",
        "IAM role ARN",
    ),
    (
        "redrive-role-other-account",
        render(env_with(queue={"redrive_role_arns": ["arn:aws:iam::999999999999:role/ops"]})),
        "queue.redrive_role_arns[0]",
        "environment's account 123456789012",
    ),
    (
        "redrive-role-not-a-list",
        render(env_with(queue={"redrive_role_arns": "arn:aws:iam::123456789012:role/ops"})),
        "queue.redrive_role_arns",
        "list of strings",
    ),
    (
        "iam-path-no-slashes",
        render(env_with(iam={"path": "platform"})),
        "iam.path",
        "starting and ending with '/'",
    ),
    (
        "iam-path-wildcard",
        render(env_with(iam={"path": "/team/*/"})),
        "iam.path",
        "without '*'",
    ),
    (
        "boundary-not-a-policy",
        render(env_with(iam={"permissions_boundary": "arn:aws:iam::123456789012:role/x"})),
        "iam.permissions_boundary",
        "managed policy ARN",
    ),
    (
        "iam-unknown-key",
        render(env_with(iam={"paths": "/x/"})),
        "iam.paths",
        "unknown key",
    ),
    (
        "key-without-kms",
        render(
            env_with(
                kms_key_arn="arn:aws:kms:us-east-1:210987654321:key/0c7f2f8a-3b1e-4d2a-9a55-6f1e2d3c4b5a"
            )
        ),
        "kms_key_arn",
        "only with encryption 'kms'",
    ),
    (
        "key-is-an-alias",
        render(
            env_with(
                encryption="kms", kms_key_arn="arn:aws:kms:us-east-1:123456789012:alias/aws/sqs"
            )
        ),
        "kms_key_arn",
        "not an alias",
    ),
    (
        "key-in-another-region",
        render(
            env_with(
                encryption="kms",
                kms_key_arn="arn:aws:kms:us-east-1:210987654321:key/0c7f2f8a-3b1e-4d2a-9a55-6f1e2d3c4b5a".replace(
                    "us-east-1", "eu-west-1"
                ),
            )
        ),
        "kms_key_arn",
        "region us-east-1",
    ),
    (
        "qualifier-upper-case",
        render(env_with(cdk={"qualifier": "Platform"})),
        "cdk.qualifier",
        "1-10 lower-case letters and digits",
    ),
    (
        "synthesizer-unknown",
        render(env_with(cdk={"synthesizer": "legacy"})),
        "cdk.synthesizer",
        "default, cli-credentials",
    ),
    (
        "termination-protection-string",
        render(env_with(termination_protection="yes")),
        "termination_protection",
        "true or false",
    ),
    (
        "aws-role-other-account",
        render(env_with(aws={"role_arn": "arn:aws:iam::999999999999:role/doctor"})),
        "aws.role_arn",
        "environment's account 123456789012",
    ),
    (
        "aws-role-not-a-role",
        render(env_with(aws={"role_arn": "arn:aws:iam::123456789012:user/doctor"})),
        "aws.role_arn",
        "IAM role ARN",
    ),
    (
        "aws-external-id-without-role",
        render(env_with(aws={"external_id": "fleet-123"})),
        "aws.external_id",
        "only with role_arn",
    ),
    (
        "aws-profile-with-space",
        render(env_with(aws={"profile": "my profile"})),
        "aws.profile",
        "profile name",
    ),
    (
        "namespace-without-oidc",
        render(env_with(flyteadmin={"mode": "none", "namespace": "flyte-prod"})),
        "flyteadmin.namespace",
        "only allowed when mode is 'irsa' or 'schedule-role'",
    ),
    (
        "service-account-without-oidc",
        render(
            env_with(
                flyteadmin={"mode": "existing", "role_names": ["r"], "service_account": "admin"}
            )
        ),
        "flyteadmin.service_account",
        "only allowed when mode is 'irsa' or 'schedule-role'",
    ),
    (
        "topic-while-alarms-disabled",
        render(env_with(alarms={"enabled": False, "topic": "create"})),
        "alarms.topic",
        "needs alarms.enabled: true",
    ),
    (
        "policy-name-clash-across-regions",
        render(second_env(region="eu-west-1", schedule_name_prefix="flyte-dev")),
        "schedule_name_prefix (managed policy name)",
        "IAM policy names are unique per account",
    ),
    (
        "reconnect-delay-too-long",
        render(env_with(reconnect_delay_seconds=3601)),
        "reconnect_delay_seconds",
        "from 0 to 3600",
    ),
    (
        "reconnect-delay-negative",
        render(env_with(reconnect_delay_seconds=-1)),
        "reconnect_delay_seconds",
        "from 0 to 3600",
    ),
    (
        "tag-key-too-long",
        render(env_with(tags={"k" * 129: "v"})),
        "tags." + "k" * 129,
        "tag keys are strings of 1-128 characters",
    ),
    (
        "irsa-role-name-clash",
        render(
            both(
                IRSA_SHARED_ROLE,
                second_env(schedule_name_prefix="flyte-other", **copy.deepcopy(IRSA_SHARED_ROLE)),
            )
        ),
        "flyteadmin.role_name",
        "IAM role names are unique per account",
    ),
    (
        "adopt-queue-not-bool",
        render(env_with(adopt={"queue": "yes"})),
        "adopt.queue",
        "true or false",
    ),
    (
        "adopt-dlq-not-bool",
        render(env_with(adopt={"dead_letter_queue": 1})),
        "adopt.dead_letter_queue",
        "true or false",
    ),
    (
        "adopt-role-not-bool",
        render(env_with(adopt={"schedule_role": "no"})),
        "adopt.schedule_role",
        "true or false",
    ),
    (
        "adopt-with-destroy",
        render(env_with(adopt={"queue": True}, removal_policy="destroy")),
        "removal_policy",
        "must be 'retain' when adopting",
    ),
    (
        "dead-letter-threshold-zero",
        render(env_with(alarms={"dead_letter_messages": 0})),
        "alarms.dead_letter_messages",
        "from 1 to 1000000",
    ),
    (
        "failed-invocations-zero",
        render(env_with(alarms={"failed_invocations": 0})),
        "alarms.failed_invocations",
        "from 1 to 1000000",
    ),
    ("encryption-unknown", render(env_with(encryption="aws-managed")), "encryption", "one of"),
    ("removal-unknown", render(env_with(removal_policy="snapshot")), "removal_policy", "one of"),
    (
        "role-name-65",
        render(env_with(schedule_role_name="r" * 65)),
        "schedule_role_name",
        "1-64",
    ),
    ("mode-unknown", render(env_with(flyteadmin={"mode": "pod"})), "flyteadmin.mode", "one of"),
    (
        "existing-without-roles",
        render(env_with(flyteadmin={"mode": "existing"})),
        "flyteadmin.role_names",
        "required when mode is 'existing'",
    ),
    (
        "roles-without-existing",
        render(env_with(flyteadmin={"mode": "none", "role_names": ["x"]})),
        "flyteadmin.role_names",
        "only allowed",
    ),
    (
        "irsa-without-oidc",
        render(env_with(flyteadmin={"mode": "irsa"})),
        "flyteadmin.oidc_provider_arn",
        "required when mode is 'irsa'",
    ),
    (
        "schedule-role-without-oidc",
        render(env_with(flyteadmin={"mode": "schedule-role"})),
        "flyteadmin.oidc_provider_arn",
        "required",
    ),
    (
        "irsa-bad-oidc",
        render(env_with(flyteadmin={"mode": "irsa", "oidc_provider_arn": "oidc.eks/id/x"})),
        "flyteadmin.oidc_provider_arn",
        "must look like",
    ),
    (
        "irsa-bad-namespace",
        render(
            env_with(flyteadmin={"mode": "irsa", "oidc_provider_arn": OIDC, "namespace": "Fly"})
        ),
        "flyteadmin.namespace",
        "Kubernetes name",
    ),
    (
        "oidc-in-none-mode",
        render(env_with(flyteadmin={"oidc_provider_arn": OIDC})),
        "flyteadmin.oidc_provider_arn",
        "only allowed",
    ),
    (
        "role-name-in-existing-mode",
        render(env_with(flyteadmin={"mode": "existing", "role_names": ["a"], "role_name": "b"})),
        "flyteadmin.role_name",
        "only allowed when mode is 'irsa'",
    ),
    (
        "topic-existing-without-arn",
        render(env_with(alarms={"topic": "existing"})),
        "alarms.topic_arn",
        "required",
    ),
    (
        "topic-arn-malformed",
        render(env_with(alarms={"topic": "existing", "topic_arn": "arn:aws:sqs:x"})),
        "alarms.topic_arn",
        "must look like",
    ),
    (
        "emails-without-topic",
        render(env_with(alarms={"email_subscribers": ["a@example.com"]})),
        "alarms.email_subscribers",
        "only allowed",
    ),
    (
        "email-malformed",
        render(env_with(alarms={"topic": "create", "email_subscribers": ["nope"]})),
        "alarms.email_subscribers[0]",
        "email",
    ),
    (
        "alarm-age-zero",
        render(env_with(alarms={"oldest_message_age_seconds": 0})),
        "alarms.oldest_message_age_seconds",
        "from 60",
    ),
    (
        "alarms-enabled-string",
        render(env_with(alarms={"enabled": "yes"})),
        "alarms.enabled",
        "true",
    ),
    ("reconnect-negative", render(env_with(reconnect_attempts=-1)), "reconnect_attempts", "0 to"),
    ("tags-aws-prefix", render(env_with(tags={"aws:owner": "x"})), "tags.aws:owner", "reserved"),
    ("tags-number-value", render(env_with(tags={"team": 3})), "tags.team", "strings"),
    ("same-prefix", render(second_env()), "schedule_name_prefix", "overwrite"),
    (
        "overlapping-prefix",
        render(second_env(schedule_name_prefix="flyte-dev_x")),
        "schedule_name_prefix",
        "covers the other's rules",
    ),
    (
        "same-role-other-region",
        render(second_env(region="eu-west-1", schedule_role_name="flyte-dev-schedule-role")),
        "schedule_role_name",
        "unique per account",
    ),
    (
        "env-name-invalid",
        "environments:\n  dev_1:\n    account: '123456789012'\n",
        "environments",
        "environment names",
    ),
    ("empty-file", "", "(top level)", "empty"),
    ("no-environments", "environments: {}\n", "environments", "required"),
    ("top-level-list", "- a\n- b\n", "(top level)", "mapping"),
    ("alias-bomb", "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "(file)", "anchors"),
    ("duplicate-key", "environments: {}\nenvironments: {}\n", "(file)", "duplicate"),
    ("not-yaml", "environments: [\n", "(file)", "valid YAML"),
]


def _deep(levels: int) -> str:
    return "environments:\n  dev:\n    tags:\n" + "".join(
        f"{'  ' * (3 + i)}k{i}:\n" for i in range(levels)
    )


# Hostile input beyond plain mistakes: (case id, settings text, field named, words of the rule).
HOSTILE: list[tuple[str, str, str, str]] = [
    (
        "billion-laughs",
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nenvironments: [*c, *c, *c, *c]\n",
        "(file)",
        "anchors",
    ),
    (
        "merge-key-alias",
        "base: &b {region: us-east-1}\nenvironments:\n  dev:\n    <<: *b\n",
        "(file)",
        "anchors",
    ),
    (
        "huge-integer",
        render(env_with(queue={"visibility_timeout_seconds": 10**40})),
        "queue.visibility_timeout_seconds",
        "0 to 43200",
    ),
    (
        "float-duration",
        render(env_with(queue={"visibility_timeout_seconds": 1.5})),
        "queue.visibility_timeout_seconds",
        "whole number",
    ),
    (
        "huge-prefix",
        render(env_with(schedule_name_prefix="p" * 10_000)),
        "schedule_name_prefix",
        "at most 43",
    ),
    (
        "prefix-zero-width",
        render(env_with(schedule_name_prefix="fly\u200bte")),
        "schedule_name_prefix",
        "only ASCII",
    ),
    (
        "prefix-fullwidth",
        render(env_with(schedule_name_prefix="\uff46lyte")),
        "schedule_name_prefix",
        "only ASCII",
    ),
    (
        "prefix-newline",
        render(env_with(schedule_name_prefix="fly\nte")),
        "schedule_name_prefix",
        "only ASCII",
    ),
    (
        "account-octal",
        "environments:\n  dev: {account: 012345670123, region: us-east-1, schedule_name_prefix: p}\n",
        "account",
        "quoted string",
    ),
    ("account-list", render(env_with(account=["123456789012"])), "account", "quoted string"),
    ("region-null", render(env_with(region=None)), "region", "region name"),
    ("queue-as-list", render(env_with(queue=[1, 2])), "queue", "mapping"),
    ("environment-as-string", "environments:\n  dev: production\n", "(top level)", "mapping"),
    ("environments-as-list", "environments:\n  - dev\n", "environments", "mapping"),
    ("tags-as-list", render(env_with(tags=["a", "b"])), "tags", "mapping"),
    ("deep-nesting", _deep(60), "tags.k0", "tag values"),
    (
        "non-string-key",
        "environments:\n  dev:\n    account: '123456789012'\n    region: us-east-1\n    schedule_name_prefix: p\n    1: x\n",
        "1",
        "unknown key",
    ),
    ("python-tag", "environments: !!python/object:os.system {}\n", "(file)", "valid YAML"),
    ("binary-garbage", "\x00\x01\x02environments", "(file)", "valid YAML"),
    ("queue-name-81", render(env_with(queue={"name": "q" * 81})), "queue.name", "at most 76"),
]
