#!/usr/bin/env bash
# Set-up plus the main job: runs the bundled default pipeline (datasets/default.ini) on the
# bundled panel, leaving goodwork-out/results.h5 and goodwork-out/report.md with its plots,
# then re-runs every recorded step and checks each stored number bit for bit.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
bash scripts/setup.sh build
time build/cli/goodwork run --outdir goodwork-out
build/cli/goodwork verify goodwork-out/results.h5
