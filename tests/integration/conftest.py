"""One emulator per test session, with the `integration` environment bootstrapped and deployed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from flyte_scheduler import emulator
from flyte_scheduler.demo import deploy
from flyte_scheduler.options import EnvironmentSettings
from flyte_scheduler.settings import parse_settings

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT, REGION = "123456789012", "us-east-1"
STACK = "FlyteScheduler-integration"
QUEUE, DLQ = "flyte-it-schedules", "flyte-it-schedules-dlq"

# Retained queues (the destroy test checks they stay), and a tiny redrive so a poison message
# reaches the DLQ within seconds.
SETTINGS = f"""
environments:
  integration:
    account: "{ACCOUNT}"
    region: {REGION}
    schedule_name_prefix: flyte-it
    queue: {{visibility_timeout_seconds: 1, max_receive_count: 2}}
    removal_policy: retain
    termination_protection: false   # retain alone would protect it; the destroy test needs it off
    iam: {{path: /flyte/it/}}       # role ARNs with a path, end to end: PutRule fails on a wrong one
"""


@dataclass
class Deployed:
    """The running emulator and what was deployed into it."""

    emulator: emulator.Emulator
    env: EnvironmentSettings
    settings_path: Path
    out: Path
    aws: dict[str, str]

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``flyte-scheduler`` with these settings, pointed at the emulator."""
        return subprocess.run(
            [sys.executable, "-m", "flyte_scheduler", *args, "--settings", str(self.settings_path)],
            capture_output=True,
            text=True,
            env=dict(os.environ),
            timeout=180,
        )

    def redeploy(self, settings_text: str, log_name: str) -> str:
        """Deploy again with other settings; returns the CDK CLI's output."""
        self.settings_path.write_text(settings_text)
        env = parse_settings(settings_text).environments["integration"]
        deploy(env, str(self.settings_path), self.aws, self.out)
        log = self.out / log_name
        (self.out / "cdk-deploy.log").rename(log)
        return log.read_text()


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    work = tmp_path_factory.mktemp("integration")
    settings_path = work / "flyte-scheduler.yaml"
    settings_path.write_text(SETTINGS)
    env = parse_settings(SETTINGS).environments["integration"]
    running = emulator.start(state_dir=work / "emulator", python=ROOT / emulator.DEFAULT_PYTHON)
    aws = running.aws_environment(ACCOUNT, REGION)
    saved = {key: os.environ.get(key) for key in aws}
    os.environ.update(aws)
    try:
        deploy(env, str(settings_path), aws, work)
        yield Deployed(running, env, settings_path, work, aws)
    finally:
        emulator.stop(work / "emulator")
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
