#!/usr/bin/env bash
# Distributed fits (issue 10): the two-way fixed-effects fit of a 10^7-row HDF5 table under
# `mpirun -np 2` against the in-core fit. Usage: scripts/bench_mpi.sh [--rows N] [--np P]
#   Table (made once, kept in $GW_BENCH_DIR, default /tmp/goodwork-bench-mpi): y, x1..x10,
#   fe1 (categorical, N/100 levels), fe2 (integer ids, 1,000 values); the design of
#   scripts/bench_fe.sh. Model "y ~ x1 + ... + x10 | fe1 + fe2", --vcov cluster:fe1.
#   Written by h5py (python3-h5py), chunks of 65,536 rows, uncompressed.
# Lines "case=... key=value": wall_s (the command, start-up included), fit_s (the distributed
# fit, from GW_MPI_STATS), cpu_s (per process; MPI polls while it waits in a reduction, so a
# rank's cpu_s includes its reduce_s), peak_rss_mb (per rank), sweeps (alternating-projection sweeps),
# reductions, bytes_reduced_per_sweep (the vector of the fixed effects' group sums reduced in each
# sweep, 8 bytes a double, both sets), bytes_sent_rank0 (all reductions of the fit), and
# max_rel_diff of every reported number (p-values aside) against the in-core fit.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_pml=ob1 OMPI_MCA_btl=self,vader
ROWS=10000000; NP=2
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS="$2"; shift 2 ;;
    --np) NP="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
BUILD="${GW_BUILD_DIR:-build}"
if [ ! -x "$BUILD/cli/goodwork" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j2 --target goodwork >/dev/null
fi
GW="$(cd "$BUILD/cli" && pwd)/goodwork"
nm "$GW" | grep MPI_Init > /dev/null || { echo "bench_mpi: $GW is built without MPI" >&2; exit 1; }
DIR="${GW_BENCH_DIR:-/tmp/goodwork-bench-mpi}"
mkdir -p "$DIR"
DATA="$DIR/fe2_${ROWS}.h5"
if [ ! -s "$DATA" ]; then
  echo "# writing $DATA" >&2
  /usr/bin/python3 - "$ROWS" "$DATA" <<'EOF'
import sys
import h5py
import numpy as np
n, out = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(20261128)
L1, L2 = max(n // 100, 2), 1000
fe1 = rng.integers(0, L1, n, dtype=np.int32)
fe2 = rng.integers(0, L2, n)
a1, a2 = rng.normal(size=L1), rng.normal(size=L2)
with h5py.File(out + ".tmp", "w", libver=("v108", "v108")) as f:  # dense attributes
    g = f.create_group("data")
    cols = ["y"] + ["x%d" % (j + 1) for j in range(10)] + ["fe1", "fe2"]
    g.attrs["columns"] = np.array(cols, dtype=h5py.string_dtype())
    kw = dict(chunks=(min(n, 65536),))
    y = a1[fe1] + a2[fe2] + rng.normal(size=n)
    for j in range(10):
        x = rng.normal(size=n) + 0.3 * a1[fe1] - 0.2 * a2[fe2]
        y += (0.5 - 0.1 * j) * x
        g.create_dataset("x%d" % (j + 1), data=x, **kw)
        del x
    g.create_dataset("y", data=y, **kw)
    d = g.create_dataset("fe1", data=fe1, **kw)
    d.attrs["levels"] = np.array(["f%d" % i for i in range(L1)], dtype=h5py.string_dtype())
    g.create_dataset("fe2", data=(fe2 + 1).astype(np.float64), **kw)
import os
os.replace(out + ".tmp", out)
EOF
fi
MODEL="y ~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 | fe1 + fe2"
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(mpirun --version | head -1); table $(du -h "$DATA" | cut -f1) ($ROWS rows)"
cat "$DATA" > /dev/null # page cache: both runs read from memory

# In core, with as many threads as the distributed run has ranks.
/usr/bin/time -f "%e %M %U %S" -o "$DIR/core.time" "$GW" fit --data "$DATA" --model "$MODEL" \
  --vcov cluster:fe1 --threads "$NP" --format json > "$DIR/core.json"
read -r wall rss usr sys < "$DIR/core.time"
echo "case=in_core rows=$ROWS threads=$NP wall_s=$wall cpu_s=$(awk "BEGIN { print $usr + $sys }") peak_rss_mb=$((rss / 1024))"

# Distributed: one thread per rank.
/usr/bin/time -f "%e" -o "$DIR/mpi.time" env GW_MPI_STATS=1 mpirun -np "$NP" "$GW" fit \
  --data "$DATA" --model "$MODEL" --vcov cluster:fe1 --threads 1 --format json \
  > "$DIR/mpi.json" 2> "$DIR/mpi.err"
stats="$(grep '^goodwork: mpi:' "$DIR/mpi.err")"
/usr/bin/python3 - "$DIR/core.json" "$DIR/mpi.json" "$(cat "$DIR/mpi.time")" "$stats" \
  "$ROWS" "$NP" <<'EOF'
import json, sys
core, dist = (json.load(open(p)) for p in sys.argv[1:3])
wall, stats, rows, np_ = sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
kv = dict(t.split("=", 1) for t in stats.split()[2:])
worst = [0.0, ""]
def walk(a, b, path):
    if isinstance(a, dict):
        for k in a:
            if k not in ("solver", "rcond", "iterations", "p_value", "f_p_value"):
                walk(a[k], b[k], path + "/" + k)
    elif isinstance(a, list):
        for i, (u, v) in enumerate(zip(a, b)):
            walk(u, v, "%s[%d]" % (path, i))
    elif isinstance(a, (int, float)) and not isinstance(a, bool) and a != b:
        d = abs(a - b) / max(abs(a), abs(b))
        if d > worst[0]:
            worst[:] = [d, path]
walk(core, dist, "")
# The group-sum vectors of one sweep: L_g (p + 1) + 1 doubles per set (the status slot).
L = [f["levels"] for f in core["fixed_effects"]]
p = len(core["coefficients"])
per_sweep = sum(8 * (l * (p + 1) + 1) for l in L)
print("case=mpi rows=%d np=%s wall_s=%s fit_s=%s cpu_s=%s read_s_rank0=%s passes=%s "
      "peak_rss_mb=%s sweeps=%s reductions=%s "
      "bytes_reduced_per_sweep=%d bytes_sent_rank0=%s vectors=%s reduce_s=%s cached=%s "
      "max_rel_diff=%.3g (%s)"
      % (rows, np_, wall, kv["fit_s"], kv["cpu_s"], kv["read_s_rank0"], kv["passes"],
         kv["peak_rss_mb"], kv["sweeps"], kv["reductions"],
         per_sweep, kv["bytes_sent_rank0"], kv["vectors"], kv["reduce_s"], kv["cached"],
         worst[0], worst[1] or "-"))
EOF
