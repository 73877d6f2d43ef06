# The task runner. `make demo` and `make test` are the README's quick start; both install what they need.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: demo test test-rs lint fmt build clean fuzz fuzz-smoke fuzz-run fuzz-seeds

## demo: the scim-expr command on the bundled SCIM data in examples/
demo:
	$(CARGO) build --release --locked -p scim-expr-cli
	SCIM_EXPR=$(CURDIR)/target/release/scim-expr bash examples/demo.sh

## test: every test suite the project has
test: lint test-rs fuzz-smoke

## test-rs: unit tests, the vectors (one test per id), doctests, CLI tests, property tests
test-rs:
	$(CARGO) test --workspace --locked

## lint: formatting and clippy, warnings are errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

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
