# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FLASK := $(BIN)/flask --app coop
PORT ?= 5000

.PHONY: run test lint lock audit bench mutation demo-reset clean

$(INSTALLED): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# Exactly the versions and files requirements.lock names, checked against their hashes; then the app itself.
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(INSTALLED)

run: $(INSTALLED)  ## migrate the database, load the demo if it is empty, serve on http://127.0.0.1:$(PORT) (default 5000)
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: lint  ## lint, then the whole suite on every core (on PostgreSQL when COOP_TEST_DATABASE_URL is set)
	# pytest-xdist: one worker process per core, each with its own SQLite file or PostgreSQL schema (tests/conftest.py),
	# temporary folders and ports.
	$(BIN)/python -m pytest -n auto

lint: $(INSTALLED)  ## ruff: the lint rules and the formatting (configured in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lock: $(INSTALLED)  ## requirements.lock from pyproject.toml, with hashes; `make lock UPGRADE=--upgrade` takes newer versions
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet $(UPGRADE) --extra test --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

audit: $(INSTALLED)  ## known vulnerabilities of the locked versions (needs the PyPI JSON API)
	$(BIN)/python -m pip install --quiet pip-audit
	$(BIN)/pip-audit --requirement requirements.lock --disable-pip --no-deps --strict

bench: $(INSTALLED)  ## the allocation engine's benchmark and an award round's through the app; figures go to bench/results/
	$(BIN)/python bench/pricing_bench.py
	$(BIN)/python bench/round_bench.py

mutation: $(INSTALLED)  ## mutation testing of the modules that hold money and rules (slow, not in CI): the scores per module
	$(BIN)/python -m pip install --quiet mutmut
	# From scratch, so that every score is of the code and tests as they are now; one worker (the machine is shared).
	rm -rf mutants
	$(BIN)/mutmut run --max-children 1 "pricing.costing.*" "coop.bids.rules.*" "coop.money.*"
	$(BIN)/mutmut run --max-children 1 "coop.needs.importing.*" "coop.spreadsheets.*"
	$(BIN)/mutmut run --max-children 1 "pricing.shares.x_capped_equal_price__*" "pricing.shares.x_proportional__*"
	$(BIN)/python tests/mutation_scores.py

demo-reset: $(INSTALLED)  ## start the embedded database (and its bid attachments) again from the demo
	rm -rf instance/coop.sqlite3 instance/coop.sqlite3-wal instance/coop.sqlite3-shm instance/uploads
	$(FLASK) db upgrade
	$(FLASK) demo load

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis mutants
