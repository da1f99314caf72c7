"""The `gluekb` command line."""
