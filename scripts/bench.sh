#!/usr/bin/env bash
# The OLS and CSV benchmarks of issue 2, with the peers side by side on the same file.
# Usage: scripts/bench.sh [N] [--large]   (N rows for the CSV/peer comparison, default 10^6;
# --large also runs the in-memory OLS benchmark at 10^7 rows). Results go to stdout as
# "case=... key=value" lines; nothing is timed inside the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export OPENBLAS_NUM_THREADS=1
N="${1:-1000000}"
LARGE="${2:-}"
bash scripts/setup.sh build >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

echo "## in-memory OLS (bench_ols)"
build/bench/bench_ols 1000000 10 5
[ "$LARGE" = "--large" ] && build/bench/bench_ols 10000000 10 5

echo "## CSV and end-to-end on a ${N}-row file"
csv="$tmp/ols.csv"
/usr/bin/python3 bench/peers/gen_ols_csv.py "$N" "$csv"
build/bench/bench_csv --file "$csv" --reps 5
model="y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
times=()
for r in 1 2 3 4 5; do
  t0=$(date +%s.%N)
  build/cli/goodwork fit --data "$csv" --model "$model" --vcov cluster:cid --format json \
    > "$tmp/gw.json"
  t1=$(date +%s.%N)
  times+=("$(echo "$t1 - $t0" | bc -l)")
done
med=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 3p)
b=$(/usr/bin/python3 -c "import json;d=json.load(open('$tmp/gw.json'));c=[c for c in d['coefficients'] if c['term']=='x1'][0];print('%.17g %.17g'%(c['estimate'],c['std_error']))")
echo "case=goodwork_fit_csv_cluster n=$N median_s=$med b_x1=${b% *} se_x1=${b#* }"
if command -v Rscript >/dev/null; then
  Rscript bench/peers/ols_cluster.R "$csv" 3
else
  echo "# R not installed: apt-get install -y r-base-core r-cran-data.table r-cran-sandwich"
fi
