"""The documentation health report: checks, score, trend and the weekly mail."""
