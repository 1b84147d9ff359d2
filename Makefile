# Two commands: `make up` runs the stack with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
KIT := $(wildcard ../shared/litellm-offline/install.sh)

.PHONY: setup up down test unit lint fmt bench clean panel chromium types types-check client client-check

setup: $(STAMP) chromium

$(STAMP): requirements-dev.txt litellm/requirements.txt saas-api/pyproject.toml clients/python/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
ifneq ($(KIT),)
	# No internet for Prisma's engines here: use the offline kit (see ../shared/litellm-offline/README.md).
	bash $(KIT) $(PY)
endif
	touch $(STAMP)

up: setup panel
	$(PY) scripts/stack.py up

down:
	$(PY) scripts/stack.py down

lint: setup client-check types-check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	cd saas-api/src && ../../$(PY) -m mypy saas_api
	cd clients/python/src && ../../../$(PY) -m mypy saas_litellm_client

fmt: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

test: setup lint panel
	$(PY) -m pytest

# The pure rules (pricing, money, budget rules, error mapping) without a stack: a second or two.
unit: setup
	$(PY) -m pytest tests/unit -q

bench: setup
	$(PY) benchmarks/run.py

# Generated files, committed so that nothing else needs a generation step; `make lint` fails when
# one is stale. The contract is docs/openapi.json (rewritten by `$(PY) scripts/export_openapi.py`):
# `make types` turns it into the panel's TypeScript types; `make client` writes the typed client's
# sync_client.py from its async client.py (edit client.py, never sync_client.py).
types: admin-panel/node_modules/.installed
	cd admin-panel && npm run --silent types

types-check: admin-panel/node_modules/.installed
	cd admin-panel && npm run --silent types:check || \
		(echo "admin-panel/src/lib/api-types.ts is out of date with docs/openapi.json; run: make types" >&2; exit 1)

client: setup
	$(PY) scripts/gen_sync_client.py

client-check: setup
	$(PY) scripts/gen_sync_client.py --check

# The admin panel: a static export in admin-panel/out, rebuilt when its sources change.
PANEL_SRC := $(shell find admin-panel/src admin-panel/public -type f 2>/dev/null) \
	admin-panel/package.json admin-panel/next.config.ts admin-panel/tsconfig.json

panel: admin-panel/out/index.html

admin-panel/node_modules/.installed: admin-panel/package-lock.json
	cd admin-panel && npm ci --no-audit --no-fund
	touch $@

admin-panel/out/index.html: admin-panel/node_modules/.installed $(PANEL_SRC)
	cd admin-panel && npm run build
	touch $@

# Debian's Chromium for the browser tests (tests/browser), when missing and we may install it.
chromium:
	@test -x /usr/bin/chromium || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

clean:
	rm -rf $(VENV) .run
