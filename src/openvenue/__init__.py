"""openvenue: a self-hosted trading venue — one event-sourced OMS and matching engine behind the
order APIs of real venues."""

__version__ = "0.1.0"
