# The two commands that matter: `make dev` and `make test`. Both are idempotent.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
STAMP := $(VENV)/.installed
FUNCTIONS := $(wildcard functions/*)

# The Lambda runtime (template.yaml's Runtime) is python3.12 on Amazon Linux 2023; the project's
# own venv stays on 3.11 (the CPU torch wheel here is cp311). `sam build` needs the runtime's
# Python on PATH, so the SAM CLI gets its own venv on it: from PATH, else from pyenv.
LAMBDA_PYTHON := 3.12
PYENV_ROOT ?= $(HOME)/.pyenv
LAMBDA_PYTHON_EXE ?= $(firstword $(foreach p,python$(LAMBDA_PYTHON) \
	$(wildcard $(PYENV_ROOT)/versions/$(LAMBDA_PYTHON).*/bin/python$(LAMBDA_PYTHON)),\
	$(shell $(p) -c 'import sys; print(sys.executable)' 2>/dev/null)))
SAM_VERSION := 1.170.0
SAM_VENV := .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed
SAM := PATH="$(abspath $(SAM_VENV))/bin:$$PATH" SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam

.PHONY: dev up test lint typecheck cfn-lint unit pytest bench lock clean install sam sam-build \
	build-CoreLayer browser inspector

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

test: install browser inspector lint typecheck cfn-lint sam-build pytest

# The console's browser tests (tests/browser) drive Debian's headless Chromium through its
# chromedriver: installed from the distribution's packages, never a browser that downloads itself.
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

# The MCP Inspector CLI (npm, pinned by tests/e2e/inspector/package-lock.json): the e2e tests
# drive the MCP server with it as a third-party client. node_modules stays out of git.
INSPECTOR := tests/e2e/inspector
INSPECTOR_STAMP := $(INSPECTOR)/node_modules/.installed
inspector: $(INSPECTOR_STAMP)

$(INSPECTOR_STAMP): $(INSPECTOR)/package.json $(INSPECTOR)/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js 20+) is needed for the MCP Inspector"; exit 1; }
	npm ci --prefix $(INSPECTOR) --no-audit --no-fund --loglevel=error
	@touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Each Lambda's code is its own import root (handler.py at the top of CodeUri), so each is
# checked on its own; the shared package, the containers, tests and benches are checked together.
typecheck: install
	$(BIN)/mypy layers/core/gluekb gluekb_dev gpu_worker mcp_server tests bench infra
	@for d in $(FUNCTIONS); do \
		echo "mypy $$d"; MYPYPATH=$$d:layers/core $(BIN)/mypy --no-error-summary $$d/handler.py || exit 1; \
	done

cfn-lint: install
	$(BIN)/cfn-lint template.yaml

pytest: install browser inspector
	$(BIN)/pytest

sam: $(SAM_STAMP)

# aws-sam-cli and its dependencies pinned (infra/sam-constraints.txt, `make lock` refreshes it).
$(SAM_STAMP): infra/sam-constraints.txt
	@test -n "$(LAMBDA_PYTHON_EXE)" || { echo "python$(LAMBDA_PYTHON) (the Lambda runtime) not found: \
	put it on PATH or install it with pyenv"; exit 1; }
	@test -x $(SAM_VENV)/bin/python || $(LAMBDA_PYTHON_EXE) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		-c infra/sam-constraints.txt "aws-sam-cli==$(SAM_VERSION)"
	@touch $@

# What infra/deploy.sh deploys, built as CI sees it (no Docker: pip with the runtime's Python),
# then checked: sizes against the budget, nothing dev-only shipped, every handler importable on
# python3.12 from the built layer alone (infra/check_build.py).
sam-build: install $(SAM_STAMP)
	$(SAM) validate --lint --template template.yaml --region us-east-1
	$(SAM) build --template template.yaml --parallel
	$(BIN)/python infra/check_build.py --python $(SAM_VENV)/bin/python$(LAMBDA_PYTHON)

# SAM runs this (template.yaml: CoreLayer's BuildMethod makefile) in a copy of layers/core/.
# The lock's closure as manylinux wheels for the runtime, nothing re-resolved (--no-deps); the
# package without the worker's and the local stack's modules (they import torch, apsw); numpy
# without its test suite; bytecode compiled once here (unchecked-hash: /opt is read-only, so
# without it every cold start compiles every module it imports).
LAYER_PLATFORMS := manylinux_2_34_x86_64 manylinux_2_28_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64
LAYER_LEAVES_OUT := gluekb/adapters/sentence_embedder.py gluekb/adapters/embedded_index.py
build-CoreLayer:
	python$(LAMBDA_PYTHON) -m pip install --quiet --disable-pip-version-check --no-deps \
		--only-binary=:all: --implementation cp --python-version $(LAMBDA_PYTHON) \
		$(foreach p,$(LAYER_PLATFORMS),--platform $(p)) --no-compile \
		--target "$(ARTIFACTS_DIR)/python" -r requirements.txt
	cp -R gluekb "$(ARTIFACTS_DIR)/python/gluekb"
	cd "$(ARTIFACTS_DIR)/python" && rm -f $(LAYER_LEAVES_OUT)
	find "$(ARTIFACTS_DIR)/python" -name __pycache__ -prune -exec rm -rf {} +
	find "$(ARTIFACTS_DIR)/python/numpy" -name tests -type d -prune -exec rm -rf {} +
	python$(LAMBDA_PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash \
		"$(ARTIFACTS_DIR)/python"

# Re-pin every dependency after changing pyproject.toml; the layer's requirements follow.
lock: $(SAM_STAMP)
	$(PIP) freeze --exclude-editable | grep -v '^torch==' > constraints.txt
	$(BIN)/python infra/layer_requirements.py
	{ head -1 infra/sam-constraints.txt; $(SAM_VENV)/bin/python -m pip freeze; } > infra/sam-constraints.txt.new
	mv infra/sam-constraints.txt.new infra/sam-constraints.txt

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .gluekb .mypy_cache .ruff_cache .pytest_cache \
		$(INSPECTOR)/node_modules
