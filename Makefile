# The interface everyone uses: make build | test | lint | serve | check | bench
# `make build` uses the real CLIP weights when it can get them and otherwise falls back, loudly, to the
# untrained stand-in (see README). MODEL=stand-in or MODEL=/path/to/clip chooses explicitly; several, the default
# first (MODEL="openai/clip-vit-base-patch32 openai/clip-vit-large-patch14"), build one site carrying each.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEFAULT_MODEL := openai/clip-vit-base-patch32
# empty: content/settings.yaml's `models:` when it has them, else DEFAULT_MODEL alone
MODEL ?=
FIRST_MODEL := $(or $(firstword $(MODEL)),$(DEFAULT_MODEL))
OUT ?= site
# Where the model runs when the cache misses: auto (CUDA when torch sees a GPU), cpu or cuda.
DEVICE ?= auto
# make serve: where the preview listens (127.0.0.1: this machine only).
HOST ?= 127.0.0.1
PORT ?= 8000
# FALLBACK=0 makes a failure to load the default model fatal (the publishing workflow's choice).
FALLBACK ?= 1
# LIVE=0 skips live mode: no ONNX export, no in-browser model on the page (see README).
LIVE ?= 1
LIVE_FLAG := $(if $(filter 0,$(LIVE)),--no-live,)
FALLBACK_FLAG := $(if $(and $(filter 1,$(FALLBACK)),$(filter $(DEFAULT_MODEL),$(FIRST_MODEL))),--fallback-to-stand-in,)
# Reproducible output: the date shown on the page is the last commit's, unless set by the caller.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: build test lint test-under-load serve check bench setup clean new notices golden

build: $(VENV)/.installed node_modules/.installed
	$(PY) build.py $(foreach m,$(MODEL),--model $(m)) --out $(OUT) --device $(DEVICE) $(FALLBACK_FLAG) $(LIVE_FLAG)

# The golden check: MODEL (the build's) against numbers its authors published (golden/cases.yaml); it downloads
# the images of cases given by url. The publishing workflow runs it before the build (README, "The golden check").
golden: MODEL := $(FIRST_MODEL)
golden: $(VENV)/.installed
	$(PY) -m explainer.golden --model $(MODEL) --fetch

# The suite in parallel (pytest-xdist): one worker per core, a test file's tests on one worker (its module's
# Chromium and server stay one); the full site is built once per run and shared (tests/conftest.py shared_once).
test: $(VENV)/.installed node_modules/.installed /usr/bin/chromium
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest -q -n auto --dist loadfile tests

# ruff (rules in pyproject.toml) and ESLint (eslint.config.mjs), zero findings; `make test` runs it first.
lint: $(VENV)/.installed node_modules/.installed
	$(VENV)/bin/ruff check .
	node_modules/.bin/eslint .

# The same suite while two busy loops hold both cores (at most an hour each): proof that a slow or busy
# machine cannot fail it, since `make test` judges only bytes, counts and side-by-side ratios.
test-under-load:
	@bash -c 'for i in 1 2; do timeout 3600 bash -c "while :; do :; done" & done; \
	  trap "kill $$(jobs -p) 2>/dev/null" EXIT; $(MAKE) --no-print-directory test'

# The Nu HTML Checker (vnu-jar, pinned in package.json; needs Java) over every page, then the link check.
check: build
	java -jar node_modules/vnu-jar/build/dist/vnu.jar --errors-only --skip-non-html $(OUT)
	$(PY) -m explainer.check $(OUT)

# Speed and size against budgets; prints a table and writes bench/results.md (about 10 minutes). One item
# alone: make bench ONLY=embed (or page, rebuilds, memory, live, phone; see bench/__init__.py).
bench: $(VENV)/.installed node_modules/.installed /usr/bin/chromium
	$(PY) -m bench $(if $(ONLY),--only $(ONLY),)

# HOST=0.0.0.0 serves every network interface (see the README before using it); PORT=0 picks a free one.
serve: MODEL := $(FIRST_MODEL)
serve: $(VENV)/.installed node_modules/.installed
	$(PY) -m explainer.serve --model $(MODEL) --out $(OUT) --device $(DEVICE) $(LIVE_FLAG) --host $(HOST) --port $(PORT)

# A new section: make new SECTION=name writes content/sections/NN-name.md (a draft) after the last one.
new:
	@test -n "$(SECTION)" || { echo "usage: make new SECTION=name" >&2; exit 2; }
	$(PY) -m explainer.new $(SECTION)

# THIRD_PARTY_NOTICES.md from package-lock.json, node_modules and the pinned Python packages (a test checks it is current).
notices:
	$(PY) -m explainer.notices

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt --no-deps
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work offline).
/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ]; then apt-get install -y chromium || (apt-get update && apt-get install -y chromium); \
	else echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi

clean:
	rm -rf $(OUT) .cache
