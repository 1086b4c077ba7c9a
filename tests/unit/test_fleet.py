"""doctor and config over several environments: sections, summary, exit code, the JSON schema,
per-environment credentials (checks are stubbed; the live path is in the integration tier)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from flyte_scheduler import cli
from flyte_scheduler.doctor_checks import CheckResult, Status
from flyte_scheduler.doctor_report import DoctorReport
from flyte_scheduler.options import EnvironmentSettings

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "doctor.schema.json").read_text())
SETTINGS = """
environments:
  prod-a: {account: "111111111111", region: us-east-1, schedule_name_prefix: flyte-a}
  prod-b: {account: "222222222222", region: eu-west-1, schedule_name_prefix: flyte-b}
  prod-c:
    account: "333333333333"
    region: us-east-1
    schedule_name_prefix: flyte-c
    aws: {profile: no-such-profile-anywhere}
"""


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(SETTINGS)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    return path


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """prod-b has a failing rules check; prod-a is healthy; prod-c really runs (bad profile)."""
    ran: list[str] = []
    real = DoctorReport.run

    def fake(env: EnvironmentSettings, simulate: bool, findings: object = None) -> DoctorReport:
        ran.append(env.name)
        if env.aws.profile:
            return real(env, simulate)
        status: Status = "fail" if env.name == "prod-b" else "pass"
        results = [
            CheckResult("queue policy", "pass", "only rules may send"),
            CheckResult(
                f"rules {env.prefix}_*", status, "flyte-b_x has an event pattern", "delete it"
            ),
        ]
        return DoctorReport(env, results, 0.1, {"events.ListRules": 2}, {"rules": 0.05})

    monkeypatch.setattr(DoctorReport, "run", staticmethod(fake))
    return ran


def test_doctor_all_prints_a_section_per_environment_and_a_summary(
    settings: Path, stubbed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["doctor", "--all", "--settings", str(settings), "--verbose"])
    out = capsys.readouterr().out
    assert code == 1
    assert sorted(stubbed) == ["prod-a", "prod-b", "prod-c"]
    sections = [line for line in out.splitlines() if line.startswith("== ")]
    assert sections == [
        "== prod-a (111111111111, us-east-1)",
        "== prod-b (222222222222, eu-west-1)",
        "== prod-c (333333333333, us-east-1)",
    ]
    assert "3 environments: 1 healthy, 2 failing: prod-b, prod-c" in out
    assert "api calls: 2 (events.ListRules 2)" in out


def test_a_missing_profile_fails_that_environment_only(
    settings: Path, stubbed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["doctor", "--env", "prod-c", "--settings", str(settings)])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL  credentials: ProfileNotFound" in out and "aws.profile" in out


def test_doctor_json_follows_the_documented_schema(
    settings: Path, stubbed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        [
            "doctor",
            "--env",
            "prod-a",
            "--env",
            "prod-b",
            "--settings",
            str(settings),
            "--format",
            "json",
        ]
    )
    rows = json.loads(capsys.readouterr().out)
    jsonschema.validate(rows, SCHEMA)
    assert code == 1
    assert [(r["environment"], r["check"], r["status"]) for r in rows] == [
        ("prod-a", "queue policy", "pass"),
        ("prod-a", "rules flyte-a_*", "pass"),
        ("prod-b", "queue policy", "pass"),
        ("prod-b", "rules flyte-b_*", "fail"),
    ]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**rows[0], "status": "ok"}], SCHEMA)


def test_config_all_writes_one_file_per_environment(
    settings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "configs"
    out.mkdir()
    assert (
        cli.main(
            [
                "config",
                "--all",
                "--settings",
                str(settings),
                "-o",
                str(out),
                "--format",
                "flyte-core",
            ]
        )
        == 0
    )
    written = sorted(p.name for p in out.iterdir())
    assert written == ["prod-a.flyte-core.yaml", "prod-b.flyte-core.yaml", "prod-c.flyte-core.yaml"]
    assert "scheduleNamePrefix: flyte-b" in (out / "prod-b.flyte-core.yaml").read_text()
    assert cli.main(["config", "--all", "--settings", str(settings)]) == 2
    assert "need -o FOLDER" in capsys.readouterr().err
