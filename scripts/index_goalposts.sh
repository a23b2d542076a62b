#!/bin/sh
# index_goalposts.sh -- the figure of docs/reference/commands.md (`--goalposts`): the Good Work
# index of the bundled panel's 2010-2023 rows computed alone and with 2024 added, without and
# with goalposts (base:2015), compared by area and year: the largest rank move, the rows whose
# rank moves and the largest value change. Indicators as the first example of commands.md.
# Usage: scripts/index_goalposts.sh [GOODWORK]   (default build/cli/goodwork)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
G=${1:-$ROOT/build/cli/goodwork}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
CSV=$ROOT/datasets/uk_la_panel.csv
awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "year") y = i; print; next}
         $y != 2024' "$CSV" > "$T/p23.csv"
IND="emp_rate,share_prof,sat_hours,log(real_hourly_pay),anxiety"
for w in pca equal; do
  for gp in none base:2015; do
    for d in p23 all; do
      f=$CSV; [ "$d" = p23 ] && f=$T/p23.csv
      set -- --data "$f" --id la_code --time year --indicators "$IND" --invert anxiety \
        --format json
      [ "$w" = pca ] && set -- "$@" --weights pca
      [ "$gp" != none ] && set -- "$@" --goalposts "$gp"
      "$G" index "$@" > "$T/$w-$gp-$d.json"
    done
  done
done
python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
def rows(n):
    return {(r["id"], r["time"]): r for r in json.load(open(f"{t}/{n}.json"))["index"]}
for w in ("pca", "equal"):
    for gp in ("none", "base:2015"):
        a, b = rows(f"{w}-{gp}-p23"), rows(f"{w}-{gp}-all")
        moves = [abs(a[k]["rank"] - b[k]["rank"]) for k in a if a[k]["rank"] is not None]
        dv = [abs(a[k]["value"] - b[k]["value"]) for k in a if a[k]["value"] is not None]
        print(f"weights {w}, goalposts {gp}: largest rank move {max(moves):g}, "
              f"{sum(m > 0 for m in moves)} of {len(moves)} rows move, "
              f"largest value change {max(dv):.2g}")
PY
