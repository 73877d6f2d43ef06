# The task runner. `make demo` and `make test` are the README's quick start; both install what they need.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: demo test test-rs test-bench lint fmt build clean bench bench-rs bench-py bench-node

## demo: the scim-expr command on the bundled SCIM data in examples/
demo:
	$(CARGO) build --release --locked -p scim-expr-cli
	SCIM_EXPR=$(CURDIR)/target/release/scim-expr bash examples/demo.sh

## test: every test suite the project has
test: lint test-rs test-bench

## test-rs: unit tests, the vectors (one test per id), doctests, CLI tests, property tests
test-rs:
	$(CARGO) test --workspace --locked

## test-bench: compiles the criterion benches and runs each case once, untimed (a case that fails is an error)
test-bench:
	$(CARGO) test --locked -p scim-expr-benches --benches

## bench: every benchmark: Rust criterion (with the Rust peers), then the Python and Node comparisons
bench: bench-rs bench-py bench-node

BENCH_PY := benches/compare/python
BENCH_NODE := benches/compare/node

## bench-rs: criterion benches of the core and of scim_v2 / scim-filter; prints the medians and ratios
bench-rs:
	nice $(CARGO) bench --locked -p scim-expr-benches --bench core $(if $(BENCH_ARGS),-- $(BENCH_ARGS))
	$(CARGO) run --release --locked -q -p scim-expr-benches --bin agreement
	$(CARGO) run --release --locked -q -p scim-expr-benches --bin summary

## bench-py: the Python binding vs scim2-models and scim2-filter-parser, in a benchmark-only virtualenv
bench-py:
	test -x $(BENCH_PY)/.venv/bin/python || python3 -m venv $(BENCH_PY)/.venv
	$(BENCH_PY)/.venv/bin/pip install -q -r $(BENCH_PY)/requirements.txt
	@test -f bindings/python/pyproject.toml || { echo "bench-py: bindings/python (the Python binding) is missing"; exit 1; }
	$(BENCH_PY)/.venv/bin/pip install -q ./bindings/python
	nice $(BENCH_PY)/.venv/bin/python $(BENCH_PY)/bench.py

## bench-node: the Node binding vs scim2-parse-filter, scim-patch and scimmy, peers from their own package-lock.json
bench-node:
	cd $(BENCH_NODE) && npm ci --no-audit --no-fund
	@test -f bindings/node/package.json || { echo "bench-node: bindings/node (the Node binding) is missing"; exit 1; }
	cd bindings/node && npm ci --no-audit --no-fund && npm run build
	nice node $(BENCH_NODE)/bench.js

## lint: formatting and clippy, warnings are errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
