# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FLASK := $(BIN)/flask --app coop
PORT ?= 5000

.PHONY: run test bench demo-reset clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

run: $(INSTALLED)  ## migrate the database, load the demo if it is empty, serve on http://127.0.0.1:$(PORT) (default 5000)
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(INSTALLED)  ## the whole suite (on PostgreSQL when COOP_TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest

bench: $(INSTALLED)  ## the allocation engine's benchmark and an award round's through the app; figures go to bench/results/
	$(BIN)/python bench/pricing_bench.py
	$(BIN)/python bench/round_bench.py

demo-reset: $(INSTALLED)  ## start the embedded database (and its bid attachments) again from the demo
	rm -rf instance/coop.sqlite3 instance/coop.sqlite3-wal instance/coop.sqlite3-shm instance/uploads
	$(FLASK) db upgrade
	$(FLASK) demo load

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
