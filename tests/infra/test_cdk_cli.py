"""The real CDK CLI (pinned in package.json) runs the app: templates, context, failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.scenarios import SCENARIOS

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
CDK = ROOT / "node_modules" / ".bin" / "cdk"
BAD_SETTINGS = """
environments:
  prod: {account: "12345", region: us-east-1, schedule_name_prefix: flyte}
"""


def cdk_environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    for key in list(env):
        if key.startswith("AWS_"):
            del env[key]  # synth needs no credentials
    return env


def synth(settings: Path, outdir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [str(CDK), "synth", "--no-notices", "-q", "-c", f"settings={settings}"]
    return subprocess.run(
        [*command, "-o", str(outdir), *extra],
        cwd=ROOT,
        env=cdk_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cdk_synth_writes_one_template_per_environment(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(SCENARIOS["multi"])
    result = synth(settings, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    templates = sorted(p.name for p in (tmp_path / "out").glob("*.template.json"))
    assert templates == [
        "FlyteScheduler-multi-prod.template.json",
        "FlyteScheduler-multi-staging.template.json",
    ]
    template = json.loads((tmp_path / "out" / templates[0]).read_text())
    assert template["Outputs"]["ScheduleNamePrefix"]["Value"] == "flyte-prod"


def test_env_context_limits_the_app_to_one_environment(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(SCENARIOS["multi"])
    result = synth(settings, tmp_path / "out", "-c", "env=multi-staging")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (tmp_path / "out").glob("*.template.json")] == [
        "FlyteScheduler-multi-staging.template.json"
    ]


def test_invalid_settings_fail_the_synth_with_the_message_and_no_output(tmp_path: Path) -> None:
    settings = tmp_path / "bad.yaml"
    settings.write_text(BAD_SETTINGS)
    result = synth(settings, tmp_path / "out")
    assert result.returncode != 0
    assert (
        "environment 'prod', field 'account' = '12345': must be exactly 12 digits" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert not list((tmp_path / "out").glob("*.template.json"))


def test_the_app_exits_2_on_invalid_settings_and_writes_nothing(tmp_path: Path) -> None:
    settings = tmp_path / "bad.yaml"
    settings.write_text(BAD_SETTINGS)
    outdir = tmp_path / "out"
    env = cdk_environment()
    env["CDK_CONTEXT_JSON"] = json.dumps({"settings": str(settings)})
    env["CDK_OUTDIR"] = str(outdir)
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "field 'account'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not outdir.exists() or not any(outdir.iterdir())
