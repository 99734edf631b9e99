# One entry point: `make` builds the example project, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all example test lint bench release clean

all: example

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

EXAMPLE_FLAGS := --title "U.S.–Mexico Relations, 2021–2022" --subtitle "White House statements and remarks" \
	--publisher "Publisher example project"

example: $(STAMP)
	$(BIN)/publisher check examples/content
	$(BIN)/publisher build examples/content $(EXAMPLE_FLAGS) -f epub -o dist/example.epub
	$(BIN)/publisher build examples/content $(EXAMPLE_FLAGS) -f pdf --layout brief -o dist/example-brief.pdf

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check publisher tests
	$(BIN)/ruff format --check publisher tests
	$(BIN)/mypy

clean:
	rm -rf dist build .publisher-cache
