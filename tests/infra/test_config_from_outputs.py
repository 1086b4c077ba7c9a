"""Config from a deployed stack's outputs equals config from the settings alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flyte_scheduler.cli import main
from flyte_scheduler.config_render import FORMATS
from tests.cfn_resolve import TemplateResolver
from tests.infra.conftest import Synthesized
from tests.scenarios import SCENARIOS

pytestmark = pytest.mark.infra


def body(text: str) -> str:
    """The emitted config without its header comment (which names the source)."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))


def write_outputs_file(synthesized: Synthesized, scenario: str, path: Path) -> dict[str, str]:
    stack = synthesized.stack(scenario)
    template = synthesized.templates[stack.stack_name].to_json()
    outputs = TemplateResolver(template, stack.account, stack.region).resolved_outputs()
    path.write_text(json.dumps({stack.stack_name: outputs}))
    return outputs


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "multi"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_outputs_file_and_settings_give_the_same_config(
    synthesized: Synthesized,
    scenario: str,
    fmt: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(SCENARIOS[scenario])
    outputs = tmp_path / "outputs.json"
    write_outputs_file(synthesized, scenario, outputs)
    env = synthesized.stack(scenario).settings.name
    common = ["config", "--env", env, "--settings", str(settings), "--format", fmt]
    assert main(common) == 0
    offline = capsys.readouterr().out
    assert main([*common, "--outputs-file", str(outputs)]) == 0
    deployed = capsys.readouterr().out
    assert ("from outputs file" in deployed) == (fmt != "json"), "YAML headers name the source"
    assert body(deployed) == body(offline)


def test_resolved_outputs_are_concrete_strings(synthesized: Synthesized, tmp_path: Path) -> None:
    outputs = write_outputs_file(synthesized, "irsa", tmp_path / "outputs.json")
    assert outputs["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:flyte-irsa-schedules"
    assert outputs["FlyteadminRoleArn"] == "arn:aws:iam::123456789012:role/flyte-irsa-flyteadmin"
    assert outputs["QueueUrl"].endswith("/123456789012/flyte-irsa-schedules")


def test_an_outputs_file_of_another_deployment_is_refused(
    synthesized: Synthesized, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(SCENARIOS["default"])
    outputs_path = tmp_path / "outputs.json"
    outputs = write_outputs_file(synthesized, "default", outputs_path)
    outputs["QueueArn"] = outputs["QueueArn"].replace("flyte-schedules", "someone-elses")
    outputs_path.write_text(json.dumps({"FlyteScheduler-default": outputs}))
    code = main(
        [
            "config",
            "--env",
            "default",
            "--settings",
            str(settings),
            "--outputs-file",
            str(outputs_path),
        ]
    )
    assert code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "disagrees with the settings of 'default'" in captured.err
    assert "queue_arn" in captured.err
