#!/usr/bin/env bash
# Installs what is missing, builds in release with testing enabled (numeric tests are far too slow in
# debug) and runs the whole test suite, the end-to-end tests of the built binary included.
# The suite is XCTest only; the last line is the plain "N passed, N failed" count.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test -c release -Xswiftc -enable-testing --disable-swift-testing "$@" 2>&1 | tee "$log" || status=$?
summary=$(grep -E "^[[:space:]]*Executed [0-9]+ tests?, with [0-9]+ failures?" "$log" | tail -1 || true)
if [[ -n $summary ]]; then
  total=$(sed -E 's/.*Executed ([0-9]+) tests?.*/\1/' <<<"$summary")
  failed=$(sed -E 's/.*with ([0-9]+) failures?.*/\1/' <<<"$summary")
  echo "$((total - failed)) passed, $failed failed"
fi
exit $status
