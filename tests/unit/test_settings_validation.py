"""Settings validation: every broken rule is reported, naming environment, field and rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flyte_scheduler.problems import SettingsError
from flyte_scheduler.settings import load_settings, parse_settings
from tests.settings_cases import INVALID, env_with, render, second_env
from tests.settings_keys import settings_keys

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "field", "rule"), [case[1:] for case in INVALID], ids=[case[0] for case in INVALID]
)
def test_invalid_settings_name_the_field_and_rule(text: str, field: str, rule: str) -> None:
    with pytest.raises(SettingsError) as raised:
        parse_settings(text, "test.yaml")
    message = str(raised.value)
    assert f"field '{field}'" in message
    assert rule in message


def test_every_key_the_parser_reads_has_an_invalid_case() -> None:
    """Coverage from the registry (the keys the real parser asks for), not from a count."""
    fields = {re.sub(r"\[\d+\]$", "", case[2]) for case in INVALID}
    uncovered = sorted(
        key for key in settings_keys() if key not in fields and not key.startswith("tags")
    )
    assert uncovered == []
    assert any(field.startswith("tags.") for field in fields), "tag keys and values"
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
    with pytest.raises(SettingsError, match="larger than the limit of 1000000 bytes"):
        load_settings(path)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot open the settings file"):
        load_settings(tmp_path / "absent.yaml")


def test_selecting_an_unknown_environment_lists_the_known_ones() -> None:
    settings = parse_settings(render(lambda document: None))
    with pytest.raises(SettingsError, match="known: dev"):
        settings.select("prod")
