#!/usr/bin/env bash
# The simulator engine's benchmark (BENCHMARKS.md, issue 2), compiled as the release binaries are: with
# `panic = "abort"`. Cargo builds bench targets with unwinding whatever the profile says, so this passes
# `-C panic=abort` itself, into a target directory of its own (the main one keeps its unwinding artifacts for
# tests). Arguments go to the bench binary, e.g.:
#   scripts/bench-engine.sh                                   # both benchmark scenarios, 5 runs each
#   scripts/bench-engine.sh --repeat 7 --seeds 1,2,3,4,5,6,7,42 simulator/scenarios/bench-32x8.toml
# `BENCH_CPU=1 scripts/bench-engine.sh ...` pins the runs (not the build) to that core, for steadier figures.
# `cargo bench -p fathom-sim --no-default-features --bench engine` runs the same binary with unwinding.
set -euo pipefail
# Scenario paths are taken relative to where the script is called from (cargo runs the bench in simulator/).
args=()
for a in "$@"; do
    if [[ "$a" != -* && -e "$a" ]]; then a="$(realpath "$a")"; fi
    args+=("$a")
done
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export RUSTFLAGS="${RUSTFLAGS:-} -C panic=abort"
bench=(cargo bench -p fathom-sim --no-default-features --bench engine --target-dir target/bench-abort)
"${bench[@]}" --no-run
pin=()
if [[ -n "${BENCH_CPU:-}" ]]; then pin=(taskset -c "$BENCH_CPU"); fi
exec "${pin[@]}" "${bench[@]}" -- "${args[@]}"
