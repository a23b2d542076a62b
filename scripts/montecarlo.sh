#!/usr/bin/env bash
# The Monte Carlo check of issue 5 (slow; never part of ctest): bias, RMSE and 95% coverage of
# the two-way fixed-effects slopes and of the mediation's indirect effect over R panels
# generated in memory (seeds 1..R), with B cluster-bootstrap replications per panel.
# Usage: scripts/montecarlo.sh [R [B]]   (defaults R = 200, B = 199)
# Builds bench_montecarlo in $BUILD (default build) if needed; the table goes to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export OPENBLAS_NUM_THREADS=1
R="${1:-200}"
B="${2:-199}"
BUILD="${BUILD:-build}"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$BUILD" --target bench_montecarlo -j"$(nproc)" >/dev/null
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
t0=$(date +%s.%N)
"$BUILD/bench/bench_montecarlo" "$R" "$B"
t1=$(date +%s.%N)
echo "# wall time: $(echo "$t1 - $t0" | bc -l | xargs printf '%.1f') s"
