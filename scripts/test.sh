#!/usr/bin/env bash
# The project's test command: install missing test prerequisites, build everything (the end-to-end tests run the
# fathom-sim binary, which only a build of the bin target produces), then run every test and the engine bench once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-tests.sh
cargo build --workspace --all-targets
cargo test --workspace
# The engine bench runs (in the test profile: a smoke run, not a measurement; BENCHMARKS.md has the figures) and
# checks that repeated runs of benchmark (a) give the same event count. Paths are relative to simulator/.
cargo test -p fathom-sim --bench engine -- --repeat 2 scenarios/bench-32x8.toml
