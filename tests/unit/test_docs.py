"""The documentation stays true: links resolve, and the settings reference lists exactly the keys
the settings model reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.settings_keys import settings_keys

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(document: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as dashes."""
    found = set()
    in_code = False
    for line in document.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        title = line.lstrip("#").strip().lower()
        found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_relative_link_resolves(document: Path) -> None:
    broken = []
    for target in LINK.findall(document.read_text()):
        if "://" in target or target.startswith("mailto:"):
            continue
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        if not linked.exists() or (
            anchor and linked.suffix == ".md" and anchor not in anchors(linked)
        ):
            broken.append(target)
    assert broken == []


def documented_keys() -> set[str]:
    """Keys in the first column of docs/settings.md's table (`a.b` / `c` means a.b and a.c)."""
    keys = set()
    for line in (ROOT / "docs" / "settings.md").read_text().splitlines():
        if not line.startswith("| `"):
            continue
        names = re.findall(r"`([^`]+)`", line.split("|")[1])
        parent = names[0].rpartition(".")[0]
        keys |= {names[0], *(f"{parent}.{n}" if parent else n for n in names[1:])}
    return keys


def test_the_settings_reference_lists_exactly_the_models_keys() -> None:
    model = settings_keys()
    documented = documented_keys()
    assert sorted(model - documented) == [], "keys the model reads but the reference omits"
    assert sorted(documented - model) == [], "keys the reference lists but the model ignores"
