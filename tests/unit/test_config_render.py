"""Emitted config: flat keys, both schemes aws, and it always passes lint-config."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from flyte_scheduler.config_lint import lint_text
from flyte_scheduler.config_render import FORMATS, config_document, render, scheduler_block
from flyte_scheduler.deployed_values import values_from_settings
from flyte_scheduler.options import EnvironmentSettings
from tests.scenarios import SCENARIOS, scenario_environments

ENVIRONMENTS = [env for scenario in SCENARIOS for env in scenario_environments(scenario)]


def emit(env: EnvironmentSettings, fmt: str) -> str:
    values = values_from_settings(env)
    block = scheduler_block(values, env.reconnect_attempts, env.reconnect_delay_seconds)
    return render(config_document(values, block, fmt), fmt, f"environment {env.name}")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("env", ENVIRONMENTS, ids=[env.name for env in ENVIRONMENTS])
def test_emitted_config_passes_lint_against_its_settings(
    env: EnvironmentSettings, fmt: str
) -> None:
    assert lint_text(emit(env, fmt), values_from_settings(env)) == []


def scheduler_of(document: dict[str, Any], fmt: str) -> dict[str, Any]:
    paths = {
        "scheduler": ("scheduler",),
        "json": ("scheduler",),
        "flyte-core": ("workflow_scheduler", "config", "scheduler"),
        "flyte-binary": ("configuration", "inline", "scheduler"),
    }
    for key in paths[fmt]:
        document = document[key]
    return document


def test_the_scheduler_block_is_flat_with_reconnect_at_the_top() -> None:
    env = scenario_environments("tuned")[0]
    block = scheduler_of(yaml.safe_load(emit(env, "scheduler")), "scheduler")
    assert list(block) == [
        "reconnectAttempts",
        "reconnectDelaySeconds",
        "eventScheduler",
        "workflowExecutor",
    ]
    assert block["reconnectAttempts"] == 3
    assert "aws" not in block["eventScheduler"] and "aws" not in block["workflowExecutor"]
    assert block["eventScheduler"]["scheme"] == block["workflowExecutor"]["scheme"] == "aws"
    assert block["eventScheduler"]["region"] == block["workflowExecutor"]["region"] == "us-east-1"


def test_the_account_id_stays_a_quoted_string() -> None:
    env = scenario_environments("default")[0]
    text = emit(env, "scheduler")
    assert "accountId: '123456789012'" in text
    assert yaml.safe_load(text)["scheduler"]["workflowExecutor"]["accountId"] == "123456789012"


def test_yaml_formats_start_with_a_header_naming_the_environment() -> None:
    env = scenario_environments("default")[0]
    for fmt in ("scheduler", "flyte-core", "flyte-binary"):
        assert emit(env, fmt).startswith("# environment default\n")
    assert (
        json.loads(emit(env, "json"))["scheduler"]["eventScheduler"]["scheduleNamePrefix"]
        == "flyte"
    )


def test_helm_values_annotate_the_service_account_when_we_created_the_role() -> None:
    irsa = scenario_environments("irsa")[0]
    role = "arn:aws:iam::123456789012:role/flyte-irsa-flyteadmin"
    core = yaml.safe_load(emit(irsa, "flyte-core"))
    assert core["workflow_scheduler"]["enabled"] is True
    assert core["workflow_scheduler"]["type"] == "aws"
    assert core["flyteadmin"]["serviceAccount"]["annotations"] == {
        "eks.amazonaws.com/role-arn": role
    }
    binary = yaml.safe_load(emit(irsa, "flyte-binary"))
    assert binary["serviceAccount"]["annotations"] == {"eks.amazonaws.com/role-arn": role}
    plain = yaml.safe_load(emit(scenario_environments("default")[0], "flyte-core"))
    assert "flyteadmin" not in plain, "mode none: no role of ours to annotate"


def test_schedule_role_mode_annotates_with_the_schedule_role() -> None:
    env = scenario_environments("schedule-role")[0]
    core = yaml.safe_load(emit(env, "flyte-core"))
    block = scheduler_of(core, "flyte-core")
    assert (
        core["flyteadmin"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
        == (block["eventScheduler"]["scheduleRole"])
    )


def test_the_rendered_block_is_exactly_flyteadmins_flat_config() -> None:
    """Expected values written out by hand (the governed scenario: IAM path, irsa, kms)."""
    env = scenario_environments("governed")[0]
    assert yaml.safe_load(emit(env, "scheduler")) == {
        "scheduler": {
            "reconnectAttempts": 10,
            "reconnectDelaySeconds": 30,
            "eventScheduler": {
                "scheme": "aws",
                "region": "us-east-1",
                "scheduleRole": "arn:aws:iam::123456789012:role/platform/flyte/flyte-gov-schedule-role",
                "targetName": "arn:aws:sqs:us-east-1:123456789012:flyte-gov-schedules",
                "scheduleNamePrefix": "flyte-gov",
            },
            "workflowExecutor": {
                "scheme": "aws",
                "region": "us-east-1",
                "scheduleQueueName": "flyte-gov-schedules",
                "accountId": "123456789012",
            },
        }
    }
    core = yaml.safe_load(emit(env, "flyte-core"))
    assert core["flyteadmin"]["serviceAccount"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/platform/flyte/flyte-gov-flyteadmin"
    }
