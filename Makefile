# The interface everyone uses: make build | test | serve | check | bench
# `make build` uses the real CLIP weights when it can get them and otherwise falls back, loudly, to the
# untrained stand-in (see README). MODEL=stand-in or MODEL=/path/to/clip chooses explicitly.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MODEL ?= openai/clip-vit-base-patch32
OUT ?= site
FALLBACK := $(if $(filter openai/clip-vit-base-patch32,$(MODEL)),--fallback-to-stand-in,)
# Reproducible output: the date shown on the page is the last commit's, unless set by the caller.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: build test serve check bench setup clean

build: $(VENV)/.installed node_modules/.installed
	$(PY) build.py --model $(MODEL) --out $(OUT) $(FALLBACK)

test: $(VENV)/.installed node_modules/.installed
	$(PY) -m pytest -q tests

serve: build
	$(PY) -m http.server --bind 127.0.0.1 --directory $(OUT) 8000

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt --no-deps
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(OUT) .cache
