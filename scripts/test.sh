#!/usr/bin/env bash
# Installs what is missing, builds in release with testing enabled, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build -c release 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
swift test -c release -Xswiftc -enable-testing "$@"
