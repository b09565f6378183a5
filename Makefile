# Every target that needs Python builds its own virtual environment first,
# so a fresh machine needs only python3 and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8080
# The suite's workers (pytest-xdist): one per core; WORKERS=0 runs it in this one process.
WORKERS ?= auto

.PHONY: run test lint bench fuzz api-fuzz clean format bpmn-tools

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/egovsim serve --host $(HOST) --port $(PORT)

test: $(STAMP) bpmn-tools
	$(BIN)/python -m pytest -q -n $(WORKERS) --dist loadgroup

# bpmn-moddle (pinned in tools/bpmn/package-lock.json) validates the BPMN export in the tests;
# without npm the test says it is skipped and why.
BPMN_TOOLS := tools/bpmn/node_modules/.package-lock.json

$(BPMN_TOOLS): tools/bpmn/package-lock.json
	cd tools/bpmn && npm ci --no-audit --no-fund --loglevel=error

bpmn-tools:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(BPMN_TOOLS); \
	else echo "npm not found: tests/test_diagrams_bpmn.py will be skipped"; fi

lint: $(STAMP)
	$(BIN)/ruff check egovsim tests bench examples
	$(BIN)/ruff format --check egovsim tests bench examples
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix egovsim tests bench examples
	$(BIN)/ruff format egovsim tests bench examples

bench: $(STAMP)
	$(BIN)/python -m bench

# Every parser fuzzed with mutations of valid inputs for FUZZ_SECONDS each (the suite's property
# tests run the same targets for seconds); prints the inputs tried and the failures.
FUZZ_SECONDS ?= 30
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz --seconds $(FUZZ_SECONDS)

# Schemathesis over the OpenAPI document of a running simulator, as a citizen, a staff member
# and the operator, bounded in time (CI runs it): 0 server errors or it fails.
api-fuzz: $(STAMP)
	$(BIN)/python -m tests.api_fuzz --examples 6 --seconds 150

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache data tools/bpmn/node_modules \
		fuzz-failures api-fuzz .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
