#!/usr/bin/env bash
# Installs what is missing, builds in release with testing enabled (numeric tests are far too slow in
# debug) and runs the whole test suite, the end-to-end tests of the built binary included.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift test -c release -Xswiftc -enable-testing "$@"
