#!/usr/bin/env bash
# The main job: build the simulator (release) and run the AI-cluster scenario, with progress, then print its
# summary. Needs only a Rust toolchain (protos compile with protox, no protoc). Pass extra args to `fathom-sim run`,
# e.g. `--output json`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v cargo >/dev/null 2>&1 || { echo "demo: cargo not found; install Rust with rustup (https://rustup.rs), then rerun" >&2; exit 1; }
if ! command -v cc >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq gcc
fi
cargo build --release -p fathom-sim --bin fathom-sim
./target/release/fathom-sim run simulator/scenarios/ai-cluster.toml --progress "$@"
