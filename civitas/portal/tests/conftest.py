"""Fixtures for the portal's tests: the vendoring script, and the front-end packages vendored once per run."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / "scripts" / "vendor_static.py"
NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"


def load_vendor_static() -> ModuleType:
    """Import scripts/vendor_static.py (scripts/ is not a package)."""
    name = "civitas_vendor_static"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def require_node_modules() -> None:
    """Skip when the npm packages are not installed on a developer's machine; fail under CI=true."""
    if NODE_MODULES.is_dir():
        return
    message = f"{NODE_MODULES} is missing: run `npm ci` (or `make assets`) to check the vendored front-end files"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}. CI=true: the front-end files must be checked in CI.", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def vendor_static() -> ModuleType:
    return load_vendor_static()


@pytest.fixture(scope="session")
def vendored(vendor_static, tmp_path_factory) -> Path:
    """The real npm packages vendored into a temporary folder (the working tree's static/vendor is left alone)."""
    require_node_modules()
    dest = tmp_path_factory.mktemp("vendor")
    vendor_static.vendor(NODE_MODULES, dest)
    return dest
