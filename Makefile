# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run test install translations lint format migrate seed worker scheduler bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed
	@echo "Serving on http://127.0.0.1:$(PORT)  (SQLite, inline jobs, simulated payments)"
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

lint: install
	$(BIN)/ruff check app tests migrations config.py wsgi.py
	$(BIN)/ruff format --check app tests config.py wsgi.py
	$(BIN)/bandit -q -r app -ll

format: install
	$(BIN)/ruff format app tests config.py wsgi.py
	$(BIN)/ruff check --fix app tests migrations config.py wsgi.py

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

migrate: install
	$(BIN)/flask db upgrade

seed: install
	$(BIN)/flask seed

worker: install
	$(BIN)/rq worker --url $${REDIS_URL:?set REDIS_URL} --worker-ttl 35 --job-monitoring-interval 5 --with-scheduler default

scheduler: install
	$(BIN)/rq cron app/cron.py --url $${REDIS_URL:?set REDIS_URL}

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Analytics speed figures (issue 5) as ratios, on PostgreSQL + Redis; not run in CI.
bench: install
	$(BIN)/python bench/analytics_bench.py
