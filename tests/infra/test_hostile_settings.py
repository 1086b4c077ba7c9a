"""Hostile and broken settings at every entry point: exit 2, a clear message, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flyte_scheduler.cli import main as cli_main
from tests.cdk_app import load_app
from tests.settings_cases import HOSTILE, INVALID

pytestmark = pytest.mark.infra

CASES = INVALID + HOSTILE


APP = load_app()


def folder_state(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize(
    ("text", "field", "rule"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_every_entry_point_refuses_with_exit_2_and_writes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    field: str,
    rule: str,
) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    existing = out / "scheduler.yaml"
    existing.write_text("previous\n")
    before = folder_state(tmp_path)

    monkeypatch.setenv("CDK_CONTEXT_JSON", json.dumps({"settings": str(settings)}))
    monkeypatch.setenv("CDK_OUTDIR", str(out / "cdk.out"))
    with pytest.raises(SystemExit) as exited:
        APP.main()
    runs = {"cdk app": (exited.value.code, capsys.readouterr().err)}
    common = ["--env", "dev", "--settings", str(settings)]
    commands = {
        "config": ["config", *common, "-o", str(existing)],
        "lint-config": ["lint-config", str(existing), *common],
        "rule-name": ["rule-name", "p", "d", "n", *common],
    }
    for name, argv in commands.items():
        runs[name] = (cli_main(argv), capsys.readouterr().err)

    for name, (code, message) in runs.items():
        assert code == 2, name
        assert f"field '{field}'" in message and rule in message, f"{name}: {message}"
        assert "Traceback" not in message
    assert folder_state(tmp_path) == before
