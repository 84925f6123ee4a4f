#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser a user's file reaches (issue 20). Builds the libFuzzer harness
# (Fuzz/Harness: one executable, one entry per parser, chosen by DENI_FUZZ_ENTRY) with coverage and the address
# sanitizer, in debug (the quickest build) and its own scratch path (.build-fuzz), then runs each entry for RUNS
# executions (default 100000) from its committed seeds (Fuzz/Corpus/<entry>/) and what earlier passes found
# (.build-fuzz/corpus/<entry>/).
#   scripts/fuzz.sh [RUNS] [ENTRY…]
# One line per entry (entries run side by side, one per core): executions and seconds. Any crash, hang (10 s per
# input) or sanitizer report stops that entry, keeps the input as .build-fuzz/findings/<entry>-crash-… (replay:
# DENI_FUZZ_ENTRY=<entry> <binary> <file>) and makes the script exit non-zero after the other entries ran. Leak detection is off:
# LeakSanitizer reports buffers of Foundation's own file reading (Data(contentsOf:)) held past the parse, which
# are no memory-safety finding; every address error (overflow, use after free) still stops the entry.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100000}
shift || true
if (($# > 0)); then entries=("$@"); else entries=($(ls Fuzz/Corpus)); fi
scratch=.build-fuzz
# One -sanitize=fuzzer,address, last on the command line: SwiftPM's --sanitize passes each sanitizer as its own
# flag and swiftc keeps only the last (no coverage counters: libFuzzer would mutate blind). --sanitize fuzzer
# stays so that SwiftPM links the executable for libFuzzer's main.
build=(swift build --scratch-path "$scratch" --product deni-fuzz --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address)
start=$SECONDS
built=0
DENI_FUZZ=1 "${build[@]}" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]|prohibited flag|ld.gold: warning: Cannot export local symbol|^Building for' || built=${PIPESTATUS[0]}
bin="$(DENI_FUZZ=1 "${build[@]}" --show-bin-path)/deni-fuzz"
if ((built != 0)) || [[ ! -x "$bin" ]]; then echo "fuzz: the harness did not build"; exit 1; fi
echo "fuzz: harness built in $((SECONDS - start)) s; $runs executions per entry"
mkdir -p "$scratch/findings"
# One entry: libFuzzer from the committed seeds plus what earlier passes found; writes its result line.
fuzz_entry() {
  local entry=$1 log="$scratch/findings/$1.log" t0=$EPOCHREALTIME outcome="no finding" executed seconds
  mkdir -p "$scratch/corpus/$entry"
  if ! ASAN_OPTIONS=detect_leaks=0 DENI_FUZZ_ENTRY="$entry" DENI_FUZZ_FIXTURES=Fuzz/Fixtures "$bin" -runs="$runs" -timeout=10 \
       -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$scratch/findings/$entry-" \
       "$scratch/corpus/$entry" "Fuzz/Corpus/$entry" >"$log" 2>&1; then
    outcome="FINDING (see $log)"
  fi
  seconds=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
  executed=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+$' || echo "?")
  printf 'fuzz: %-18s %9s executions in %6.1f s, %s\n' "$entry" "$executed" "$seconds" "$outcome" >"$scratch/findings/$entry.result"
}
# As many entries at a time as there are cores (or DENI_FUZZ_JOBS); results in entry order.
parallel=${DENI_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
for entry in "${entries[@]}"; do
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n || true; done
  rm -f "$scratch/findings/$entry.result"
  fuzz_entry "$entry" &
done
wait
failed=()
for entry in "${entries[@]}"; do
  cat "$scratch/findings/$entry.result"
  grep -q "FINDING" "$scratch/findings/$entry.result" && failed+=("$entry")
done
echo "fuzz: $((SECONDS - start)) s in all (build included), $parallel entries at a time"
if ((${#failed[@]} > 0)); then
  echo "fuzz: findings in ${failed[*]}"
  for entry in "${failed[@]}"; do grep -m 3 -E 'ERROR|Fatal error|==[0-9]+==|deadly signal|timeout' "$scratch/findings/$entry.log" | sed "s/^/  $entry: /"; done
  exit 1
fi
