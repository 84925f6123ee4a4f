#!/usr/bin/env bash
# The reproduction study (issue 8): runs the configs in study/ in order, each into a session under
# sessions/study/. A finished session is skipped and an unfinished one is resumed, so the study runs in
# chunks: start it, let it be stopped (Ctrl-C, a killed process or the end of a working session), commit
# sessions/study/, and run it again later. Needs a release build (./scripts/run.sh or swift build -c release).
set -euo pipefail
cd "$(dirname "$0")/.."
export DENI_SESSIONS=$PWD/sessions/study
mkdir -p "$DENI_SESSIONS"
for cfg in study/*.json; do
  name=$(sed -n 's/^ *"name" *: *"\([^"]*\)".*/\1/p' "$cfg" | head -1)
  folder=$(ls -d "$DENI_SESSIONS"/*-"$name" 2>/dev/null | tail -1 || true)
  if [[ -n $folder ]]; then
    status=$(sed -n 's/^ *"status" *: *"\([a-z]*\)".*/\1/p' "$folder/manifest.json" | head -1)
    if [[ $status == finished ]]; then echo "study: $name finished"; continue; fi
    echo "study: resuming $name ($folder)"
    .build/release/deni resume "$folder"
  else
    echo "study: starting $name"
    .build/release/deni run --config "$cfg"
  fi
done
