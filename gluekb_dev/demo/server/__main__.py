"""`python -m gluekb_dev.demo.server serve|mutate ...` (see `cli`)."""

from gluekb_dev.demo.server.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
