# Spiral: `make run` starts the product on SQLite with the demo college; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
CATALOGS := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test bench install translations extract-messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed $(COMPILED)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel -q compile -i $< -o $@

translations: $(COMPILED)

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k N_ -o app/translations/messages.pot .
	$(BIN)/pybabel -q update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

run: install
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	@echo "Spiral on http://127.0.0.1:$${PORT:-5000}  (Ctrl-C stops the web server and the scheduler)"
	@$(BIN)/honcho start -f Procfile || [ $$? -eq 130 ]  # Ctrl-C is how it is meant to stop

test: install
	$(BIN)/ruff check app workflows tests bench config.py
	$(BIN)/pytest $(PYTEST_ARGS)

# The scale benchmark (a few minutes; `make bench BENCH_ARGS=--quick` checks it runs).
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/spiral.db* $(COMPILED)
