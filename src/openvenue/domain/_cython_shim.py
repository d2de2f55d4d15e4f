"""Stand-ins for the Cython decorators the core's compiled modules use (see setup.py).

A compiled build reads ``@cython.cclass`` and ``@cython.no_gc`` at compile time; uncompiled, the
modules import the real ``cython`` shadow module when Cython is installed, else these no-ops, so
the source runs as plain Python either way.
"""

compiled = False


def cclass(cls):
    return cls


def no_gc(cls):
    return cls
