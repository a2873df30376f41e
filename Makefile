# On a fresh machine:
#   make run   - set up .venv, load the demo data once, serve on http://127.0.0.1:5000
#   make test  - set up .venv (and the Debian packages the tests need), run every test
#   make test-fast - the tests not marked slow or browser (no processes, timeouts, Chromium)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test test-fast venv bench clean

$(VENV)/.installed: requirements.txt requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-test.txt
	touch $@

venv: $(VENV)/.installed

run: $(VENV)/.installed
	$(PY) bot.py serve --demo --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	bash scripts/install-system-deps.sh
	$(PY) -m pytest

test-fast: $(VENV)/.installed
	$(PY) -m pytest -m "not slow and not browser"

bench: $(VENV)/.installed
	for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis tests/artifacts
