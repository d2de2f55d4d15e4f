"""Which core modules run compiled, and a guard against a compiled module older than its source.

A module is compiled (see setup.py) exactly when a ``.pxd`` sits beside its ``.py``, or when it
is a ``.pyx`` (C-only code with a plain-Python twin elsewhere). An editable install builds the
extension next to the source, and Python prefers the extension: edit the ``.py`` without
reinstalling and the old code keeps running. Importing openvenue warns then.
"""

from __future__ import annotations

import importlib.machinery
import warnings
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_TREE = (PACKAGE_DIR.parent.parent / "pyproject.toml").exists()  # src/openvenue in a checkout


class StaleCompiledModule(UserWarning):
    """A compiled core module is older than its source: reinstall (``pip install -e .``)."""


def compiled_sources() -> list[Path]:
    """The files the build compiles: ``.py`` files with a ``.pxd``, and ``.pyx`` files."""
    return sorted([pxd.with_suffix(".py") for pxd in PACKAGE_DIR.rglob("*.pxd")]
                  + list(PACKAGE_DIR.rglob("*.pyx")))


def extension_of(source: Path) -> Path | None:
    """The compiled module built from ``source``, if there is one."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = source.with_suffix(suffix)
        if candidate.exists():
            return candidate
    return None


def stale_modules() -> list[Path]:
    """Sources edited after their compiled module was built (the compiled one is what runs)."""
    stale = []
    for source in compiled_sources():
        built = extension_of(source)
        if built is None:
            continue
        inputs = [source] if source.suffix == ".pyx" else [source, source.with_suffix(".pxd")]
        if max(path.stat().st_mtime for path in inputs) > built.stat().st_mtime:
            stale.append(source)
    return stale


def warn_if_stale() -> None:
    # Only a source checkout (an editable install) can go stale: an installed wheel's files
    # carry whatever times the archive gave them, and nobody edits them.
    if not SOURCE_TREE:
        return
    stale = stale_modules()
    if stale:
        names = ", ".join(str(p.relative_to(PACKAGE_DIR.parent)) for p in stale)
        warnings.warn(f"compiled modules older than their source, the old code runs: {names}; "
                      f"run `pip install -e .` again", StaleCompiledModule, stacklevel=2)
