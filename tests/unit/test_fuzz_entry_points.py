"""Property-based fuzzing of every file-reading entry point (hypothesis).

For arbitrary YAML and JSON trees, settings-shaped documents with random values, deep nesting,
random bytes and huge scalars, each entry point must: exit 0, 1 or 2 (argparse's usage error is
2 too), never let an exception escape, finish within CALL_SECONDS (an alarm turns a hang into a failure),
stay within a memory bound, and change no file but its own output. `make test` runs a few dozen examples per
property; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) runs thousands.
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flyte_scheduler.cli import main
from flyte_scheduler.problems import SettingsError
from tests.cdk_app import load_app
from tests.scenarios import SCENARIOS

MEMORY_BOUND = 100_000_000
"""Peak bytes a single entry point may allocate, traced for inputs under TRACED_BELOW bytes
(tracing a pure-Python YAML parse of a 1 MB file takes seconds; the 1 MB input cap bounds
those, and the table tests prove the cap)."""
TRACED_BELOW = 65_536

CALL_SECONDS = 20
"""An entry point still running after this is a hang (SIGALRM fails the example); normal calls
take well under a second even on a 1 MB input."""
QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
settings.register_profile("default", max_examples=30, deadline=None, suppress_health_check=QUIET)
settings.register_profile("fuzz", max_examples=2_000, deadline=None, suppress_health_check=QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


APP = load_app()

# Strategies ------------------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
)
keys = st.text(max_size=12) | st.integers(-5, 5) | st.booleans()
trees = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)
KNOWN_KEYS = [
    "account",
    "region",
    "schedule_name_prefix",
    "queue",
    "encryption",
    "schedule_role_name",
    "flyteadmin",
    "alarms",
    "removal_policy",
    "reconnect_attempts",
    "reconnect_delay_seconds",
    "tags",
]
plausible = {
    "account": st.sampled_from(["123456789012", "000000000000", "12345", 123456789012]),
    "region": st.sampled_from(["us-east-1", "eu-west-1", "mars-1", ""]),
    "schedule_name_prefix": st.text(alphabet="abz_.-9é", max_size=50),
}
environment = st.dictionaries(st.sampled_from(KNOWN_KEYS), trees, max_size=6).flatmap(
    lambda base: st.fixed_dictionaries(
        {key: value for key, value in plausible.items() if key not in base}
    ).map(lambda extra: {**base, **extra})
)
settings_documents = st.fixed_dictionaries(
    {"environments": st.dictionaries(st.sampled_from(["dev", "e", "x-1", "9"]), environment)}
)


def yaml_text(tree: Any) -> str:
    return yaml.safe_dump(tree, allow_unicode=True)


def json_text(tree: Any) -> str:
    return json.dumps(tree, default=str)


deep = st.tuples(st.integers(1, 400), st.sampled_from(["[", "{a: ", "- "])).map(
    lambda spec: "scheduler: " + spec[1] * spec[0] + ("]" * spec[0] if spec[1] == "[" else "")
)
hostile_files = st.one_of(
    settings_documents.map(yaml_text),
    trees.map(yaml_text),
    trees.map(json_text),
    deep,
    st.binary(max_size=3_000),
    st.integers(999_990, 1_000_010).map(lambda size: "a: " + "x" * size),
)

# Harness ---------------------------------------------------------------------------------------


def folder_state(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@contextmanager
def workspace(content: str | bytes) -> Iterator[tuple[Path, Path, Path]]:
    """A folder with the fuzzed file, a valid settings file and an output path."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        fuzzed = root / "input"
        fuzzed.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        valid = root / "valid.yaml"
        valid.write_text(SCENARIOS["default"])
        yield fuzzed, valid, root / "out.yaml"


def entry_points(fuzzed: Path, valid: Path, out: Path) -> dict[str, Callable[[], int]]:
    def app_settings_path() -> int:
        try:
            APP.selected_environments({"settings": str(fuzzed)})
        except SettingsError:
            return 2
        return 0

    return {
        "config": lambda: main(
            ["config", "--env", "dev", "--settings", str(fuzzed), "-o", str(out)]
        ),
        "rule-name": lambda: main(
            ["rule-name", "p", "d", "n", "--env", "dev", "--settings", str(fuzzed)]
        ),
        "lint-config": lambda: main(["lint-config", str(fuzzed)]),
        "lint-config --env": lambda: main(
            ["lint-config", str(fuzzed), "--env", "default", "--settings", str(valid)]
        ),
        "config --outputs-file": lambda: main(
            ["config", "--env", "default", "--settings", str(valid), "--outputs-file", str(fuzzed)]
        ),
        "app.py settings": app_settings_path,
    }


def hung(name: str) -> Callable[[int, Any], None]:
    def fail(signum: int, frame: Any) -> None:
        raise TimeoutError(f"{name} still running after {CALL_SECONDS} s: a hang")

    return fail


def run_every_entry_point(content: str | bytes, capsys: pytest.CaptureFixture[str]) -> None:
    with workspace(content) as (fuzzed, valid, out):
        root = fuzzed.parent
        before = folder_state(root)
        traced = len(content) < TRACED_BELOW
        for name, call in entry_points(fuzzed, valid, out).items():
            if traced:
                tracemalloc.start()
            signal.signal(signal.SIGALRM, hung(name))
            signal.alarm(CALL_SECONDS)
            try:
                code = call()
            except SystemExit as exited:  # argparse usage errors
                code = exited.code if isinstance(exited.code, int) else 2
            finally:
                signal.alarm(0)
                peak = tracemalloc.get_traced_memory()[1] if traced else 0
                tracemalloc.stop()
            error = capsys.readouterr().err
            assert code in (0, 1, 2), (name, code, error)
            assert "Traceback" not in error, (name, error)
            assert peak < MEMORY_BOUND, (name, f"allocated {peak} bytes at the peak")
            after = folder_state(root)
            after.pop("out.yaml", None)
            assert after == before, f"{name} changed files other than its output"


# Properties ------------------------------------------------------------------------------------


@given(content=hostile_files)
def test_every_entry_point_survives_hostile_files(
    content: str | bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    run_every_entry_point(content, capsys)


@given(document=settings_documents)
def test_settings_shaped_documents_are_valid_or_refused_with_a_field(
    document: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    with workspace(yaml_text(document)) as (fuzzed, _, out):
        code = main(["config", "--env", "dev", "--settings", str(fuzzed), "-o", str(out)])
        error = capsys.readouterr().err
        assert code in (0, 2), error
        if code == 2:
            assert "field '" in error or "environment" in error, error
        else:
            assert "scheduler:" in out.read_text()


@given(project=st.text(max_size=30), domain=st.text(max_size=30), name=st.text(max_size=30))
def test_rule_name_answers_every_identifier(
    project: str, domain: str, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["rule-name", "--prefix", "flyte", "--", project, domain, name])
    output = capsys.readouterr()
    assert code in (0, 2) and "Traceback" not in output.err
    assert (code == 0) == all((project, domain, name)), output
    if code == 0:
        assert output.out.startswith("flyte_") and output.out.strip()[6:].isdigit()
