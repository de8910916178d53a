# Mentorloom — `make run` serves the demo, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install install-dev assets test lint typecheck chromium bench load locale clean help fuzz

help:
	@echo "make run    install, migrate, load the demo and serve http://$(HOST):$(PORT)"
	@echo "make test   install dev tools and run lint, types and the whole test suite"
	@echo "make fuzz   the long schemathesis run over the whole API (both databases, three callers)"
	@echo "make load   60 s of 50 users against two web processes on PostgreSQL (see README, Performance)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed assets
install-dev: $(VENV)/.installed-dev assets
assets: node_modules/.installed

run: install
	$(BIN)/mentorloom db upgrade
	$(BIN)/mentorloom demo
	@echo "Serving http://$(HOST):$(PORT)  (Ctrl-C stops the server and the job worker)"
	$(BIN)/mentorloom serve --host $(HOST) --port $(PORT) --with-worker

# Browser tests drive Debian's chromium; install it when missing and we may (root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "!!! chromium missing and not root: browser tests will skip (they fail under CI=true)"; fi; }

lint: install-dev
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench

typecheck: install-dev
	$(BIN)/mypy src

test: install-dev chromium lint typecheck
	$(BIN)/pytest -n 2 --dist loadgroup

# The long schemathesis run (not part of `make test`): MENTORLOOM_FUZZ_EXAMPLES cases per operation and caller,
# the coverage phase, both backends; see tests/edge/fuzz_long.py for the knobs.
fuzz: install-dev
	$(BIN)/python -m tests.edge.fuzz_long

bench: install-dev
	$(BIN)/python bench/import.py
	$(BIN)/python bench/matching.py

# 60 s of 50 concurrent users (each clicking about once a second) against `serve --workers 2` on PostgreSQL at
# 127.0.0.1:5432 (a throwaway database); fails on any error. tests/ops/test_load.py runs a short version in `make test`.
load: install-dev
	$(BIN)/python bench/load.py --duration 60 --users 50 --web-workers 2 --think-ms 1000

# Extract every marked string (babel.cfg paths are relative to src/), then merge into de and en.
# New German entries come out empty: translate them in de/LC_MESSAGES/messages.po (tests/test_i18n.py lists them).
LOCALE_DIR := src/mentorloom/locale
locale: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --project=Mentorloom --copyright-holder="Mentorloom contributors" \
	  -o $(LOCALE_DIR)/messages.pot src
	$(BIN)/pybabel update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -l de --init-missing --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) -l en --init-missing --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) node_modules
