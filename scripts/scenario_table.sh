#!/bin/sh
# scenario_table.sh -- the table "Measured on the bundled panel" of docs/scenario.md: the five
# models fitted on datasets/uk_la_panel.h5 (CR1 by la_id), then displacement:0.05, 0.10, 0.20,
# the good-work policy and AI augmentation, 1000 draws, seed 20250101, by cluster_true.
# Usage: scripts/scenario_table.sh [GOODWORK]   (default build/cli/goodwork); prints markdown.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
G=${1:-$ROOT/build/cli/goodwork}
D=$ROOT/datasets/uk_la_panel.h5
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
LIFE="emp_rate + autonomy_share + log(median_hourly_pay) | la_id + year"
fit() { "$G" fit --data "$D" --vcov cluster:la_id --out "$T/r.h5" --name "$1" --model "$2" >/dev/null; }
fit pay "log(median_hourly_pay) ~ emp_rate | la_id + year"
fit autonomy "autonomy_share ~ emp_rate + share_prof + auto_exposure | la_id + year"
fit life "life_sat ~ $LIFE"
fit anxiety "anxiety ~ $LIFE"
fit job_sat "job_sat ~ $LIFE"
run() { "$G" scenario --results "$T/r.h5" --data "$D" --by cluster_true --format json --quiet "$@"; }
run --shock displacement:0.05 > "$T/k05.json"
run --shock displacement:0.10 > "$T/k10.json"
run --shock displacement:0.20 > "$T/k20.json"
run --shock displacement:0.10 --shock "autonomy_share+=5@auto_exposure>=q80" > "$T/policy.json"
run --shock ai:0.10,0.05 > "$T/ai.json"
python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
k = {n: json.load(open(f"{t}/{n}.json")) for n in ("k05", "k10", "k20", "policy", "ai")}
names = {"1": "knowledge hubs", "2": "metropolitan core", "3": "affluent rural/coastal",
         "4": "mixed towns", "5": "post-industrial"}
def cell(s):
    f = lambda v: f"{v:.4f}".replace("-", "\u2212")
    return f"{f(s['mean_change'])} [{f(s['q05'])}, {f(s['q95'])}]"
print("| community | \u03ba = 0.05 | \u03ba = 0.10 | \u03ba = 0.20 |\n|---|---|---|---|")
for g in sorted(k["k10"]["by"]):
    print(f"| {g} {names.get(g, '')} | " +
          " | ".join(cell(k[n]["by"][g]["life_sat"]) for n in ("k05", "k10", "k20")) + " |")
print("| national | " + " | ".join(cell(k[n]["outcomes"]["life_sat"])
                                   for n in ("k05", "k10", "k20")) + " |")
emp = lambda n, g=None: -(k[n]["by"][g] if g else k[n]["outcomes"])["emp_rate"]["mean_change"]
print("\nemployment falls (points): national " +
      " / ".join(f"{emp(n):.2f}" for n in ("k05", "k10", "k20")) + "; post-industrial " +
      " / ".join(f"{emp(n, '5'):.2f}" for n in ("k05", "k10", "k20")) + "; knowledge hubs " +
      " / ".join(f"{emp(n, '1'):.2f}" for n in ("k05", "k10", "k20")))
ls = lambda n: k[n]["outcomes"]["life_sat"]["mean_change"]
print(f"life_sat national: displacement 0.10 {ls('k10'):.4f}, policy {ls('policy'):.4f}, "
      f"ai:0.10,0.05 {ls('ai'):.4f}")
PY
