"""Reviewable JSON snapshots of every synthesized template (update: pytest --snapshot-update)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from tests.infra.conftest import Synthesized
from tests.scenarios import SCENARIOS

pytestmark = pytest.mark.infra

HASH = re.compile(r"[0-9a-f]{64}")


def mask_hashes(*, data: Any, path: Any) -> Any:
    """Syrupy matcher: content hashes (assets, bootstrap) change with CDK internals, not intent."""
    return "<hash>" if isinstance(data, str) and HASH.fullmatch(data) else data


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_template_snapshot(
    synthesized: Synthesized, scenario: str, json_snapshot: SnapshotAssertion
) -> None:
    templates: dict[str, Any] = {
        stack.stack_name: synthesized.templates[stack.stack_name].to_json()
        for stack in synthesized.stacks[scenario]
    }
    assert templates == json_snapshot(matcher=mask_hashes)


def test_the_hash_matcher_only_masks_hashes() -> None:
    assert mask_hashes(data="a" * 64, path=()) == "<hash>"
    assert mask_hashes(data="flyte-schedules", path=()) == "flyte-schedules"
    assert mask_hashes(data="g" * 64, path=()) == "g" * 64
