#!/bin/sh
# scenario_speed.sh -- the speed of goodwork scenario's draws quoted in docs/scenario.md
# ("Measured on the bundled panel", "Horizon"): 10,000 draws of displacement:0.10 through the
# three-model system (pay, autonomy, life) and the five-model one (with anxiety and job_sat),
# on 1 and 2 threads, and the 2025-2035 horizon on 2 threads. Medians of 3 runs, wall and CPU
# seconds; with two binaries the runs alternate, so their ratio is measured in one session.
# Usage: bench/scenario_speed.sh [GOODWORK [OTHER_GOODWORK]]   (default build/cli/goodwork)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
G=${1:-$ROOT/build/cli/goodwork}
D=$ROOT/datasets/uk_la_panel.h5
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
LIFE="emp_rate + autonomy_share + log(median_hourly_pay) | la_id + year"
fit() { "$G" fit --data "$D" --vcov cluster:la_id --out "$T/$1.h5" --name "$2" --model "$3" \
  > /dev/null; }
for f in r3 r5; do
  fit $f pay "log(median_hourly_pay) ~ emp_rate | la_id + year"
  fit $f autonomy "autonomy_share ~ emp_rate + share_prof + auto_exposure | la_id + year"
  fit $f life "life_sat ~ $LIFE"
done
fit r5 anxiety "anxiety ~ $LIFE"
fit r5 job_sat "job_sat ~ $LIFE"
one() { # label threads binary args...
  l=$1; t=$2; b=$3; shift 3
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %U %S" "$b" scenario --data "$D" --quiet --format json --threads "$t" \
      "$@" 2>&1 > /dev/null | tail -1
  done | python3 -c "import sys, statistics as s
r = [l.split() for l in sys.stdin if l.strip()]
print('%-40s wall %.2f s  cpu %.2f s' % (sys.argv[1], s.median(float(x[0]) for x in r),
      s.median(float(x[1]) + float(x[2]) for x in r)))" "$l"
}
BINS="$G${2:+ $2}"
for t in 1 2; do
  for m in r3 r5; do
    for b in $BINS; do
      one "$m, $t thread(s), $b" "$t" "$b" --results "$T/$m.h5" \
        --shock displacement:0.10 --draws 10000
    done
  done
done
for b in $BINS; do
  one "r3, 2025-2035, 2 threads, $b" 2 "$b" --results "$T/r3.h5" \
    --horizon 2025-2035 --shock displacement:0.10 --draws 10000
done
