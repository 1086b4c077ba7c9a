"""`audit` on a real `pyflyte package` archive of a small Flyte project with every schedule form.

The project is packaged by the real flytekit (.venv-flytekit, pinned); the expected verdicts come
from flyteadmin's code (see tests/unit/test_launch_plan_schedules.py for the lines), written out
here as literals, not computed by the code under test.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from flyte_scheduler.cli import main
from flyte_scheduler.naming import rule_name

pytestmark = pytest.mark.flytekit

ROOT = Path(__file__).resolve().parents[2]
PYFLYTE = ROOT / ".venv-flytekit" / "bin" / "pyflyte"

PROJECT = """
from datetime import datetime, timedelta

from flytekit import CronSchedule, FixedRate, LaunchPlan, task, workflow
from flytekit.models.schedule import Schedule


@task
def report(at: datetime) -> str:
    return at.isoformat()


@workflow
def nightly(at: datetime) -> str:
    return report(at=at)


hourly = LaunchPlan.get_or_create(
    nightly, name="hourly", schedule=FixedRate(timedelta(hours=1), kickoff_time_input_arg="at")
)
every_90 = LaunchPlan.get_or_create(
    nightly, name="every_90", schedule=FixedRate(timedelta(minutes=90), kickoff_time_input_arg="at")
)
never = LaunchPlan.get_or_create(
    nightly, name="never", schedule=FixedRate(timedelta(0), kickoff_time_input_arg="at")
)
five_minutes = LaunchPlan.get_or_create(
    nightly, name="five_minutes", schedule=CronSchedule(schedule="*/5 * * * *", kickoff_time_input_arg="at")
)
at_daily = LaunchPlan.get_or_create(
    nightly, name="at_daily", schedule=CronSchedule(schedule="@daily", kickoff_time_input_arg="at")
)
bare_daily = LaunchPlan.get_or_create(
    nightly, name="bare_daily", schedule=CronSchedule(schedule="daily", kickoff_time_input_arg="at")
)
# flytekit >= 1.12.1 refuses CronSchedule(cron_expression=...); the model class still writes it.
aws_cron = LaunchPlan.get_or_create(
    nightly, name="aws_cron", schedule=Schedule("at", cron_expression="0 10 * * ? *")
)
five_field_expression = LaunchPlan.get_or_create(
    nightly, name="five_field_expression", schedule=Schedule("at", cron_expression="0 10 * * *")
)
unscheduled = LaunchPlan.get_or_create(nightly, name="unscheduled", default_inputs={"at": datetime(2026, 1, 1)})
"""

# launch plan -> (verdict on current Flyte, expression flyteadmin sends)
EXPECTED = {
    "hourly": ("works", "rate(1 hour)"),
    "every_90": ("works", "rate(90 minutes)"),
    "never": ("registers but never fires", None),
    "five_minutes": ("fails at activation", None),
    "at_daily": ("fails at activation", None),
    "bare_daily": ("fails at registration", None),
    "aws_cron": ("fails at registration", None),
    "five_field_expression": ("fails at activation", None),
}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("flyte-project")
    (project / "schedules").mkdir()
    (project / "schedules" / "__init__.py").write_text("")
    (project / "schedules" / "plans.py").write_text(PROJECT)
    archive = project / "flyte-package.tgz"
    result = subprocess.run(
        [str(PYFLYTE), "--pkgs", "schedules", "package", "--image", "example.org/flyte:1", "-f"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": str(PYFLYTE.parent) + ":/usr/bin:/bin", "HOME": str(project)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return archive


def audit(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(
        ["audit", *args, "--project", "flytesnacks", "--domain", "production", "--prefix", "flyte"]
    )
    return code, capsys.readouterr().out


def test_audit_gives_flyteadmins_verdict_for_every_schedule_form(
    package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = audit([str(package), "--format", "json"], capsys)
    rows = {row["launch_plan"]: row for row in json.loads(out)}
    assert {name: (row["verdict"], row["expression"]) for name, row in rows.items()} == EXPECTED
    assert code == 1, "some scheduled launch plans will not fire"
    for name, row in rows.items():
        assert row["rule_name"] == rule_name("flyte", "flytesnacks", "production", name)
        assert row["kickoff_time_arg"] == "at"
    assert len(rows["hourly"]["next_fires"]) == 3
    assert rows["five_minutes"]["instead"].startswith(
        "FixedRate(duration=timedelta(minutes=5)) -> rate(5 minutes)"
    )
    assert rows["aws_cron"]["verdict_before_1_14"] == "works"


def test_audit_reads_a_folder_of_serialized_files_the_same_way(
    package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with tarfile.open(package) as archive:
        archive.extractall(tmp_path, filter="data")
    code, out = audit([str(tmp_path), "--format", "json"], capsys)
    assert {row["launch_plan"]: row["verdict"] for row in json.loads(out)} == {
        name: verdict for name, (verdict, _) in EXPECTED.items()
    }
    assert code == 1


def test_audit_passes_a_project_whose_schedules_all_fire(
    package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with tarfile.open(package) as archive:
        for member in archive.getmembers():
            if member.name.endswith(("_hourly_3.pb", "_every_90_3.pb", "_1.pb", "_2.pb")):
                archive.extract(member, tmp_path, filter="data")
    code, out = audit([str(tmp_path)], capsys)
    assert code == 0, out
    assert "2 scheduled launch plan(s) of 2" in out and "2 fire, 0 will not" in out


@pytest.mark.parametrize("broken", ["not-an-archive", "garbage.pb"])
def test_audit_refuses_what_is_not_a_package(
    broken: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if broken == "garbage.pb":
        (tmp_path / "01_x_3.pb").write_bytes(b"\xff\xff\xff\xff")
        target = tmp_path
    else:
        target = tmp_path / "flyte-package.tgz"
        target.write_text("hello")
    code = main(["audit", str(target), "--project", "p", "--domain", "d", "--prefix", "flyte"])
    error = capsys.readouterr().err
    assert code == 2 and "Traceback" not in error
    assert "not a serialized LaunchPlan" in error or "not a readable pyflyte package" in error
