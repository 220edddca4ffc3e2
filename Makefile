# One task runner. `make run` serves the API with demo data; `make test` runs lint, types and the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck pytest schema seed-seoul bench bench-peer bench-growth bench-live bench-ledger bench-oversight bench-crash bench-overload bench-soak lock audit compose-check format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Serve http://127.0.0.1:8000/ (embedded PostgreSQL unless DATABASE_URL is set; demo data on first start).
## SIMULATE=30 make run also moves demo cases forward, 30 actions a minute.
run: $(STAMP)
	@if [ -n "$$SIMULATE" ]; then $(BIN)/openproc simulate --per-minute "$$SIMULATE" & fi; \
	LOG_FORMAT=$${LOG_FORMAT:-text} $(BIN)/openproc serve

## Lint, type-check and run every test on a real PostgreSQL.
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Rewrite the committed SDL after a schema change.
schema: $(STAMP)
	$(BIN)/openproc schema > schema.graphql

## Replace the data with the original system's first-year size (27,000 cases).
seed-seoul: $(STAMP)
	$(BIN)/openproc seed --scale seoul --reset

## Read benchmark against a running server (make run in another terminal): case detail and 50-case list.
bench: $(STAMP)
	$(BIN)/python -m bench.read_load

## Peer comparison on the seoul data (`make seed-seoul` first): OPEN, PostGraphile v5 and a hand-written asyncpg
## baseline must return the same data, then each is loaded with wrk. Needs Node/npm and wrk. ARGS="--duration 30".
bench-peer: $(STAMP)
	$(BIN)/python -m bench.peer $(ARGS)

## Growth: the two read queries at 1,000,000 cases (openproc_growth, cloned from openproc_seoul; reused when already
## grown) against the seoul scale, target ≤ 1.5× at p50 and p99, and the plans of their statements. Needs wrk.
## ARGS="--cases 200000 --seconds 30".
bench-growth: $(STAMP)
	$(BIN)/python -m bench.grow $(ARGS)

## Subscriptions: sign-to-push latency, fan-out to 1,000/5,000/10,000 watchers, memory per watcher.
bench-live: $(STAMP)
	$(BIN)/python -m bench.live

## Faults: kill -9 of the server and a PostgreSQL restart during signings; every acknowledged signing, sequence,
## leaf and subscriber delivery is checked against the database. Restarts the machine's PostgreSQL cluster, so
## DATABASE_URL must point at it (postgresql://postgres@127.0.0.1:5432/postgres), or ARGS="--no-pg-restart".
bench-crash: $(STAMP)
	$(BIN)/python -m bench.crash $(ARGS)

## Overload: twice the sustainable read rate must get fast 503s, not timeouts, and recover when it stops.
bench-overload: $(STAMP)
	$(BIN)/python -m bench.overload $(ARGS)

## Soak: reads, signings and 1,000 subscribers for 10 minutes (ARGS="--seconds 120" for less); memory must not grow.
bench-soak: $(STAMP)
	$(BIN)/python -m bench.soak $(ARGS)

## Ledger: proof generation at 1,000,000 leaves and the cost of one append.
bench-ledger: $(STAMP)
	$(BIN)/python -m bench.ledger

## Oversight at the seoul scale (DATABASE_URL seeded with `make seed-seoul`): one round, dashboard queries, search.
bench-oversight: $(STAMP)
	$(BIN)/python -m bench.oversight
	$(BIN)/python -m bench.search

## Pin the image's dependencies (requirements.lock) from pyproject.toml's ranges.
lock:
	rm -rf /tmp/openproc-lock && $(PYTHON) -m venv /tmp/openproc-lock
	/tmp/openproc-lock/bin/pip install --quiet .
	/tmp/openproc-lock/bin/pip freeze --exclude openproc > requirements.lock

## Known vulnerabilities in the locked dependencies: pip-audit (in a throwaway venv, like `lock`) against OSV,
## PyPA's advisory data. It needs to reach api.osv.dev (the development machine cannot, and PyPI's per-version
## JSON, pip-audit's other service, answers 404 there).
audit:
	rm -rf /tmp/openproc-audit && $(PYTHON) -m venv /tmp/openproc-audit
	/tmp/openproc-audit/bin/pip install --quiet "pip-audit>=2.10,<3"
	/tmp/openproc-audit/bin/pip-audit --requirement requirements.lock --no-deps --vulnerability-service osv --strict

## Validate docker-compose.yml (no container engine needed).
compose-check:
	POSTGRES_PASSWORD=check LEDGER_SIGNING_KEY=check docker-compose config --quiet

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
