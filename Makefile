# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run test install translations lint format migrate seed serve worker scheduler bench clean stripe-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

MO := translations/zh_Hans/LC_MESSAGES/messages.mo

install: $(VENV)/.installed $(MO)

translations: $(MO)

# Compiled only when the catalogue changed, so two `make test` runs side by side (CI) never
# write the same .mo file at once.
$(MO): translations/zh_Hans/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d translations
	touch $@

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed
	@echo "Serving on http://127.0.0.1:$(PORT)  (SQLite, inline jobs, simulated payments)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check app tests migrations config.py wsgi.py gunicorn.conf.py
	$(BIN)/ruff format --check app tests config.py wsgi.py gunicorn.conf.py
	$(BIN)/bandit -q -r app -ll

format: install
	$(BIN)/ruff format app tests config.py wsgi.py gunicorn.conf.py
	$(BIN)/ruff check --fix app tests migrations config.py wsgi.py gunicorn.conf.py

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

migrate: install
	$(BIN)/flask db upgrade

seed: install
	$(BIN)/flask seed

# Production (README "Operations"). Settings come from the environment or .env (.env.example);
# run `make migrate` once per release before starting them.
# The web server: gunicorn with gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_THREADS, PORT/BIND).
serve: install
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
worker: install
	@$(REDIS_URL_CMD); set -x; exec $(BIN)/rq worker --worker-class app.worker.AppWorker --url "$$url" --worker-ttl 35 --job-monitoring-interval 5 --maintenance-interval 15 --with-scheduler $(RQ_QUEUES)

# The scheduler (one per deployment): contracts tick 60 s, jobs sweep 30 s, tracking writer 5 s,
# reconciliation 02:30 UTC (app/cron.py). The jobs themselves run on `make worker`.
scheduler: install
	@$(REDIS_URL_CMD); set -x; exec $(BIN)/rq cron app/cron.py --url "$$url"

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Benchmarks and load (issues 5 and 8): gunicorn + PostgreSQL + Redis + RQ worker on
# 127.0.0.1 under wrk, as ratios to a hello-world route; ~10-15 min. Not run in CI.
# BENCH_DATABASE_URL (default .../bench, created), BENCH_REDIS_URL (default db 11).
bench: install
	$(BIN)/python bench/run.py

# The money scenarios (fund, release, refunds, reversal, dispute, Connect onboarding) on the
# built-in emulator and, with STRIPE_TEST_SECRET_KEY=sk_test_..., on Stripe's test mode with the
# same code, printed side by side (docs/going-live.md). Without the key it says that nothing ran
# against Stripe; live keys are refused. STRIPE_CHECK_ARGS: e.g. --require-stripe, --currency eur.
stripe-check: install
	$(BIN)/flask stripe-check $(STRIPE_CHECK_ARGS)

# Money hardening at full size (issue 7): 32 x 20 races per money action, more webhook
# sequences and state-machine runs, the process faults; PostgreSQL + Redis; not run in CI.
# Then the API fuzz, stateless and stateful (workflows along the OpenAPI links), ~10x CI's.
soak: install
	SOAK=1 $(BIN)/python -m pytest -s tests/hardening/money tests/payments $(PYTEST_ARGS)
	FUZZ_EXAMPLES=50 FUZZ_SCENARIOS=300 FUZZ_STEPS=12 $(BIN)/python -m pytest -s \
		tests/hardening/test_api_fuzz.py tests/hardening/test_api_stateful.py $(PYTEST_ARGS)
