# One command to run codev, one to test it. Both set everything up first (a venv in .venv).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup catalogues compile run demo test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/.installed

# Translators: extract the English texts into bot/locale/codev.pot and merge them into every language's .po.
catalogues: setup
	$(BIN)/pybabel extract -F babel.cfg -o bot/locale/codev.pot --project codev --version 0.1 \
		--copyright-holder "codev contributors" --no-wrap --sort-by-file . >/dev/null
	$(BIN)/pybabel update -i bot/locale/codev.pot -d bot/locale -D codev --no-wrap --no-fuzzy-matching \
		--ignore-obsolete --ignore-pot-creation-date
	$(MAKE) compile

# The .po files compiled to the .mo files codev reads (the package build does it too).
compile: setup
	$(BIN)/pybabel compile -d bot/locale -D codev --statistics

# With Slack tokens (in .env or the environment) this runs the bot; without, the built-in demo.
run: compile
	$(BIN)/codev up

demo: compile
	$(BIN)/codev demo

test: compile lint
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
