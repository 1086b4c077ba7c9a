"""doctor --all and config --all over two environments in the emulator: one reached through a
named profile, one through an assumed role; JSON verdicts, including a seeded foreign rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from flyte_scheduler.demo import deploy
from flyte_scheduler.settings import parse_settings
from tests.integration.conftest import ACCOUNT, DLQ, REGION, Deployed

pytestmark = pytest.mark.integration

ROLE = "fleet-doctor"
FLEET_ENVIRONMENT = f"""
  fleet:
    account: "{ACCOUNT}"
    region: {REGION}
    schedule_name_prefix: flyte-fleet
    removal_policy: destroy
    aws: {{role_arn: "arn:aws:iam::{ACCOUNT}:role/{ROLE}", external_id: fleet-check}}
"""
FOREIGN = "flyte-fleet_exfil"


@pytest.fixture(scope="module")
def fleet(deployed: Deployed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("fleet")
    settings = work / "fleet.yaml"
    # The integration environment as deployed now (earlier tests redeploy it with other tunables),
    # reached through a profile; and a second environment, reached through an assumed role.
    current = deployed.settings_path.read_text()
    text = (
        current.replace(
            "    iam: {path: /flyte/it/}",
            "    iam: {path: /flyte/it/}\n    aws: {profile: fleet-profile}",
        )
        + FLEET_ENVIRONMENT
    )
    settings.write_text(text)
    assert "fleet-profile" in settings.read_text()
    deploy(parse_settings(text).environments["fleet"], str(settings), deployed.aws, work)
    sqs = deployed.client(
        "sqs"
    )  # poison messages earlier tests left behind would fail the DLQ check
    sqs.purge_queue(QueueUrl=sqs.get_queue_url(QueueName=DLQ)["QueueUrl"])
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
        ]
    }
    deployed.client("iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    (work / "config").write_text(f"[profile fleet-profile]\nregion = {REGION}\n")
    (work / "credentials").write_text(
        f"[fleet-profile]\naws_access_key_id = {ACCOUNT}\naws_secret_access_key = test\n"
    )
    events = deployed.client("events")
    events.put_rule(Name=FOREIGN, EventPattern=json.dumps({"source": ["aws.iam"]}))
    events.put_targets(
        Rule=FOREIGN,
        Targets=[{"Id": "bus", "Arn": "arn:aws:events:us-east-1:999999999999:event-bus/default"}],
    )
    env = dict(os.environ)
    env.update(
        AWS_CONFIG_FILE=str(work / "config"), AWS_SHARED_CREDENTIALS_FILE=str(work / "credentials")
    )
    yield {"settings": settings, "env": env, "work": work}
    events.remove_targets(Rule=FOREIGN, Ids=["bus"])
    events.delete_rule(Name=FOREIGN)


def cli(fleet: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flyte_scheduler", *args, "--settings", str(fleet["settings"])],
        capture_output=True,
        text=True,
        env=fleet["env"],
        timeout=300,
    )


def test_doctor_all_json_gives_each_environments_verdicts(fleet: dict[str, Any]) -> None:
    result = cli(fleet, "doctor", "--all", "--format", "json")
    assert result.returncode == 1, result.stderr
    rows = json.loads(result.stdout)
    failing = {(row["environment"], row["check"]) for row in rows if row["status"] == "fail"}
    assert failing == {("fleet", "rules flyte-fleet_*")}
    (rules,) = [r for r in rows if r["check"] == "rules flyte-fleet_*"]
    assert f"{FOREIGN} has not a name flyteadmin gives" in rules["evidence"]
    assert {row["environment"] for row in rows} == {"integration", "fleet"}


def test_each_environment_uses_its_own_credentials(fleet: dict[str, Any]) -> None:
    result = cli(fleet, "doctor", "--all", "--verbose")
    sections = result.stdout.split("== ")
    (fleet_section,) = [s for s in sections if s.startswith("fleet ")]
    (profile_section,) = [s for s in sections if s.startswith("integration ")]
    assert "sts.AssumeRole 1" in fleet_section, fleet_section
    assert "sts.AssumeRole" not in profile_section
    assert "2 environments: 1 healthy, 1 failing: fleet" in result.stdout


def test_config_all_writes_every_environments_config_from_the_stacks(fleet: dict[str, Any]) -> None:
    out = fleet["work"] / "configs"
    out.mkdir()
    result = cli(fleet, "config", "--all", "--from-stack", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "fleet.scheduler.yaml",
        "integration.scheduler.yaml",
    ]
    for name in ("fleet", "integration"):
        offline = cli(fleet, "config", "--env", name)
        body = (out / f"{name}.scheduler.yaml").read_text().split("\n", 2)[2]
        assert body == offline.stdout.split("\n", 2)[2]
