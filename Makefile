# One entry point: `make` builds the example project, `make check` validates what it built,
# `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: all example check test soak lint bench release clean

all: example

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

example: $(STAMP)
	$(BIN)/publisher check --config examples/publisher.toml
	cd examples && ../$(BIN)/publisher build

# The example's outputs through EPUBCheck, Ace by DAISY where it is installed (on PATH, or in
# .ci/node where .ci/run puts it) and the PDF checks; warnings fail too.
check: example
	cd examples && PATH="$(CURDIR)/.ci/node/node_modules/.bin:$$PATH" \
		../$(BIN)/publisher validate --strict

# Versioned, reproducible release of the example editions into examples/dist/releases/VERSION/:
# dated from the last commit.
release: $(STAMP)
	cd examples && ../$(BIN)/publisher release --version $$(git describe --tags --always)

test: $(STAMP)
	$(BIN)/pytest -q

# The seeded mixed-collections test (random corpus subsets, every layout) with more seeds.
SEEDS ?= 20
soak: $(STAMP)
	PUBLISHER_SEEDS=$(SEEDS) $(BIN)/pytest -q tests/test_mixed_collections.py

lint: $(STAMP)
	$(BIN)/ruff check publisher tests bench
	$(BIN)/ruff format --check publisher tests bench
	$(BIN)/mypy

# Publisher against Pandoc (EPUB) and Pandoc → WeasyPrint (PDF); BENCH_SIZES=20 for a quick look.
# Then the 1,000- and 3,000-document rows (SCALE_SIZES) and bench/memory.png: see bench/README.md.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/run.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/plot.py

clean:
	rm -rf dist build .publisher-cache examples/dist examples/.publisher-cache
