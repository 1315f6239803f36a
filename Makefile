# Two set-up commands on a fresh machine: `make run` starts the app, `make test` runs every test.
# Both create the virtual environment and install the pinned requirements on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m streamlit run app.py --server.port $(PORT)

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	for f in bench/bench_*.py; do $(PY) -m bench.$$(basename $$f .py) || exit 1; done

clean:
	rm -rf $(VENV) artifacts .pytest_cache
