"""Ports: the Protocols services depend on. Adapters implement them; wiring picks which."""
