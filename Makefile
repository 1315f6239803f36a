# Two set-up commands on a fresh machine: `make run` starts the app, `make test` runs every test.
# Both create the virtual environment and install the pinned requirements on first use.
# Any Python 3.11, 3.12 or 3.13 works: `make run PYTHON=python3.13` picks one that is not `python3`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test bench clean i18n

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' || { \
	  echo "This project needs Python 3.11, 3.12 or 3.13; $(PYTHON) is $$($(PYTHON) -V 2>&1)." >&2; \
	  echo "Name another one: make $(or $(MAKECMDGOALS),run) PYTHON=python3.12" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m streamlit run app.py --server.port $(PORT)

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	for f in bench/bench_*.py; do $(PY) -m bench.$$(basename $$f .py) || exit 1; done

# Translations: collect the messages of the code and the lessons, merge them into every catalog, compile.
i18n: $(STAMP)
	$(PY) -m explorer.i18n extract
	$(PY) -m explorer.i18n update
	$(PY) -m explorer.i18n compile

clean:
	rm -rf $(VENV) artifacts .pytest_cache build dist *.egg-info
