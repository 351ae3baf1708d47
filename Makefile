# The two commands a person needs are `make run` and `make test` (see README.md).
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
UV ?= uv
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: setup native services migrate demo run test lint bench bench-verify bench-acord bench-audit bench-fanout bench-dashboard bench-upload bench-integrations clean-data

setup:
	@bash infra/setup-system.sh

native: setup
	@COINET_NATIVE_BUILDING=1 $(UV) run python -c "from backend.verification.native import build; raise SystemExit(build(force=True))"

services:
	@bash infra/services.sh up

migrate: setup services
	@$(UV) run coinet migrate

demo: migrate
	@$(UV) run coinet demo load

run: demo
	@bash infra/run-dev.sh $(PORT)

test: setup services lint
	@$(UV) run pytest -q -p no:cacheprovider --durations=25 $(PYTEST_ARGS)

lint: setup
	@$(UV) run ruff check --output-format concise .
	@$(UV) run ruff format --check --quiet .
	@$(UV) run mypy
	@$(UV) run lint-imports --no-cache --no-logo

bench: setup services bench-verify bench-audit bench-acord bench-fanout bench-dashboard bench-upload bench-integrations

bench-verify: setup
	@$(UV) run python -m tests.bench.bench_verify

bench-audit: setup services
	@$(UV) run python -m tests.bench.bench_audit

bench-acord: setup
	@$(UV) run python -m tests.bench.bench_acord

bench-fanout: setup services
	@$(UV) run python -m tests.bench.bench_fanout

bench-dashboard: setup services
	@$(UV) run python -m tests.bench.bench_dashboard

bench-upload: setup services
	@$(UV) run python -m tests.bench.bench_upload

bench-integrations: setup services
	@$(UV) run python -m tests.bench.bench_integrations
