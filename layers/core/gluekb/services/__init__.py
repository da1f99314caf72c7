"""The logic, one sub-package per domain. Services depend on ports and models, never on handlers
or wiring."""
