"""openvenue: a self-hosted trading venue — one event-sourced OMS and matching engine behind the
order APIs of real venues."""

from openvenue._compiled import warn_if_stale

__version__ = "0.1.0"

warn_if_stale()
