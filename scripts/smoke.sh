#!/usr/bin/env bash
# The smoke experiment: every mitigation strategy once on a small real configuration (TREC, LoRA,
# 200 samples, 4 epochs (so that DENI's epoch-long rounds fit), 2 runs, ensembles of 3). Records a session like any experiment.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .build/release/deni run --yes --dataset trec --tuning lora --samples 200 --epochs 4 --runs 2 --ensemble-size 3 \
  --eval-subsample 100 --name smoke-all-strategies \
  --strategy default best_practices ensemble input_noise weight_noise prior_noise swa ema mixout augment de ni deni deni_augment "$@"
