"""Benchmarks: each script prints JSON figures."""
