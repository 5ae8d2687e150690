# `make` builds dist/ from the sources; `make test` runs the test suite.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: all build test clean

all: build

# (Re)install only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $@

build: $(STAMP)
	$(VENV)/bin/nlsc build

test: $(STAMP)
	$(VENV)/bin/python -m pytest

clean:
	rm -rf dist
