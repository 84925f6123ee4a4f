#!/usr/bin/env bash
# Installs what is missing, builds (release) and starts the terminal UI on the default experiment.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build -c release 2>&1 | { grep -vE '^\[[0-9]+/[0-9]+\]' || true; }
exec .build/release/deni "$@"
