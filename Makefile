# The task runner. `make demo` and `make test` are the README's quick start; both install what they need.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: demo test test-rs lint fmt build clean

## demo: the scim-expr command on the bundled SCIM data in examples/
demo:
	$(CARGO) build --release --locked -p scim-expr-cli
	SCIM_EXPR=$(CURDIR)/target/release/scim-expr bash examples/demo.sh

## test: every test suite the project has
test: lint test-rs

## test-rs: unit tests, the vectors (one test per id), doctests, CLI tests, property tests
test-rs:
	$(CARGO) test --workspace --locked

## lint: formatting and clippy, warnings are errors
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
