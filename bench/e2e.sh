#!/usr/bin/env bash
# bench/e2e.sh -- end-to-end benchmarks of the goodwork binary: wall time, CPU time (user + sys)
# and peak resident memory of whole commands, from reading the data file to writing the
# results file, measured with /usr/bin/time -v (Debian package `time`).
#
# usage: bench/e2e.sh [--sizes "1e5 1e6 1e7"] [--areas "360 10000 100000"] [--no-1e7]
#                     [--formats "h5 csv"] [--full-pipeline] [--json OUT.json] [--keep DIR]
#   --sizes          rows of the generated regression data (bench/bench_gen.c: y, x1..x10,
#                    firm = row / 20, year = row mod 20, cnt); default 1e5 1e6 1e7
#   --no-1e7         leave out 1e7 (also done automatically, with a message, when
#                    MemAvailable is below 8 GB: a 1e7-row CSV fit peaks near 4 GB)
#   --areas          panels of `goodwork generate --las N` (x 15 years) for `goodwork run`
#   --full-pipeline  run datasets/default.ini unchanged on every panel; by default panels of
#                    more than 10,000 areas use boot = 99 and draws = 100 (the mediation
#                    bootstrap and scenario draws scale with areas x replications)
#   --json OUT       also write the results as a `goodwork bench` JSON document (cases named
#                    e2e_*), for bench/compare and `goodwork bench --plot DIR --from OUT`
#   --keep DIR       generate into DIR and keep it (default: a temporary directory)
# Models (goodwork fit, --out results.h5, 2 threads = all cores):
#   ols_hc1      y ~ x1 + ... + x10, --vcov hc1
#   fe2_cluster  y ~ x1 + ... + x10 | firm + year, --vcov cluster:firm
#   poisson_fe   cnt ~ x1 + x2 + x3 | firm + year, --estimator poisson, --vcov cluster:firm
# each on the .h5 and the .csv file. Data generation is timed separately and not counted.
# Output: a markdown table on stdout (one row per command).
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
SIZES="1e5 1e6 1e7"
AREAS="360 10000 100000"
FORMATS="h5 csv"
FULL=0
JSON=""
KEEP=""
NO7=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    --areas) AREAS="$2"; shift 2 ;;
    --formats) FORMATS="$2"; shift 2 ;;
    --no-1e7) NO7=1; shift ;;
    --full-pipeline) FULL=1; shift ;;
    --json) JSON="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    -h|--help) sed -n 2,27p "$0"; exit 0 ;;
    *) echo "bench/e2e.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ ! -x /usr/bin/time ]; then
  echo "bench/e2e.sh: /usr/bin/time is missing (apt-get install -y time)" >&2
  exit 2
fi
BUILD="${GW_BUILD_DIR:-build}"
if [ ! -x "$BUILD/cli/goodwork" ] || [ ! -x "$BUILD/bench/bench_gen" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j2 --target goodwork bench_gen >/dev/null
fi
GW="$(cd "$BUILD" && pwd)/cli/goodwork"
GEN="$(cd "$BUILD" && pwd)/bench/bench_gen"
if [ -n "$KEEP" ]; then
  mkdir -p "$KEEP"; dir="$(cd "$KEEP" && pwd)"
else
  dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT
fi
avail_kb=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
if [ "$NO7" = 0 ] && [ "$avail_kb" -lt 8000000 ]; then
  echo "# MemAvailable $((avail_kb / 1024)) MB < 8 GB: leaving out 1e7 rows" >&2
  NO7=1
fi
if [ "$NO7" = 1 ]; then
  SIZES=$(for s in $SIZES; do [ "$(printf '%.0f' "$s")" -ge 10000000 ] || printf '%s ' "$s"; done)
fi
results="$dir/e2e_results.tsv"
: > "$results"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# goodwork: $GW"

# measure NAME N -- COMMAND...: runs COMMAND under /usr/bin/time -v, appends a TSV row
# (name, n, wall_s, cpu_s, peak_rss_mb, exit) and prints a table row.
measure() {
  local name="$1" n="$2"; shift 3
  local tf="$dir/time.txt" rc=0
  /usr/bin/time -v -o "$tf" "$@" > "$dir/stdout.txt" 2> "$dir/stderr.txt" || rc=$?
  local wall user sys rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0;
           for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$tf")
  user=$(awk -F': ' '/User time/ {print $2}' "$tf")
  sys=$(awk -F': ' '/System time/ {print $2}' "$tf")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$tf")
  local cpu
  cpu=$(echo "$user + $sys" | bc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$n" "$wall" "$cpu" "$rss" "$rc" >> "$results"
  printf '| %s | %s | %.2f | %.2f | %s | %s |\n' "$name" "$n" "$wall" "$cpu" "$rss" \
    "$([ "$rc" = 0 ] && echo ok || echo "exit $rc")"
  [ "$rc" = 0 ] || sed 's/^/#   /' "$dir/stderr.txt" | head -5
}

X="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
echo
echo "| command | rows | wall s | cpu s | peak MB | status |"
echo "|---|---:|---:|---:|---:|---|"
for s in $SIZES; do
  n=$(printf '%.0f' "$s")
  t0=$(date +%s.%N)
  "$GEN" "$n" "$dir/d$n" both
  echo "# generated $n rows in $(echo "$(date +%s.%N) - $t0" | bc -l | xargs printf '%.1f') s:" \
       "$(du -h "$dir/d$n.csv" | cut -f1) CSV, $(du -h "$dir/d$n.h5" | cut -f1) HDF5"
  for f in $FORMATS; do
    data="$dir/d$n.$f"
    rm -f "$dir/r.h5"
    measure "e2e_ols_hc1_$f" "$n" -- "$GW" fit --data "$data" --model "y ~ $X" --vcov hc1 \
      --out "$dir/r.h5" --name ols --format json
    measure "e2e_fe2_cluster_$f" "$n" -- "$GW" fit --data "$data" \
      --model "y ~ $X | firm + year" --vcov cluster:firm --out "$dir/r.h5" --name fe2 --format json
    measure "e2e_poisson_fe_$f" "$n" -- "$GW" fit --data "$data" --estimator poisson \
      --model "cnt ~ x1 + x2 + x3 | firm + year" --vcov cluster:firm --out "$dir/r.h5" \
      --name pois --format json
  done
  rm -f "$dir/d$n.csv" "$dir/d$n.h5"
done

for a in $AREAS; do
  "$GW" generate --las "$a" --out "$dir/p$a.h5" --quiet
  ini="$dir/p$a.ini"
  sed "s|^file = .*|file = p$a.h5|" datasets/default.ini > "$ini"
  label="e2e_run_default"
  if [ "$FULL" = 0 ] && [ "$a" -gt 10000 ]; then
    sed -i 's|^boot = .*|boot = 99|; s|^draws = .*|draws = 100|' "$ini"
    label="e2e_run_default_b99_d100"
  fi
  rm -rf "$dir/out$a"
  measure "$label" "$((a * 15))" -- "$GW" run "$ini" --outdir "$dir/out$a" --quiet
  [ -f "$dir/out$a/report.md" ] && sed -n '/^| step |/,/^$/p' "$dir/out$a/report.md" |
    sed "s/^/#   areas=$a /"
  rm -rf "$dir/out$a" "$dir/p$a.h5"
done

if [ -n "$JSON" ]; then
  /usr/bin/python3 - "$results" "$JSON" "$(git rev-parse --short HEAD 2>/dev/null || true)" <<'EOF'
import json, os, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
cases = [{"name": r[0], "n": int(r[1]), "p": None, "bytes": None, "threads": os.cpu_count(),
          "reps": 1, "median_s": float(r[2]), "min_s": float(r[2]), "max_s": float(r[2]),
          "cpu_s": float(r[3]), "peak_rss_mb": float(r[4]), "exit": int(r[5]),
          "floor": None, "floor_median_s": None, "ratio": None} for r in rows]
doc = {"machine": {"cores": os.cpu_count()}, "commit": sys.argv[3] or None, "e2e": True,
       "threads": [os.cpu_count()], "cases": cases}
json.dump(doc, open(sys.argv[2], "w"), indent=1)
EOF
  echo "# wrote $JSON"
fi
