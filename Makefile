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
	@if $(BIN)/python -c "from bot.config import load_settings as s; raise SystemExit(0 if s().slack_bot_token else 1)"; \
	then $(BIN)/codev run; else echo "No SLACK_BOT_TOKEN: running the demo against the built-in Slack stand-in."; $(BIN)/codev demo; fi

demo: setup
	$(BIN)/codev demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/home.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
