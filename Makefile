# The task runner. `make demo` and `make test` are the README's quick start; both install what they need.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: demo test test-rs test-py test-node test-bench lint fmt build clean fuzz fuzz-smoke fuzz-run fuzz-seeds bench bench-rs bench-py bench-node bench-node-conversion

## demo: the scim-expr command on the bundled SCIM data in examples/
demo:
	$(CARGO) build --release --locked -p scim-expr-cli
	SCIM_EXPR=$(CURDIR)/target/release/scim-expr bash examples/demo.sh

## test: every test suite the project has
test: lint test-rs test-py test-node test-bench fuzz-smoke

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

## bench-node-conversion: the Node conversion measurements of benches/node-conversion.md
bench-node-conversion: $(NODE_DIR)/node_modules/.package-lock.json
	cd $(NODE_DIR) && npm run --silent build && node bench/conversion.mjs 2

## test-bench: compiles the criterion benches and runs each case once, untimed (a case that fails is an error)
test-bench:
	$(CARGO) test --locked -p scim-expr-benches --benches

## bench: every benchmark: Rust criterion (with the Rust peers), then the Python and Node comparisons
bench: bench-rs bench-py bench-node bench-node-conversion

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
bench-node: $(NODE_DIR)/node_modules/.package-lock.json
	cd $(BENCH_NODE) && npm ci --no-audit --no-fund
	cd $(NODE_DIR) && npm run --silent build
	nice node $(BENCH_NODE)/bench.js

## lint: formatting and clippy, warnings are errors (the binding crates also with their python and napi features)
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy -p scim-expr-python --features python --all-targets --locked -- -D warnings
	$(CARGO) clippy -p scim-expr-node --features napi --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

# Fuzzing (fuzz/README.md): cargo-fuzz on nightly, installed into target/tools if missing.
FUZZ_TARGETS := filter_parse filter_roundtrip filter_eval path_parse patch_apply
FUZZ_SMOKE_SECONDS ?= 30
FUZZ_SECONDS ?= 1800
FUZZ_RUN_SECONDS ?= $(FUZZ_SMOKE_SECONDS)
FUZZ_TOOLS := $(CURDIR)/target/tools
CARGO_FUZZ := $(FUZZ_TOOLS)/bin/cargo-fuzz
# No sanitizer (the crate has no unsafe code; panics are what the oracles report), debug assertions on.
FUZZ_RUN = PATH="$(FUZZ_TOOLS)/bin:$$PATH" RUSTUP_TOOLCHAIN=nightly nice $(CARGO_FUZZ) fuzz run -s none -a \
	--fuzz-dir fuzz $$t fuzz/corpus/$$t fuzz/seeds/$$t -- -dict=fuzz/scim.dict -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1

$(CARGO_FUZZ):
	$(CARGO) install cargo-fuzz --locked --root $(FUZZ_TOOLS)

## fuzz-smoke: every fuzz target for FUZZ_SMOKE_SECONDS (30) from the seeds; a crash fails. Skipped without nightly
fuzz-smoke:
	@if ! rustup run nightly rustc --version >/dev/null 2>&1; then \
		echo "fuzz-smoke: SKIPPED: no nightly Rust toolchain (cargo-fuzz needs one: rustup toolchain install nightly)"; \
	else \
		$(MAKE) --no-print-directory fuzz-run FUZZ_RUN_SECONDS=$(FUZZ_SMOKE_SECONDS); \
	fi

## fuzz: every fuzz target for FUZZ_SECONDS (default 1800) each, e.g. make fuzz FUZZ_SECONDS=600
fuzz:
	@rustup run nightly rustc --version >/dev/null 2>&1 || { echo "fuzz: needs a nightly Rust toolchain"; exit 1; }
	$(MAKE) --no-print-directory fuzz-run FUZZ_RUN_SECONDS=$(FUZZ_SECONDS)

fuzz-run: $(CARGO_FUZZ)
	PATH="$(FUZZ_TOOLS)/bin:$$PATH" RUSTUP_TOOLCHAIN=nightly nice $(CARGO_FUZZ) fuzz build -s none -a --fuzz-dir fuzz
	@mkdir -p target/fuzz-logs; for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$t; \
		echo "== fuzz $$t: $(FUZZ_RUN_SECONDS) s (log: target/fuzz-logs/$$t.log)"; \
		rc=0; $(FUZZ_RUN) -max_total_time=$(FUZZ_RUN_SECONDS) > target/fuzz-logs/$$t.log 2>&1 || rc=$$?; \
		grep -E "^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)" \
			target/fuzz-logs/$$t.log || true; \
		if [ $$rc -ne 0 ]; then \
			grep -E -A3 "panicked|^SUMMARY|^artifact_prefix|Test unit written|^==[0-9]+==" target/fuzz-logs/$$t.log | head -40; \
			echo "fuzz $$t FAILED (exit $$rc): the input is in fuzz/artifacts/$$t; reproduce with"; \
			echo "  RUSTUP_TOOLCHAIN=nightly $(CARGO_FUZZ) fuzz run -s none -a $$t fuzz/artifacts/$$t/<file>"; \
			exit 1; \
		fi; \
	done

## fuzz-seeds: rewrite fuzz/seeds from tests/vectors
fuzz-seeds:
	python3 fuzz/make_seeds.py

clean:
	$(CARGO) clean
