# Two commands: `make up` runs the stack with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
KIT := $(wildcard ../shared/litellm-offline/install.sh)

.PHONY: setup up down test test-fast lint fmt bench clean

setup: $(STAMP)

$(STAMP): requirements-dev.txt litellm/requirements.txt saas-api/pyproject.toml clients/python/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
ifneq ($(KIT),)
	# No internet for Prisma's engines here: use the offline kit (see ../shared/litellm-offline/README.md).
	bash $(KIT) $(PY)
endif
	touch $(STAMP)

up: setup
	$(PY) scripts/stack.py up

down:
	$(PY) scripts/stack.py down

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

fmt: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: setup lint
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .run
