#!/usr/bin/env bash
# Installs what the test suite needs, and only what is missing (safe to run again):
#   - protobuf-compiler + libprotobuf-dev (protoc and the well-known .proto includes, for crates that need them;
#     fathom-proto itself compiles with protox and needs neither),
#   - prometheus (its promtool checks fathomd's metrics exposition),
#   - python3 + pip, and pygnmi (the third-party gNMI client of the end-to-end tests).
# Set FATHOM_PYTHON to use another interpreter than `python3`.
set -euo pipefail

PYTHON=${FATHOM_PYTHON:-python3}
missing=()
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
[ -f /usr/include/google/protobuf/descriptor.proto ] || missing+=(libprotobuf-dev)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v "$PYTHON" >/dev/null 2>&1 || missing+=(python3)
"$PYTHON" -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)

if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup-tests: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

if ! "$PYTHON" -c 'import pygnmi' >/dev/null 2>&1; then
    echo "setup-tests: pip install pygnmi" >&2
    # Debian's system Python refuses plain pip installs (PEP 668); retry with the override there.
    "$PYTHON" -m pip install --quiet pygnmi || "$PYTHON" -m pip install --quiet --break-system-packages pygnmi
fi
"$PYTHON" -c 'import pygnmi' || { echo "setup-tests: pygnmi still not importable by $PYTHON" >&2; exit 1; }
