"""Every input and output path as a careless or hostile user meets it: one test per known case.

Each case once crashed with a traceback, hung, ran out of memory or clobbered a file. Now: exit 2
with the path and the reason, within seconds, and nothing but the output path changes.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flyte_scheduler.cli import main
from flyte_scheduler.flyteadmin_messages import LaunchPlanId, input_template
from tests.cdk_app import load_app
from tests.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]
DEEP_LINT = "scheduler: " + "[" * 500 + "]" * 500
DEEP_SETTINGS = "environments: " + "[" * 330 + "]" * 330
DEEP_JSON = "[" * 100_000 + "]" * 100_000


APP = load_app()


@pytest.fixture
def settings(tmp_path: Path) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(SCENARIOS["default"])
    return path


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    yield path


def cli_process(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process, bounded: a hang fails the test instead of the suite."""
    return subprocess.run(
        [sys.executable, "-m", "flyte_scheduler", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


def exit_and_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    error = capsys.readouterr().err
    assert "Traceback" not in error
    return code, error


def app_exit(settings_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[object, str]:
    """``app.py`` as `cdk synth` runs it, for a settings file it must refuse before the CDK."""
    os.environ["CDK_CONTEXT_JSON"] = json.dumps({"settings": str(settings_path)})
    try:
        with pytest.raises(SystemExit) as exited:
            APP.main()
    finally:
        del os.environ["CDK_CONTEXT_JSON"]
    return exited.value.code, capsys.readouterr().err


def config_from_outputs(settings: Path, outputs: Path) -> list[str]:
    return [
        "config",
        "--env",
        "default",
        "--settings",
        str(settings),
        "--outputs-file",
        str(outputs),
    ]


# Reading ---------------------------------------------------------------------------------------


def test_lint_config_refuses_deep_nesting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "deep.yaml"
    config.write_text(DEEP_LINT)
    code, error = exit_and_error(["lint-config", str(config)], capsys)
    assert code == 2 and "nests deeper than 64 levels" in error


@pytest.mark.parametrize("command", ["config", "rule-name"])
def test_settings_refuse_deep_nesting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text(DEEP_SETTINGS)
    extra = ["p", "d", "n"] if command == "rule-name" else []
    code, error = exit_and_error([command, *extra, "--env", "x", "--settings", str(deep)], capsys)
    assert code == 2 and "nests deeper than 64 levels" in error and str(deep) in error


def test_app_refuses_deep_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text(DEEP_SETTINGS)
    code, error = app_exit(deep, capsys)
    assert code == 2 and "nests deeper than 64 levels" in error


def test_outputs_file_refuses_deep_nesting(
    tmp_path: Path, settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(DEEP_JSON)
    code, error = exit_and_error(config_from_outputs(settings, outputs), capsys)
    assert code == 2 and "nests deeper than 64 levels" in error


@pytest.mark.parametrize("entry", ["settings", "lint-config", "outputs-file"])
def test_dev_zero_is_refused_not_read_forever(
    entry: str, settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = {
        "settings": ["config", "--env", "default", "--settings", "/dev/zero"],
        "lint-config": ["lint-config", "/dev/zero"],
        "outputs-file": config_from_outputs(settings, Path("/dev/zero")),
    }[entry]
    code, error = exit_and_error(argv, capsys)
    assert code == 2 and "must be a regular file, not a character device" in error


def test_app_refuses_dev_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, error = app_exit(Path("/dev/zero"), capsys)
    assert code == 2 and "not a character device" in error


def test_a_fifo_with_no_writer_is_refused_not_waited_on(fifo: Path) -> None:
    """In a subprocess with a timeout: a hang would fail the test instead of the suite."""
    for argv in (["lint-config", str(fifo)], ["config", "--env", "x", "--settings", str(fifo)]):
        result = cli_process(argv)
        assert result.returncode == 2 and "not a FIFO" in result.stderr, result.stderr


def test_lint_config_has_a_size_cap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "values.yaml"
    big.write_text("# " + "x" * 1_000_000 + "\n")
    code, error = exit_and_error(["lint-config", str(big)], capsys)
    assert code == 2 and "larger than the limit of 1000000 bytes" in error


def test_a_file_that_is_not_utf8_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    latin = tmp_path / "values.yaml"
    latin.write_bytes(b"scheduler: {}\n# caf\xe9\n")
    code, error = exit_and_error(["lint-config", str(latin)], capsys)
    assert code == 2 and "is not UTF-8 (byte 19" in error


# Writing ---------------------------------------------------------------------------------------


def config_to(
    target: str | Path, settings: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    return exit_and_error(
        ["config", "--env", "default", "--settings", str(settings), "-o", str(target)], capsys
    )


def test_output_into_a_missing_directory_exits_2(
    tmp_path: Path, settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, error = config_to(tmp_path / "missing" / "out.yaml", settings, capsys)
    assert code == 2 and "No such file or directory" in error and "missing/out.yaml" in error


def test_output_onto_a_directory_exits_2(
    tmp_path: Path, settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, error = config_to(tmp_path, settings, capsys)
    assert code == 2 and "refusing to replace a directory" in error


def test_output_into_a_read_only_directory_exits_2(
    tmp_path: Path, settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Root ignores permission bits, so a read-only file system stands in for it there.
    if os.geteuid() == 0:
        target = Path("/proc/flyte-scheduler.yaml")
    else:
        read_only = tmp_path / "read-only"
        read_only.mkdir(mode=0o500)
        target = read_only / "out.yaml"
    code, error = config_to(target, settings, capsys)
    assert code == 2 and str(target) in error and "cannot write there" in error


def test_output_onto_a_fifo_with_no_reader_exits_2(
    fifo: Path, settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, error = config_to(fifo, settings, capsys)
    assert code == 2 and "nothing reads that pipe" in error
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_character_device_is_written_through_not_replaced(
    settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = config_to("/dev/null", settings, capsys)
    assert code == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_dev_stdout_receives_the_config(settings: Path) -> None:
    argv = ["config", "--env", "default", "--settings", str(settings), "-o", "/dev/stdout"]
    result = cli_process(argv)
    assert result.returncode == 0 and "scheduler:" in result.stdout


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600])
def test_replacing_a_file_keeps_its_mode(
    tmp_path: Path, settings: Path, capsys: pytest.CaptureFixture[str], mode: int
) -> None:
    existing = tmp_path / "flyteadmin.yaml"
    existing.write_text("old\n")
    existing.chmod(mode)
    code, _ = config_to(existing, settings, capsys)
    assert code == 0 and "scheduler:" in existing.read_text()
    assert stat.S_IMODE(existing.stat().st_mode) == mode


def test_a_new_file_gets_the_umask_mode(
    tmp_path: Path, settings: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    previous = os.umask(0o027)
    try:
        code, _ = config_to(tmp_path / "new.yaml", settings, capsys)
    finally:
        os.umask(previous)
    assert code == 0 and stat.S_IMODE((tmp_path / "new.yaml").stat().st_mode) == 0o640


# Arguments -------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", ["100000000", "-5", "0", "many"])
def test_check_schedule_count_is_bounded(count: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check-schedule", "rate(1 hour)", "--count", count])
    assert exited.value.code == 2
    assert "from 1 to 1000" in capsys.readouterr().err


def test_rule_name_refuses_an_argument_that_is_not_utf8(
    capsys: pytest.CaptureFixture[str],
) -> None:
    not_utf8 = os.fsdecode(b"caf\xe9")  # how Python passes such an argv entry
    code, error = exit_and_error(["rule-name", "--prefix", "flyte", not_utf8, "d", "n"], capsys)
    assert code == 2 and "project b'caf\\xe9' is not valid UTF-8" in error


@pytest.mark.parametrize("empty", ["project", "domain", "name"])
def test_rule_name_refuses_an_empty_identifier(
    empty: str, capsys: pytest.CaptureFixture[str]
) -> None:
    values = {"project": "p", "domain": "d", "name": "n", empty: ""}
    argv = ["rule-name", "--prefix", "flyte", values["project"], values["domain"], values["name"]]
    code, error = exit_and_error(argv, capsys)
    assert code == 2 and f"{empty} must not be empty" in error


def test_rule_name_help_shows_how_to_pass_a_leading_dash(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["rule-name", "--help"])
    assert "after '--'" in capsys.readouterr().out
    assert main(["rule-name", "--prefix", "flyte", "--", "-proj", "d", "n"]) == 0
    assert capsys.readouterr().out.startswith("flyte_")


# Fidelity --------------------------------------------------------------------------------------


def test_the_input_template_is_byte_identical_to_flyteadmins_for_non_ascii_names() -> None:
    # fmt.Sprintf(`{"time":%s,"kickoff_time_arg":"%s","payload":"%s"}`, ...) in flyteadmin's
    # serialization.go; payload = base64 of NamedEntityIdentifier{project:"p",domain:"d",name:"n"}.
    expected = '{"time":<time>,"kickoff_time_arg":"début_heure","payload":"CgFwEgFkGgFu"}'
    actual = input_template(LaunchPlanId("p", "d", "n"), "début_heure")
    assert actual.encode("utf-8") == expected.encode("utf-8")


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("a directory", "must be a regular file, not a directory"),
        ("a socket", "cannot open the config file (No such device or address)"),
        ("a character device", "must be a regular file, not a character device"),
    ],
)
def test_each_special_input_is_refused_saying_why(
    kind: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    if kind == "a directory":
        target = tmp_path
    elif kind == "a socket":
        target = tmp_path / "sock"
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(target))
    else:
        target = Path("/dev/null")
    code, error = exit_and_error(["lint-config", str(target)], capsys)
    assert code == 2 and said in error and str(target) in error
