# One front door for developer tasks. Every target creates .venv if it is
# missing and (re)installs the package when pyproject.toml changes.
#   make book   set everything up and build the book from the shipped data
#   make test   set everything up and run every test (what CI runs)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install test lint book bench clean-book notebooks-clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .

test: install lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup

book: install
	$(BIN)/lupus-teach book build

bench: install
	$(BIN)/python benchmarks/bench_response.py

clean-book:
	rm -rf book/_build
