#!/usr/bin/env bash
# The reproduction study (issue 8): runs the configs in study/ in order, each into a session under
# sessions/study/. A finished session is skipped and an unfinished one is resumed, so the study runs in
# chunks: start it, let it be stopped (Ctrl-C, a killed process or the end of a working session), commit
# sessions/study/, and run it again later. Needs a release build (./scripts/run.sh or swift build -c release).
# Arguments, if any, pick configs by file-name prefix and order (e.g. `scripts/study.sh 02 01`);
# `scripts/study.sh report` only compacts the recorded sessions and regenerates docs/results.md and its plots.
set -euo pipefail
cd "$(dirname "$0")/.."
export DENI_SESSIONS=$PWD/sessions/study
deni=${DENI_BIN:-.build/release/deni}   # DENI_BIN: a copy of the binary, so rebuilding meanwhile is safe
mkdir -p "$DENI_SESSIONS"
report() {
  # One step event per optimiser step would make the committed logs tens of MB; keep every 10th (plus each
  # epoch's last). Results, evaluations and phases are untouched (`deni compact --help`).
  # A session it cannot compact (a live writer) is left as it is and still reported.
  for folder in "$DENI_SESSIONS"/*/; do "$deni" compact "$folder" --steps-every 10 || echo "study: left $folder uncompacted" >&2; done
  "$deni" report sessions/study --notes study/notes.md --out docs/results.md --svg docs/results --no-png
}
if [[ ${1:-} == report ]]; then report; exit; fi
configs=()
if (($#)); then
  for prefix in "$@"; do configs+=(study/"$prefix"*.json); done
else
  configs=(study/*.json)
fi
for cfg in "${configs[@]}"; do
  [[ -f $cfg ]] || { echo "study: no config $cfg" >&2; exit 2; }
  name=$(sed -n 's/^ *"name" *: *"\([^"]*\)".*/\1/p' "$cfg" | head -1)
  folder=$(ls -d "$DENI_SESSIONS"/*-"$name" 2>/dev/null | tail -1 || true)
  if [[ -n $folder ]]; then
    status=$(sed -n 's/^ *"status" *: *"\([a-z]*\)".*/\1/p' "$folder/manifest.json" | head -1)
    if [[ $status == finished ]]; then echo "study: $name finished"; continue; fi
    echo "study: resuming $name ($folder)"
    "$deni" resume "$folder"
  else
    echo "study: starting $name"
    "$deni" run --config "$cfg" --yes
  fi
done
report
