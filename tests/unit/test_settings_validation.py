"""Settings validation: every broken rule is reported, naming environment, field and rule."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from flyte_scheduler.problems import SettingsError
from flyte_scheduler.settings import load_settings, parse_settings

ROOT = Path(__file__).resolve().parents[2]
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


@pytest.mark.parametrize(
    ("text", "field", "rule"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
def test_invalid_settings_name_the_field_and_rule(text: str, field: str, rule: str) -> None:
    with pytest.raises(SettingsError) as raised:
        parse_settings(text, "test.yaml")
    message = str(raised.value)
    assert f"field '{field}'" in message
    assert rule in message


def test_the_table_covers_at_least_thirty_cases() -> None:
    assert len(INVALID) >= 30
    assert len({case[0] for case in INVALID}) == len(INVALID)


def test_every_problem_is_reported_at_once() -> None:
    text = render(
        env_with(account="1", region="mars-1", queue={"max_receive_count": 0}, bogus=True)
    )
    with pytest.raises(SettingsError) as raised:
        parse_settings(text)
    fields = {problem.field for problem in raised.value.problems}
    assert {"account", "region", "queue.max_receive_count", "bogus"} <= fields
    assert all(problem.environment == "dev" for problem in raised.value.problems)


def test_problems_name_the_environment() -> None:
    with pytest.raises(SettingsError, match="environment 'dev', field 'region'"):
        parse_settings(render(env_with(region="nowhere")))


def test_valid_minimal_settings_get_the_documented_defaults() -> None:
    env = parse_settings(render(lambda document: None)).environments["dev"]
    assert env.options.queue.visibility_timeout_seconds == 60
    assert env.options.queue.max_receive_count == 10
    assert env.options.encryption == "sqs-managed"
    assert env.options.flyteadmin.mode == "none"
    assert env.options.removal_policy == "retain"
    assert (env.reconnect_attempts, env.reconnect_delay_seconds) == (10, 30)


def test_distinct_prefixes_in_one_account_and_region_are_fine() -> None:
    settings = parse_settings(render(second_env(schedule_name_prefix="flyte-dev2")))
    assert list(settings.environments) == ["dev", "other"]


def test_same_prefix_in_another_account_is_fine() -> None:
    settings = parse_settings(render(second_env(account="210987654321")))
    assert len(settings.environments) == 2


def test_the_shipped_settings_file_is_valid() -> None:
    settings = load_settings(ROOT / "flyte-scheduler.yaml")
    local = settings.environments["local"]
    assert (local.account, local.region, local.prefix) == ("123456789012", "us-east-1", "flyte")


def test_a_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * 1_100_000)
    with pytest.raises(SettingsError, match="at most 1000000 bytes"):
        load_settings(path)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="readable UTF-8 file"):
        load_settings(tmp_path / "absent.yaml")


def test_selecting_an_unknown_environment_lists_the_known_ones() -> None:
    settings = parse_settings(render(lambda document: None))
    with pytest.raises(SettingsError, match="known: dev"):
        settings.select("prod")
