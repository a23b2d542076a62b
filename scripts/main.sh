#!/usr/bin/env bash
# Set-up plus the main job: fits the headline model on the bundled data and prints its table.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
bash scripts/setup.sh build
build/cli/goodwork fit --data datasets/grunfeld.csv --model "inv ~ value + capital" \
  --vcov cluster:firm
