"""The order-management system: the single writer that authorises, validates, sequences and runs
commands through the engine, emits events, and answers queries. It knows no HTTP and no venue."""
