#!/usr/bin/env python3
"""CDK app: one ``FlyteScheduler-<env>`` stack per environment of the settings file.

Context: ``-c settings=PATH`` (default ``flyte-scheduler.yaml``), ``-c env=NAME`` (one environment).
Invalid settings print every problem and exit 2 before anything is synthesized.
"""

from __future__ import annotations

import sys

import aws_cdk as cdk

from flyte_scheduler.problems import SettingsError
from flyte_scheduler.settings import DEFAULT_SETTINGS_FILE, load_settings
from stacks.compliance import add_compliance_checks
from stacks.scheduler_stack import FlyteSchedulerStack


def main() -> None:
    app = cdk.App()
    path = app.node.try_get_context("settings") or DEFAULT_SETTINGS_FILE
    only = app.node.try_get_context("env")
    try:
        environments = load_settings(path).select(only)
    except SettingsError as error:
        print(error, file=sys.stderr)
        sys.exit(2)
    for environment in environments:
        FlyteSchedulerStack(app, settings=environment)
    add_compliance_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
