#!/usr/bin/env bash
# bench/e2e_data.sh -- the data path from file to printed answer (issue 15): whole `goodwork fit`
# processes from CSV and from .h5, against R data.table::fread on the same file and, where it is
# installed, fixest's fread + feols, all in one run on the same files; medians of REPS runs.
#
# usage: bench/e2e_data.sh [--sizes "1e6 1e7"] [--reps 3] [--threads 2] [--dir DIR]
#                          [--fixest-lib RLIBDIR] [--out FILE.md]
#   --sizes       rows of bench_gen's `random` layout: y, x1..x10, fe1 (100,000 random levels),
#                 fe2 (1,000), cl = fe1 mod 5,000 (fe1 nested in the 5,000 clusters)
#   --dir DIR     where the data are generated and kept (default: a temporary directory);
#                 files already there (rN.csv, rN.h5) are reused
#   --fixest-lib  an R library folder holding fixest (not packaged for Debian): adds fixest's
#                 `fread + feols` and `feols` alone (timed inside R, so R's start-up is not
#                 counted against it)
# Models: two-way FE + cluster `y ~ x1 + ... + x10 | fe1 + fe2, cluster cl` and OLS + cluster
# `y ~ x1 + ... + x10, cluster cl`. goodwork's rows are whole processes (`/usr/bin/time`:
# wall, user, system, peak RSS) with the stage timings of `fit --timings` (medians per stage).
# The .h5 table is made by `goodwork convert` (timed: the convert row) with the identifiers
# stored as categorical codes (--factor fe1,fe2,cl) when convert supports it.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
SIZES="1e6 1e7"
REPS=3
THREADS=2
DIR=""
FIXEST=""
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    --fixest-lib) FIXEST="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n 2,21p "$0"; exit 0 ;;
    *) echo "bench/e2e_data.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for tool in /usr/bin/time Rscript; do
  command -v "$tool" > /dev/null || { echo "bench/e2e_data.sh: $tool is missing" \
    "(apt-get install -y time r-base-core r-cran-data.table)" >&2; exit 2; }
done
Rscript -e 'suppressMessages(library(data.table))' 2> /dev/null ||
  { echo "bench/e2e_data.sh: R's data.table is missing (apt-get install -y r-cran-data.table)" >&2
    exit 2; }
BUILD="${GW_BUILD_DIR:-build}"
if [ ! -x "$BUILD/cli/goodwork" ] || [ ! -x "$BUILD/bench/bench_gen" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$BUILD" -j2 --target goodwork bench_gen > /dev/null
fi
GW="$(cd "$BUILD" && pwd)/cli/goodwork"
GEN="$(cd "$BUILD" && pwd)/bench/bench_gen"
if [ -n "$DIR" ]; then mkdir -p "$DIR"; DIR="$(cd "$DIR" && pwd)"
else DIR="$(mktemp -d)"; trap 'rm -rf "$DIR"' EXIT; fi
tmp="$DIR/e2e_tmp"; mkdir -p "$tmp"
report() { if [ -n "$OUT" ]; then tee -a "$OUT"; else cat; fi; }
[ -n "$OUT" ] && : > "$OUT"

X="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
FE_MODEL="y ~ $X | fe1 + fe2"
OLS_MODEL="y ~ $X"

# median of the numbers on standard input
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2)
  print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# run_gw LABEL -- ARGS...: REPS whole processes; prints one table row of medians.
run_gw() {
  local label="$1"; shift 2
  local w="" u="" s="" m="" st=""
  for _ in $(seq "$REPS"); do
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$GW" "$@" --threads "$THREADS" --timings \
      > "$tmp/out" 2> "$tmp/err" || { echo "| $label | failed: $(head -c 200 "$tmp/err") |"; return; }
    read -r a b c d < "$tmp/time"
    w+="$a "; u+="$b "; s+="$c "; m+="$d "
    st+="$(grep 'timings' "$tmp/err" | sed 's/.*timings (s): //')"$'\n'
  done
  local mw mu ms mm
  mw=$(tr ' ' '\n' <<< "$w" | grep . | median); mu=$(tr ' ' '\n' <<< "$u" | grep . | median)
  ms=$(tr ' ' '\n' <<< "$s" | grep . | median); mm=$(tr ' ' '\n' <<< "$m" | grep . | median)
  local stages=""
  for k in read factorise frame estimate write; do
    stages+="$k $(grep -o "$k [0-9.]*" <<< "$st" | awk '{print $2}' | median) "
  done
  printf '| %s | %.2f | %.2f | %.2f | %.0f | %s|\n' "$label" "$mw" "$mu" "$ms" \
    "$(echo "$mm / 1024" | bc -l)" "$stages"
}

# run_r LABEL CODE: REPS timings taken inside one R process (after loading the packages).
run_r() {
  local label="$1" code="$2" lib="${3:-}"
  local out
  out=$(Rscript -e "
    ${lib:+.libPaths(c('$lib', .libPaths()))}
    suppressMessages(library(data.table)); setDTthreads($THREADS)
    ${lib:+suppressMessages(library(fixest)); setFixest_nthreads($THREADS)}
    t <- numeric(0)
    for (r in seq_len($REPS)) { gc(); t0 <- proc.time()[['elapsed']]; $code
      t <- c(t, proc.time()[['elapsed']] - t0); rm(list = setdiff(ls(), c('t', 'r', 't0'))) }
    cat(median(t))" 2>&1) || { echo "| $label | failed: ${out:0:200} |"; return; }
  printf '| %s | %.2f | | | | inside R |\n' "$label" "$out"
}

{
  echo "# bench/e2e_data.sh: $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo ?)"
  echo "# $(nproc) cores, threads $THREADS, medians of $REPS, load $(cut -d' ' -f1-3 /proc/loadavg)"
} | report
for size in $SIZES; do
  n=$(printf '%.0f' "$size")
  base="$DIR/r$n"
  if [ ! -f "$base.csv" ]; then "$GEN" "$n" "$base" csv random; fi
  # --factor stores the identifiers as categorical codes when convert knows the flag.
  factor=()
  "$GW" convert --help 2>&1 | grep -q -- '--factor' && factor=(--factor fe1,fe2,cl)
  {
    echo
    echo "## $n rows ($(du -hL "$base.csv" | cut -f1) CSV)"
    echo
    echo "| what | wall s | user s | sys s | peak MB | stages (s, medians) |"
    echo "|---|---:|---:|---:|---:|---|"
    cw=""
    thr=()
    "$GW" convert --help 2>&1 | grep -q -- '--threads' && thr=(--threads "$THREADS")
    for _ in $(seq "$REPS"); do
      rm -f "$base.h5"
      /usr/bin/time -f "%e %M" -o "$tmp/time" "$GW" convert "$base.csv" "$base.h5" "${factor[@]}" \
        "${thr[@]}" > /dev/null
      cw+="$(cut -d' ' -f1 "$tmp/time") "
    done
    printf '| goodwork convert csv -> h5 %s | %.2f | | | | %s |\n' "${factor[*]}" \
      "$(tr ' ' '\n' <<< "$cw" | grep . | median)" "$(du -h "$base.h5" | cut -f1)"
    run_r "R data.table::fread (2 threads)" "d <- fread('$base.csv')"
    run_gw "goodwork fit 2FE + cluster, csv" -- fit --data "$base.csv" --model "$FE_MODEL" \
      --vcov cluster:cl
    run_gw "goodwork fit 2FE + cluster, h5" -- fit --data "$base.h5" --model "$FE_MODEL" \
      --vcov cluster:cl
    run_gw "goodwork fit OLS + cluster, csv" -- fit --data "$base.csv" --model "$OLS_MODEL" \
      --vcov cluster:cl
    run_gw "goodwork fit OLS + cluster, h5" -- fit --data "$base.h5" --model "$OLS_MODEL" \
      --vcov cluster:cl
    if [ -n "$FIXEST" ]; then
      run_r "fixest fread + feols 2FE + cluster" "d <- fread('$base.csv');
        m <- feols(y ~ $X | fe1 + fe2, d, cluster = ~cl)" "$FIXEST"
      run_r "fixest fread + feols OLS + cluster" "d <- fread('$base.csv');
        m <- feols(y ~ $X, d, cluster = ~cl)" "$FIXEST"
    fi
  } | report
done
