# The task runner. `make demo` and `make test` are the README's quick start; both install what they need.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: demo test test-rs test-py test-node bench-node lint fmt build clean

## demo: the scim-expr command on the bundled SCIM data in examples/
demo:
	$(CARGO) build --release --locked -p scim-expr-cli
	SCIM_EXPR=$(CURDIR)/target/release/scim-expr bash examples/demo.sh

## test: every test suite the project has
test: lint test-rs test-py test-node

## test-rs: unit tests, the vectors (one test per id), doctests, CLI tests, property tests
test-rs:
	$(CARGO) test --workspace --locked

## test-py: the Python binding: a local .venv with maturin, pytest and mypy from PyPI, the package built from
## source by `pip install ./bindings/python`, then mypy --strict and pytest (every vector, API, errors, threads)
PYTHON ?= python3
VENV := $(CURDIR)/.venv
test-py:
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q -r bindings/python/requirements-dev.txt
	PATH="$(VENV)/bin:$$PATH" $(VENV)/bin/python -m pip install -q --no-build-isolation ./bindings/python
	cd bindings/python && $(VENV)/bin/python -m mypy --strict python/scim_expr tests
	cd bindings/python && $(VENV)/bin/python -m pytest -q tests

NODE_DIR := bindings/node

## test-node: the Node addon built from source (npm ci when node_modules is missing or older than the lock
## file), its types checked by tsc, and node --test: every vector through both paths, API, errors, hostile input,
## the README's JS blocks
test-node: $(NODE_DIR)/node_modules/.package-lock.json
	cd $(NODE_DIR) && npm run --silent build && npm run --silent typecheck && node --test test/

$(NODE_DIR)/node_modules/.package-lock.json: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund

## bench-node: the Node conversion measurements of benches/node-conversion.md
bench-node: $(NODE_DIR)/node_modules/.package-lock.json
	cd $(NODE_DIR) && npm run --silent build && node bench/conversion.mjs 2

## lint: formatting and clippy, warnings are errors (the binding crates also with their python and napi features)
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy -p scim-expr-python --features python --all-targets --locked -- -D warnings
	$(CARGO) clippy -p scim-expr-node --features napi --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
