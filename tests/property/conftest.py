"""Hypothesis profiles for the property suite.

Deadlines are off everywhere: a single example runs a whole command flow (plus a second run and a
replay), and its duration depends on the machine, not on correctness. Pick a profile with
``HYPOTHESIS_PROFILE=<name>``; ``OPENVENUE_PROPERTY_SCALE`` multiplies every test's example count
(see ``examples()`` in the test modules) for longer soak runs.

- ``default``: random (not derandomized), what developers and CI run.
- ``ci``: derandomized, the same examples every run, for a stable gate.
- ``thorough``: random, no shrink time limit beyond Hypothesis' own, verbose statistics.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Verbosity, settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

settings.register_profile("default", **_COMMON)
settings.register_profile("ci", derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("thorough", verbosity=Verbosity.normal, print_blob=True, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
