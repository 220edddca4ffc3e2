# One task runner. `make run` serves the API with demo data; `make test` runs lint, types and the suite.
# Every install comes from uv.lock (runtime and dev tools alike); `make lock` is the one command that updates it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# uv itself is pinned and kept in its own small venv, so the project's venv holds exactly the lock.
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# Use this machine's Python; never download an interpreter.
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint typecheck pytest install install-dev graphiql wheel schema seed-seoul bench bench-peer bench-workers bench-standby bench-http-cache bench-growth bench-live bench-catch-up bench-ledger bench-checkpoints bench-witness bench-hostile bench-oversight bench-demo-shape bench-prediction bench-input-delays bench-crash bench-overload bench-soak lock audit compose-check format clean

$(UV):
	@echo "Installing uv $(UV_VERSION) into $(TOOLS)/ (once)"
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# The runtime only (about 200 MB); `--inexact` keeps the dev tools of an earlier `make test`.
$(VENV)/.runtime-stamp: uv.lock pyproject.toml | $(UV)
	@echo "Installing the locked runtime dependencies into $(VENV)/ (first run only)"
	$(UV) sync --locked --no-dev --inexact
	@touch $@

# Runtime and dev tools, exactly as locked (anything else in the venv is removed).
$(VENV)/.dev-stamp: uv.lock pyproject.toml | $(UV)
	@echo "Installing the locked runtime and development dependencies into $(VENV)/"
	$(UV) sync --locked
	@touch $@ $(VENV)/.runtime-stamp

install: $(VENV)/.runtime-stamp graphiql
install-dev: $(VENV)/.dev-stamp graphiql

## GraphiQL's browser builds, from the npm packages pinned in npm/package-lock.json, copied into the package's
## openproc/web/vendor/ (served at /static/vendor/, shipped in the wheel). Needs npm; without it GraphiQL's page
## says how to get them, and everything else works.
graphiql: openproc/web/vendor/.stamp
openproc/web/vendor/.stamp: npm/package-lock.json npm/vendor.txt npm/vendor.sh
	@if command -v npm >/dev/null; then \
	  echo "Installing GraphiQL's pinned npm packages into openproc/web/vendor/"; \
	  npm/vendor.sh openproc/web/vendor && touch $@; \
	else echo "npm not found: GraphiQL's assets are not installed (the API and the page work without them)"; fi

## Serve http://127.0.0.1:8000/ (embedded PostgreSQL unless DATABASE_URL is set; demo data on first start).
## SIMULATE=30 make run also moves demo cases forward, 30 actions a minute.
run: install
	@echo "Serving on http://$${HOST:-127.0.0.1}:$${PORT:-8000}/ (GraphiQL at /graphql)"
	@if [ -n "$$SIMULATE" ]; then $(BIN)/openproc simulate --per-minute "$$SIMULATE" --url "http://$${HOST:-127.0.0.1}:$${PORT:-8000}" & fi; \
	LOG_FORMAT=$${LOG_FORMAT:-text} $(BIN)/openproc serve

## Lint, type-check and run every test on a real PostgreSQL.
test: lint typecheck pytest

lint: install-dev
	$(UV) lock --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Rewrite the committed SDL after a schema change.
schema: install-dev
	$(BIN)/openproc schema > schema.graphql

## Replace the data with the original system's first-year size (27,000 cases).
seed-seoul: install-dev
	$(BIN)/openproc seed --scale seoul --reset

## Read benchmark against a running server (make run in another terminal, same HOST and PORT): case detail and
## 50-case list. Needs wrk. ARGS="--seconds 30".
bench: install-dev
	$(BIN)/python -m bench.read_load $(ARGS)

## Peer comparison on the seoul data (`make seed-seoul` first): OPEN, PostGraphile v5 and a hand-written asyncpg
## baseline must return the same data, then each is loaded with wrk. Needs Node/npm and wrk. ARGS="--duration 30".
bench-peer: install-dev
	$(BIN)/python -m bench.peer $(ARGS)

## One and two OPEN processes (`serve --workers`) on the seoul data, and the cores PostgreSQL and OPEN used under
## load. Needs wrk and Redis. ARGS="--duration 30 --rounds 3".
bench-workers: install-dev
	$(BIN)/python -m bench.workers $(ARGS)

## Read-your-writes on a hot standby that the bench makes itself (Debian's PostgreSQL binaries): the client's
## latency with and without extensions.readAfter.
bench-standby: install-dev
	$(BIN)/python -m bench.standby $(ARGS)

## The hit path of a persisted query over GET: through nginx's cache (deploy/nginx.conf), straight to OPEN, and a
## 304. Needs wrk and nginx. ARGS="--seconds 30 --rounds 3".
bench-http-cache: install-dev
	$(BIN)/python -m bench.http_cache $(ARGS)

## Growth: the two read queries at 1,000,000 cases (openproc_growth, cloned from openproc_seoul; reused when already
## grown) against the seoul scale, target ≤ 1.5× at p50 and p99, and the plans of their statements. Needs wrk.
## ARGS="--cases 200000 --seconds 30".
bench-growth: install-dev
	$(BIN)/python -m bench.grow $(ARGS)

## Subscriptions: sign-to-push latency, fan-out to 1,000/5,000/10,000 watchers, memory per watcher.
bench-live: install-dev
	$(BIN)/python -m bench.live

## Catch-up stall: other watchers' push p99 and /healthz p99 without and with far catch-ups (events(after: 0))
## replaying the log; each must stay within 2×. ARGS="--seconds 30 --catch-ups 2".
bench-catch-up: install-dev
	$(BIN)/python -m bench.catch_up $(ARGS)

## Faults: kill -9 of the server and a PostgreSQL restart during signings; every acknowledged signing, sequence,
## leaf and subscriber delivery is checked against the database. Restarts the machine's PostgreSQL cluster, so
## DATABASE_URL must point at it (postgresql://postgres@127.0.0.1:5432/postgres), or ARGS="--no-pg-restart".
bench-crash: install-dev
	$(BIN)/python -m bench.crash $(ARGS)

## Overload: twice the sustainable read rate must get fast 503s, not timeouts, and recover when it stops.
bench-overload: install-dev
	$(BIN)/python -m bench.overload $(ARGS)

## Soak: reads, signings and 1,000 subscribers for 10 minutes (ARGS="--seconds 120" for less); memory must not grow.
bench-soak: install-dev
	$(BIN)/python -m bench.soak $(ARGS)

## Checkpoint freshness: recorded → covered by a served checkpoint, p50/p99 (target p99 ≤ 250 ms).
bench-checkpoints: install-dev
	$(BIN)/python -m bench.checkpoints $(ARGS)

## Witness freshness: committed → a served checkpoint covering it with a witness's cosignature, p50/p99 over 100
## commits (`openproc witness` and the server on loopback ports). ARGS="--commits 100 --seconds 60 --pace 0.1".
bench-witness: install-dev
	$(BIN)/python -m bench.witness $(ARGS)

## Hostile requests (issue 22's attacks): /healthz p99 ≤ 50 ms during each, RSS growth < 64 MiB, a typed refusal.
bench-hostile: install-dev
	$(BIN)/python -m bench.hostile $(ARGS)

## Ledger: proof generation at 1,000,000 leaves and the cost of one append.
bench-ledger: install-dev
	$(BIN)/python -m bench.ledger

## Prediction calibration on held-out history (a fresh database at ARGS="--scale demo|seoul", dropped after):
## how often the real completion fell inside the predicted 80 % range. ARGS="--held-out-days 60".
bench-prediction: install-dev
	$(BIN)/python -m bench.prediction $(ARGS)

## What the input-delay rule finds in a seeded history (ARGS="--scale demo|seoul"): late entries by the old and
## the current rule, sittings and delays, without recording anything.
bench-input-delays: install-dev
	$(BIN)/python -m bench.input_delays $(ARGS)

## How Seoul-like the demo data is, counted on the generated rows (no database): ARGS="--scale demo" for the small one.
bench-demo-shape: install-dev
	$(BIN)/python -m bench.demo_shape $(ARGS)

## Oversight at the seoul scale (DATABASE_URL seeded with `make seed-seoul`): one round, dashboard queries, search.
bench-oversight: install-dev
	$(BIN)/python -m bench.oversight
	$(BIN)/python -m bench.search

## Update every dependency to the newest release pyproject.toml allows, rewriting uv.lock (then run make test).
## After editing pyproject.toml's ranges, `make lock` is also what brings the lock back in line.
lock: | $(UV)
	$(UV) lock --upgrade

## The wheel and its hashed, locked requirements, in dist/: what the Dockerfile and tests/deploy install.
wheel: graphiql | $(UV)
	deploy/build-wheel.sh dist

## Known vulnerabilities in the locked dependencies: pip-audit (in a throwaway venv, like `lock`) against OSV,
## PyPA's advisory data. It needs to reach api.osv.dev (the development machine cannot, and PyPI's per-version
## JSON, pip-audit's other service, answers 404 there).
audit: | $(UV)
	rm -rf /tmp/openproc-audit && $(PYTHON) -m venv /tmp/openproc-audit
	/tmp/openproc-audit/bin/pip install --quiet "pip-audit>=2.10,<3"
	$(UV) export --frozen --no-dev --no-emit-project --no-hashes -o /tmp/openproc-audit/requirements.txt
	/tmp/openproc-audit/bin/pip-audit --requirement /tmp/openproc-audit/requirements.txt --no-deps --vulnerability-service osv --strict

## Validate docker-compose.yml (no container engine needed).
compose-check:
	docker-compose config --quiet

clean:
	rm -rf $(VENV) $(TOOLS) npm/node_modules openproc/web/vendor dist .mypy_cache .ruff_cache .pytest_cache
