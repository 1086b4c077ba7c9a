"""The pure package never loads the CDK or jsii, so config generation stays fast and offline."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import flyte_scheduler


def test_no_module_of_the_pure_package_imports_aws_cdk_or_jsii() -> None:
    modules = [
        f"flyte_scheduler.{info.name}"
        for info in pkgutil.iter_modules(flyte_scheduler.__path__)
        if info.name != "__main__"
    ]
    assert len(modules) >= 5
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii', 'constructs'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
