"""Synthesize every settings scenario once per test session, in one CDK app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
from aws_cdk.assertions import Template

from stacks.scheduler_stack import FlyteSchedulerStack
from tests.scenarios import SCENARIOS, scenario_environments


@dataclass
class Synthesized:
    """Every scenario's stacks, and the cloud assembly they were written to."""

    stacks: dict[str, list[FlyteSchedulerStack]]
    templates: dict[str, Template]
    assembly_dir: Path

    def stack(self, scenario: str) -> FlyteSchedulerStack:
        return self.stacks[scenario][0]

    def template(self, scenario: str) -> Template:
        return self.templates[self.stack(scenario).stack_name]

    def template_file(self, stack: FlyteSchedulerStack) -> Path:
        return self.assembly_dir / stack.template_file


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(outdir))
    stacks = {
        scenario: [
            FlyteSchedulerStack(app, settings=env) for env in scenario_environments(scenario)
        ]
        for scenario in SCENARIOS
    }
    app.synth()
    templates = {
        stack.stack_name: Template.from_stack(stack)
        for scenario_stacks in stacks.values()
        for stack in scenario_stacks
    }
    yield Synthesized(stacks, templates, outdir)
