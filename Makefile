# Two commands matter: `make run` and `make test`. Both bootstrap their own environment:
# uv (pinned) goes into .tools/, the locked dependencies into .venv/.
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
SYNCED := $(VENV)/.synced
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run preview test lint typecheck unit bench content-check migrate fmt clean

# With a token (environment or .env): connect to Discord. Without one: the offline preview.
run: $(SYNCED)
	$(VENV)/bin/python -m bot run --preview-if-no-token

preview: $(SYNCED)
	$(VENV)/bin/python -m bot preview

test: lint typecheck unit

lint: $(SYNCED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(SYNCED)
	$(VENV)/bin/mypy

unit: $(SYNCED)
	$(VENV)/bin/python -m bot content check
	$(VENV)/bin/python -m pytest -n auto

bench: $(SYNCED)
	$(VENV)/bin/python -m bench

content-check: $(SYNCED)
	$(VENV)/bin/python -m bot content check

migrate: $(SYNCED)
	$(VENV)/bin/python -m bot db migrate

fmt: $(SYNCED)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(SYNCED): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

clean:
	rm -rf $(TOOLS) $(VENV) .mypy_cache .ruff_cache .pytest_cache
