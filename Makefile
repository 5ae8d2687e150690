# `make` builds dist/ from the sources; `make test` runs the test suite.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: all build test numbers clean

all: build

# The build draws the network diagram with Graphviz `dot`: install it from
# Debian's packages when it is missing and we may (root), else say how.
DOT := $(shell command -v dot 2>/dev/null)

# (Re)install only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
ifeq ($(DOT),)
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else echo "Graphviz is needed: install it (Debian/Ubuntu: sudo apt-get install graphviz)" >&2; exit 1; fi
endif
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $@

build: $(STAMP)
	$(VENV)/bin/nlsc build

test: $(STAMP)
	$(VENV)/bin/python -m pytest -n auto --dist loadgroup

# The figures quoted in README.md and docs/*.md, rewritten from the fresh build.
numbers: build
	$(VENV)/bin/python tools/doc_numbers.py

clean:
	rm -rf dist
