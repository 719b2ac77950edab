#!/usr/bin/env bash
# The project's test command: install missing test prerequisites, build everything (the end-to-end tests run the
# fathom-sim binary, which only a build of the bin target produces), then run every test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-tests.sh
cargo build --workspace --all-targets
cargo test --workspace
