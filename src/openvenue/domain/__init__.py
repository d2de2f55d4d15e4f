"""The trading domain: pure data and rules, no I/O and no framework.

Prices inside the core are integer ticks and quantities integer lots of their instrument; the
instrument converts to and from exact decimals at the boundary.
"""
