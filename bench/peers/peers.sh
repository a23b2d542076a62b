#!/usr/bin/env bash
# bench/peers/peers.sh -- goodwork against its peers on the same generated data and models, same
# machine, same run: OLS with HC1; one-way FE (firm) clustered by firm; two-way FE (firm + year)
# clustered by firm. Peers: R lm + sandwich, R plm, R fixest (when installed; not a Debian
# package), statsmodels (OLS only: no absorption), gretl. Each tool times the estimation alone
# (with its variance matrix) and the load of the CSV; the table gives both, the ratios
# peer / goodwork, and the largest relative difference of the ten slopes from goodwork's.
#
# usage: bench/peers/peers.sh [--sizes "1e5 1e6"] [--reps N] [--install] [--keep DIR]
#   --install  apt-get install -y the peers first (r-base-core r-cran-data.table r-cran-sandwich
#              r-cran-plm python3-statsmodels gretl; r-cran-fixest is tried and skipped if absent)
#   --reps N   repetitions of load and estimation per tool (median; default 3)
# Data: bench/bench_gen.c (y, x1..x10, firm = row/20, year = row mod 20, cnt) written as CSV.
# goodwork's side: bench/bench_fit.c (gw_csv_read_file; gw_frame_build + gw_ols_fit).
# Never needed by the tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
SIZES="1e5 1e6"; REPS=3; INSTALL=0; KEEP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --install) INSTALL=1; shift ;;
    --keep) KEEP="$2"; shift 2 ;;
    -h|--help) sed -n 2,18p "$0"; exit 0 ;;
    *) echo "peers.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ "$INSTALL" = 1 ]; then
  apt-get install -y r-base-core r-cran-data.table r-cran-sandwich r-cran-plm \
    python3-statsmodels gretl
  apt-get install -y r-cran-fixest 2>/dev/null || echo "# r-cran-fixest is not available: skipped"
fi
BUILD="${GW_BUILD_DIR:-build}"
if [ ! -x "$BUILD/bench/bench_fit" ] || [ ! -x "$BUILD/bench/bench_gen" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j2 --target bench_fit bench_gen >/dev/null
fi
if [ -n "$KEEP" ]; then mkdir -p "$KEEP"; dir="$(cd "$KEEP" && pwd)"
else dir="$(mktemp -d)"; trap 'rm -rf "$dir"' EXIT; fi
lines="$dir/peers.txt"; : > "$lines"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown); load: $(cut -d' ' -f1-3 /proc/loadavg)"
have_r=0; command -v Rscript >/dev/null && Rscript -e 'library(plm); library(sandwich); library(data.table)' >/dev/null 2>&1 && have_r=1
have_sm=0; /usr/bin/python3 -c 'import statsmodels, numpy' 2>/dev/null && have_sm=1
have_gretl=0; command -v gretlcli >/dev/null && have_gretl=1
echo "# peers: R=$have_r ($(Rscript -e 'cat(format(getRversion()), "plm", format(packageVersion("plm")), "fixest", if (requireNamespace("fixest", quietly=TRUE)) format(packageVersion("fixest")) else "absent")' 2>/dev/null || echo -))" \
     "statsmodels=$have_sm ($(/usr/bin/python3 -c 'import statsmodels; print(statsmodels.__version__)' 2>/dev/null || echo -))" \
     "gretl=$have_gretl ($(gretlcli --version 2>/dev/null | head -1 | xargs || echo -))"
X="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
for s in $SIZES; do
  n=$(printf '%.0f' "$s")
  "$BUILD/bench/bench_gen" "$n" "$dir/d$n" csv
  csv="$dir/d$n.csv"
  run() { # model, then the command; prefixes n= and model= unless the tool prints model=
    local m="$1"; shift
    "$@" 2>>"$dir/errors.txt" | sed "s/^/n=$n /; s/^\(n=$n \)\(tool=goodwork\)/\1model=$m \2/" >> "$lines" || true
  }
  run ols_hc1 "$BUILD/bench/bench_fit" "$csv" "y ~ $X" hc1 "$REPS"
  run fe1_cluster "$BUILD/bench/bench_fit" "$csv" "y ~ $X | firm" cluster:firm "$REPS"
  run fe2_cluster "$BUILD/bench/bench_fit" "$csv" "y ~ $X | firm + year" cluster:firm "$REPS"
  [ "$have_r" = 1 ] && run - Rscript bench/peers/peers.R "$csv" "$REPS" ols_hc1,fe1_cluster,fe2_cluster
  [ "$have_sm" = 1 ] && run - /usr/bin/python3 bench/peers/peers_statsmodels.py "$csv" "$REPS"
  [ "$have_gretl" = 1 ] && run - bash bench/peers/peers_gretl.sh "$csv" ols_hc1,fe1_cluster,fe2_cluster
  rm -f "$csv"
done
[ -s "$dir/errors.txt" ] && sed 's/^/# stderr: /' "$dir/errors.txt" | head -20
/usr/bin/python3 - "$lines" <<'PY'
import sys
rows = []
for line in open(sys.argv[1]):
    kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
    if "tool" not in kv or "model" not in kv:
        continue
    coef = dict(c.split(":", 1) for c in kv.get("coef", "").split(",") if ":" in c)
    rows.append((int(kv["n"]), kv["model"], kv["tool"], float(kv["load_s"]), float(kv["est_s"]),
                 {k: float(v) for k, v in coef.items()}))
gw = {(r[0], r[1]): r for r in rows if r[2] == "goodwork"}
print("\n| rows | model | tool | est s | load+est s | est / goodwork | load+est / goodwork "
      "| max rel diff of slopes vs goodwork |")
print("|---:|---|---|---:|---:|---:|---:|---:|")
for r in sorted(rows, key=lambda r: (r[0], r[1], r[2] != "goodwork", r[2])):
    g = gw.get((r[0], r[1]))
    if g is None:
        continue
    xs = ["x%d" % j for j in range(1, 11)]
    diff = max(abs(r[5][x] - g[5][x]) / abs(g[5][x]) for x in xs if x in r[5] and x in g[5])
    tot, gtot = r[3] + r[4], g[3] + g[4]
    print("| %d | %s | %s | %.3f | %.3f | %s | %s | %s |" % (
        r[0], r[1], r[2], r[4], tot,
        "1" if r[2] == "goodwork" else "%.1f" % (r[4] / g[4]),
        "1" if r[2] == "goodwork" else "%.1f" % (tot / gtot),
        "-" if r[2] == "goodwork" else "%.1e" % diff))
PY
