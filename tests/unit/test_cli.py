"""The flyte-scheduler CLI: commands, exit codes, atomic output, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from flyte_scheduler.cli import build_parser, main
from tests.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = (
    "config",
    "lint-config",
    "rule-name",
    "check-schedule",
    "audit",
    "doctor",
    "adopt",
    "smoke",
    "emulator",
    "demo",
)


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(SCENARIOS["irsa"])
    return path


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flyte_scheduler", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    assert f"usage: flyte-scheduler {command}" in capsys.readouterr().out


def test_the_parser_knows_exactly_the_documented_commands() -> None:
    subcommands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert isinstance(subcommands, dict)
    assert set(subcommands) == set(COMMANDS)


def test_config_prints_the_scheduler_block(
    settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "--env", "irsa", "--settings", str(settings)]) == 0
    document = yaml.safe_load(capsys.readouterr().out)
    assert document["scheduler"]["workflowExecutor"]["scheduleQueueName"] == "flyte-irsa-schedules"


def test_config_writes_the_file_atomically(settings: Path, tmp_path: Path) -> None:
    target = tmp_path / "values.yaml"
    args = ["config", "--env", "irsa", "--settings", str(settings), "--format", "flyte-core"]
    assert main([*args, "-o", str(target)]) == 0
    assert yaml.safe_load(target.read_text())["workflow_scheduler"]["type"] == "aws"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.yaml", "values.yaml"]


def test_bad_settings_exit_2_and_leave_the_output_untouched(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCENARIOS["irsa"].replace('"123456789012"', "12345678901"))
    target = tmp_path / "values.yaml"
    target.write_text("previous\n")
    result = run("config", "--env", "irsa", "--settings", str(bad), "-o", str(target))
    assert result.returncode == 2
    assert "environment 'irsa', field 'account'" in result.stderr
    assert "Traceback" not in result.stderr
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "values.yaml"]


def test_an_unknown_environment_exits_2(settings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--env", "prod", "--settings", str(settings)]) == 2
    assert "known: irsa" in capsys.readouterr().err


def test_a_missing_outputs_file_exits_2(settings: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["config", "--env", "irsa", "--settings", str(settings), "--outputs-file", "nope.json"]
    )
    assert code == 2
    assert "cannot open the outputs file" in capsys.readouterr().err


def test_from_stack_uses_the_aws_environment_and_fails_cleanly(settings: Path) -> None:
    env = dict(os.environ)
    env.update(
        AWS_ENDPOINT_URL="http://127.0.0.1:9",  # nothing listens: refused at once, never AWS
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_MAX_ATTEMPTS="1",
    )
    result = run("config", "--env", "irsa", "--settings", str(settings), "--from-stack", env=env)
    assert result.returncode == 1
    assert "stack FlyteScheduler-irsa in us-east-1" in result.stderr
    assert "127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.stderr


def test_lint_config_exit_codes(
    settings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.yaml"
    assert main(["config", "--env", "irsa", "--settings", str(settings), "-o", str(good)]) == 0
    lint = ["lint-config", "--settings", str(settings)]
    assert main([*lint, str(good), "--env", "irsa"]) == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        good.read_text().replace("accountId: '123456789012'", "accountId: 123456789012")
    )
    assert main([*lint, str(broken)]) == 1
    out = capsys.readouterr().out
    assert f"{broken}:16: scheduler.workflowExecutor.accountId: unquoted" in out
    assert "fix: quote it" in out
    assert main([*lint, str(tmp_path / "absent.yaml")]) == 2


def test_rule_name_from_prefix_or_environment(
    settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rule-name", "project", "domain", "name", "--prefix", "flyte"]) == 0
    assert capsys.readouterr().out == "flyte_16301494360130577061\n"
    args = ["rule-name", "flytesnacks", "production", "my_wf_daily", "--env", "irsa"]
    assert main([*args, "--settings", str(settings)]) == 0
    assert capsys.readouterr().out == "flyte-irsa_16158393703659277889\n"


def test_check_schedule_gives_the_verdict_as_its_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check-schedule", "90 minutes"]) == 0
    out = capsys.readouterr().out
    assert "works: flyteadmin sends rate(90 minutes)" in out
    assert "verdict: fires on current Flyte" in out
    assert main(["check-schedule", "cron(0 10 * * ? *)"]) == 1
    out = capsys.readouterr().out
    assert "flyteadmin >= 1.14.0:  fails at registration" in out
    assert "flyteadmin < 1.14.0:   works: flyteadmin sends cron(0 10 * * ? *)" in out
    assert out.count(" 10:00 (") == 5, "fire times where it works (before 1.14.0)"
    assert "instead:               FixedRate(duration=timedelta(days=1)) -> rate(1 day)" in out
    assert main(["check-schedule", "cron(0 10 * * * *)"]) == 1
    assert "day-of-month/day-of-week" in capsys.readouterr().out
    assert main(["check-schedule", "hello world"]) == 2
    assert "invalid schedule" in capsys.readouterr().err


def test_config_command_imports_no_aws_cdk(settings: Path) -> None:
    script = (
        "import sys, io, contextlib\n"
        "from flyte_scheduler.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['config', '--env', 'irsa', '--settings', {str(settings)!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii', 'boto3')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("flyte-scheduler")
    result = subprocess.run(
        [script, "rule-name", "project", "domain", "name", "--prefix", "x"],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout) == (0, "x_16301494360130577061\n")


def test_sigterm_unwinds_and_exits_130() -> None:
    """A terminated live command runs its cleanup (finally blocks) and says so."""
    script = (
        "import os, signal, sys\n"
        "from flyte_scheduler import cli\n"
        "def slow(args):\n"
        "    try:\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        signal.pause()\n"
        "    finally:\n"
        "        print('cleanup ran')\n"
        "    return 0\n"
        "cli.cmd_check_schedule = slow\n"
        "sys.exit(cli.main(['check-schedule', 'rate(1 day)']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 130
    assert "cleanup ran" in result.stdout
    assert "interrupted (cleaned up)" in result.stderr
    assert "Traceback" not in result.stderr
