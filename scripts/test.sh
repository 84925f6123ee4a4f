#!/usr/bin/env bash
# Installs what is missing, builds in release with testing enabled (numeric tests are far too slow in
# debug) and runs the whole test suite, the end-to-end tests of the built binary included.
# The suite is XCTest only; the last line counts every test case of the run: passed, failed and skipped
# (with the skipped ones named above it). A short fuzz pass follows the tests (scripts/fuzz.sh, about 10^4
# executions per parser, its build included; skipped when arguments such as --filter are given): any finding
# makes the exit status non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test -c release -Xswiftc -enable-testing --disable-swift-testing "$@" 2>&1 | tee "$log" || status=$?
# Count test cases, not suite summaries: "Test Case '…' passed|failed|skipped (…)" — one line per case.
passed=$(grep -cE "^Test Case '.*' passed \(" "$log" || true)
failed=$(grep -cE "^Test Case '.*' failed \(" "$log" || true)
skipped=$(grep -cE "^Test Case '.*' skipped \(" "$log" || true)
fuzz=0
if (($# == 0)); then ./scripts/fuzz.sh "${DENI_FUZZ_RUNS:-10000}" || fuzz=$?; fi
if ((fuzz != 0)); then
  echo "the fuzz pass found a problem (see above)"
  status=$((status == 0 ? fuzz : status))
fi
if ((skipped > 0)); then
  echo "skipped:"
  grep -E "^Test Case '.*' skipped \(" "$log" | sed -E "s/^Test Case '-?\[?([^']*)\]?' skipped.*/  \1/"
fi
if ((passed + failed + skipped == 0)); then
  echo "no test ran (see the build output above)"
  exit $((status == 0 ? 1 : status))
fi
# The Slurm check (scripts/slurm-check.sh: real slurmctld, slurmd and munged on this machine, a sweep submitted
# as a job array and compared bit for bit with a local run). DENI_SLURM_CHECK=0 leaves it out.
slurm_line="slurm check: not run (DENI_SLURM_CHECK=0)"
if [[ ${DENI_SLURM_CHECK:-1} != 0 ]]; then
  bin=$(swift build -c release -Xswiftc -enable-testing --show-bin-path)
  if ./scripts/slurm-check.sh "$bin/deni"; then slurm_line="slurm check: passed"
  else slurm_line="slurm check: FAILED"; status=1; fi
fi
echo "$slurm_line"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
