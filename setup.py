"""Compiles the core's hot modules with Cython; everything else is plain Python (pyproject.toml).

A module is compiled exactly when a ``.pxd`` file sits beside it: the ``.pxd`` declares the
module's classes and their attribute types for the compiler, while the ``.py`` stays ordinary
Python that runs unchanged when it is not compiled (the compiler ignores its annotations,
``annotation_typing=False``). The one ``.pyx`` is code that only means something in C (a loop
that runs without the GIL); the module that imports it has a plain-Python twin to fall back on.
``OPENVENUE_PURE_PYTHON=1`` at install time skips compilation, for debugging the core.
"""

import os
from pathlib import Path

from setuptools import setup


def compiled_modules() -> list[str]:
    package = Path("src/openvenue")
    # a .pyx is C-only code with a plain-Python twin elsewhere (storage/_flush_loop.pyx)
    return sorted([str(pxd.with_suffix(".py")) for pxd in package.rglob("*.pxd")]
                  + [str(pyx) for pyx in package.rglob("*.pyx")])


def extensions():
    if os.environ.get("OPENVENUE_PURE_PYTHON") == "1":
        return []
    from Cython.Build import cythonize

    return cythonize(
        compiled_modules(),
        build_dir="build/cython",  # generated C stays out of the source tree
        include_path=["src"],
        compiler_directives={
            "language_level": 3,
            "annotation_typing": False,  # types come from the .pxd files only
            "binding": True,  # keep signatures and docstrings introspectable
            "embedsignature": True,
        },
        quiet=True,
    )


# the extensions compile independently: one compiler per core
setup(ext_modules=extensions(), options={"build_ext": {"parallel": os.cpu_count() or 1}})
