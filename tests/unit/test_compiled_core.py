"""The core's hot modules run compiled, and never older than their source (see setup.py)."""

from __future__ import annotations

import importlib
import importlib.machinery
import os

from openvenue import _compiled

PURE = os.environ.get("OPENVENUE_PURE_PYTHON") == "1"


def _module_name(source) -> str:
    relative = source.relative_to(_compiled.PACKAGE_DIR.parent).with_suffix("")
    return ".".join(relative.parts)


def test_the_build_compiles_the_order_path():
    names = {_module_name(s) for s in _compiled.compiled_sources()}
    assert {"openvenue.domain.orders", "openvenue.engine.book", "openvenue.engine.matching",
            "openvenue.oms.manager", "openvenue.oms.validation"} <= names


def test_every_module_with_a_pxd_runs_compiled_unless_installed_as_plain_python():
    for source in _compiled.compiled_sources():
        if source.suffix == ".pyx" and PURE:  # C-only: not there at all in plain Python
            assert _compiled.extension_of(source) is None, f"{source.name} is compiled"
            continue
        module = importlib.import_module(_module_name(source))
        compiled = module.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))
        if PURE:  # the plain-Python run must not be testing compiled modules left in the tree
            assert not compiled, f"{module.__name__} is compiled in a plain-Python run"
        else:
            assert compiled, f"{module.__name__} is not compiled: reinstall with `pip install -e .`"


def test_no_compiled_module_is_older_than_its_source():
    assert _compiled.stale_modules() == []
