# The two commands that matter: `make dev` and `make test`. Both are idempotent.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
STAMP := $(VENV)/.installed
FUNCTIONS := $(wildcard functions/*)

.PHONY: dev up test lint typecheck cfn-lint unit pytest bench lock clean install browser

install: $(STAMP)

# torch comes first and pinned: an unpinned torch pulls gigabytes of CUDA (see DEVELOPERS.md).
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check --upgrade "pip>=24.2"
	$(PIP) install --quiet --disable-pip-version-check "torch==2.13.0"
	$(PIP) install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

dev: install
	$(BIN)/gluekb up

up: dev

test: install browser lint typecheck cfn-lint pytest

# The console's browser tests (tests/browser) drive Debian's headless Chromium through its
# chromedriver: installed from the distribution's packages, never a browser that downloads itself.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Each Lambda's code is its own import root (handler.py at the top of CodeUri), so each is
# checked on its own; the shared package, the containers, tests and benches are checked together.
typecheck: install
	$(BIN)/mypy layers/core/gluekb gluekb_dev gpu_worker mcp_server tests bench
	@for d in $(FUNCTIONS); do \
		echo "mypy $$d"; MYPYPATH=$$d:layers/core $(BIN)/mypy --no-error-summary $$d/handler.py || exit 1; \
	done

cfn-lint: install
	$(BIN)/cfn-lint template.yaml

pytest: install browser
	$(BIN)/pytest

unit: install
	$(BIN)/pytest tests/unit

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Re-pin every dependency after changing pyproject.toml.
lock:
	$(PIP) freeze --exclude-editable | grep -v '^torch==' > constraints.txt

clean:
	rm -rf $(VENV) .gluekb .mypy_cache .ruff_cache .pytest_cache
