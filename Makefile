# The README's commands. Each target installs what it needs (Python venv, pinned CDK CLI).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
CDK := npx --no-install cdk --no-notices
SETTINGS ?= flyte-scheduler.yaml

.PHONY: help install install-emulator install-flytekit demo bench test test-fast test-unit fuzz mutate synth clean

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.venv-emulator/.installed: requirements-emulator.txt
	$(PYTHON) -m venv .venv-emulator
	.venv-emulator/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-emulator.txt
	touch $@

.venv-flytekit/.installed: requirements-flytekit.txt
	$(PYTHON) -m venv .venv-flytekit
	.venv-flytekit/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-flytekit.txt
	touch $@

install: $(VENV)/.installed node_modules/.installed  ## Create .venv and install the pinned CDK CLI.

install-emulator: .venv-emulator/.installed  ## Install the local AWS emulator (LocalStack) into .venv-emulator.

install-flytekit: .venv-flytekit/.installed  ## Install flytekit (for the audit tests' `pyflyte package`) into .venv-flytekit.

demo: install install-emulator  ## Deploy `local` into a local AWS emulator and watch a schedule fire.
	$(VENV)/bin/flyte-scheduler demo --env local --settings $(SETTINGS)

test: install install-emulator install-flytekit  ## Run lint and every test tier.
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

test-fast: install  ## Lint, type checks, unit and infra tiers: no emulator, no flytekit (the edit-test loop).
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest tests/unit tests/infra

test-unit: install  ## Run the fast unit tests only.
	$(PY) -m pytest tests/unit

fuzz: install  ## Fuzz every file-reading entry point with thousands of examples (hypothesis).
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/unit/test_fuzz_entry_points.py -p no:cacheprovider

mutate: install  ## Mutation testing of the pure package against the unit tier (mutmut; slow, not a test).
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-mutate.txt
	$(VENV)/bin/mutmut run --max-children 2 || true
	$(VENV)/bin/mutmut results

bench: install install-emulator  ## Print benchmark figures (synth, config, test tiers, fleet); not a test.
	$(PY) bench/bench.py
	$(PY) bench/fleet.py

synth: install  ## Synthesize one template per environment into build/cdk.out.
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(CDK) synth -q -c settings=$(SETTINGS) -o build/cdk.out

clean:  ## Remove build output (keeps .venv and node_modules).
	rm -rf build mutants .pytest_cache .mypy_cache .ruff_cache
