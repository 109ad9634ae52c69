# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run test install install-runtime translations lint format migrate seed serve worker \
	scheduler bench bench-store clean stripe-check lock extract-messages check-messages soak chaos

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Two locked sets, generated from pyproject.toml by `make lock` (docs/development.md), installed
# with their hashes checked: requirements.txt, the runtime (what a production host installs:
# run, serve, worker, scheduler, migrate), and requirements-dev.txt, the same pins plus the
# tests, linters and the lock tool (test, lint, lock, bench, soak). Each set leaves its own
# stamp, so a second `make` (CI's two `make test` side by side after `make install`) installs
# nothing.
PIP_INSTALL = $(BIN)/python -m pip install --quiet --no-compile --require-hashes

$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(PIP_INSTALL) -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed-runtime
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $@

MO := translations/zh_Hans/LC_MESSAGES/messages.mo

install: $(VENV)/.installed-dev $(MO)

install-runtime: $(VENV)/.installed-runtime $(MO)

translations: $(MO)

# Compiled only when the catalogue changed, so two `make test` runs side by side (CI) never
# write the same .mo file at once.
$(MO): translations/zh_Hans/LC_MESSAGES/messages.po $(VENV)/.installed-runtime
	$(BIN)/pybabel compile --statistics -d translations
	touch $@

# The embedded default: SQLite, inline jobs, simulated payments; the scheduled steps run in the
# server's process (flask serve-demo), which prints the demo logins last.
run: export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run: install-runtime
	$(BIN)/flask db upgrade
	$(BIN)/flask seed
	$(BIN)/flask serve-demo --host 127.0.0.1 --port $(PORT)

lint: install check-messages
	$(BIN)/ruff check app tests migrations config.py wsgi.py gunicorn.conf.py
	$(BIN)/ruff format --check app tests config.py wsgi.py gunicorn.conf.py
	$(BIN)/bandit -q -r app -ll
	$(BIN)/lint-imports  # the import contracts in .importlinter (docs/architecture.md "Wiring")

format: install
	$(BIN)/ruff format app tests config.py wsgi.py gunicorn.conf.py
	$(BIN)/ruff check --fix app tests migrations config.py wsgi.py gunicorn.conf.py

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

migrate: install-runtime
	$(BIN)/flask db upgrade

seed: install-runtime
	$(BIN)/flask seed

# Production (docs/operations.md). Settings come from the environment or .env (.env.example);
# run `make migrate` once per release before starting them.
# The web server: gunicorn with gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_THREADS, PORT/BIND).
serve: install-runtime
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# One RQ worker (start one per core, on any host). A killed job is picked up in about a minute:
# - the scheduler's jobs-sweep (every 30 s) re-pushes outbox rows not done after 30 s: 30-60 s;
# - RQ itself: --job-monitoring-interval 5 refreshes a running job's heartbeat every 5 s and RQ
#   lets it lapse 60 s after the last one (<= 65 s after the worker died); every
#   --maintenance-interval 15 s a live worker retries lapsed jobs (Retry: first after 5 s; an
#   idle worker first finishes its 20 s blocking dequeue), so 65-95 s — asserted (<= 95 s from
#   the SIGKILL, no sweeper) by tests/hardening/money/test_process_faults.py, which runs these
#   exact flags. RQ's defaults (30 s monitoring, 10 min maintenance) would take up to ~12 min.
# - a killed work-horse whose worker lives is noticed at once and retried after 5 s.
# --worker-ttl 35: an idle worker blocks 20 s (ttl - 15) on the queue and its registration lapses
#   95 s (ttl + 60) after it died, freeing jobs it had taken but not started.
# --worker-class app.worker.AppWorker builds the Flask app once, before forking work-horses
#   (a plain `rq worker` rebuilt it in every work-horse: seconds per job).
# app/cron.py's jobs go to "default"; the app stages jobs on RQ_QUEUE (default "default").
RQ_QUEUES = $(sort $(or $(RQ_QUEUE),default) default)
# REDIS_URL from the environment or .env (read through config.py).
REDIS_URL_CMD = url=$$($(BIN)/python -c 'import config; print(config.Config.REDIS_URL or "")'); \
	test -n "$$url" || { echo "set REDIS_URL (environment or .env)" >&2; exit 2; }
worker: install-runtime
	@$(REDIS_URL_CMD); set -x; exec $(BIN)/rq worker --worker-class app.worker.AppWorker --url "$$url" --worker-ttl 35 --job-monitoring-interval 5 --maintenance-interval 15 --with-scheduler $(RQ_QUEUES)

# The scheduler (one per deployment): contracts tick 60 s, jobs sweep 30 s, tracking writer 5 s,
# reconciliation 02:30 UTC (app/cron.py). The jobs themselves run on `make worker`.
scheduler: install-runtime
	@$(REDIS_URL_CMD); set -x; exec $(BIN)/rq cron app/cron.py --url "$$url"

# The Chinese catalogue: `make extract-messages` regenerates its template
# (translations/messages.pot) from the code and merges it into the .po; `make check-messages`
# (part of lint, so CI) extracts to a temporary file and fails when its msgids differ from the
# checked-in template (dates and line numbers are not compared).
EXTRACT_ARGS = -F babel.cfg -k _l

extract-messages: install
	$(BIN)/pybabel extract $(EXTRACT_ARGS) -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

check-messages: install
	@pot=$$(mktemp); trap 'rm -f "$$pot"' EXIT; \
	$(BIN)/pybabel -q extract $(EXTRACT_ARGS) -o "$$pot" . && \
	$(BIN)/python -c "$$COMPARE_MSGIDS" "$$pot" translations/messages.pot

define COMPARE_MSGIDS
import sys
from babel.messages.pofile import read_po

def msgids(path):
    with open(path, "rb") as handle:
        return {(message.context, message.id) for message in read_po(handle) if message.id}

extracted, checked_in = msgids(sys.argv[1]), msgids(sys.argv[2])
for _, msgid in sorted(extracted - checked_in, key=repr):
    print("in the code, not in messages.pot:", repr(msgid))
for _, msgid in sorted(checked_in - extracted, key=repr):
    print("in messages.pot, no longer in the code:", repr(msgid))
if extracted != checked_in:
    sys.exit("translations/messages.pot is out of date: run `make extract-messages`, then "
             "translate the new strings in translations/zh_Hans/LC_MESSAGES/messages.po")
endef
export COMPARE_MSGIDS

# Both locks from pyproject.toml, with hashes (docs/development.md); needs PyPI. Pins the locks
# already hold are kept and a new dependency gets the newest version that fits; to move one:
# `make lock LOCK_ARGS="--upgrade-package flask"`, all of them: `make lock LOCK_ARGS=--upgrade`.
# The development lock is constrained by the runtime one, so both hold the same runtime pins.
LOCK = $(BIN)/uv pip compile --quiet --universal --generate-hashes \
	--custom-compile-command "make lock" $(LOCK_ARGS) pyproject.toml

lock: install
	$(LOCK) -o requirements.txt
	$(LOCK) --group dev -c requirements.txt -o requirements-dev.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Benchmarks and load (issues 5 and 8): gunicorn + PostgreSQL + Redis + RQ worker on
# 127.0.0.1 under wrk, as ratios to a hello-world route; ~10-15 min. Not run in CI.
# BENCH_DATABASE_URL (default .../bench, created), BENCH_REDIS_URL (default db 11).
# Then the analytics store as a dimension (issue 25, bench/store_bench.py): batched events/s
# from the Redis stream into PostgreSQL and into ClickHouse (chdb), 0 lost, and ClickHouse's
# dashboard p50 at 10M and 100M events, generation bounded by BENCH_STORE_GEN_SECONDS (1200).
bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/store_bench.py

bench-store: install
	$(BIN)/python bench/store_bench.py

# A bounded chaos run (issue 27), not in CI: its own PostgreSQL cluster and redis-server on free
# ports (never the shared ones), gunicorn + RQ worker + scheduler as in production; browsing, API,
# tracking and money for CHAOS_SECONDS (90) while it restarts PostgreSQL, stops Redis and
# SIGKILLs the worker and gunicorn workers; ~4 min in all. Report: bench/results/chaos-<date>.md.
chaos: install
	$(BIN)/python bench/chaos.py

# The money scenarios (fund, release, refunds, reversal, dispute, Connect onboarding) on the
# built-in emulator and, with STRIPE_TEST_SECRET_KEY=sk_test_..., on Stripe's test mode with the
# same code, printed side by side (docs/going-live.md). Without the key it says that nothing ran
# against Stripe; live keys are refused. STRIPE_CHECK_ARGS: e.g. --require-stripe, --currency eur.
stripe-check: install-runtime
	$(BIN)/flask stripe-check $(STRIPE_CHECK_ARGS)

# Money hardening at full size (issue 7): 32 x 20 races per money action, more webhook
# sequences and state-machine runs, the process faults; PostgreSQL + Redis; not run in CI.
# Then the API fuzz, stateless and stateful (workflows along the OpenAPI links), ~10x CI's.
soak: install
	SOAK=1 $(BIN)/python -m pytest -s tests/hardening/money tests/payments $(PYTEST_ARGS)
	FUZZ_EXAMPLES=50 FUZZ_SCENARIOS=300 FUZZ_STEPS=12 $(BIN)/python -m pytest -s \
		tests/hardening/test_api_fuzz.py tests/hardening/test_api_stateful.py $(PYTEST_ARGS)
