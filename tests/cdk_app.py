"""``app.py`` loaded as a module, so tests can call its entry points in-process."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_app() -> ModuleType:
    """A fresh module object of the CDK app (it imports aws_cdk only after validating)."""
    spec = importlib.util.spec_from_file_location("cdk_app", ROOT / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
