#!/usr/bin/env bash
# The main job: build Fathom (release) and run `fathomd demo`: a realistic AI-fabric scenario under static ECMP
# and under Fathom in auto mode, side by side. Needs only a Rust toolchain (protos compile with protox, no
# protoc) and no external service: the fabric simulator runs in process. Extra arguments go to `fathomd demo`
# (e.g. `--duration 60`, `--output json`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v cargo >/dev/null 2>&1 || { echo "demo: cargo not found; install Rust with rustup (https://rustup.rs), then rerun" >&2; exit 1; }
if ! command -v cc >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq gcc
fi
cargo build --release -p fathom-controller --bin fathomd
./target/release/fathomd demo "$@"
