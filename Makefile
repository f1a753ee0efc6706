# One command to run codev, one to test it. Both set everything up first (a venv in .venv).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run demo test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

# With Slack tokens (in .env or the environment) this runs the bot; without, the built-in demo.
run: setup
	$(BIN)/codev up

demo: setup
	$(BIN)/codev demo

test: setup lint
	$(BIN)/pytest

# Lint, formatting and types: the same checks CI runs before the tests.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

bench: setup
	$(BIN)/python bench/home.py
	$(BIN)/python bench/timers.py
	$(BIN)/python bench/calls.py
	$(BIN)/python bench/acks.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
