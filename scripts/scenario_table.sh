#!/bin/sh
# scenario_table.sh -- the table "Measured on the bundled panel" of docs/scenario.md: the five
# models fitted on datasets/uk_la_panel.h5 (CR1 by la_id), then displacement:0.05, 0.10, 0.20,
# the good-work policy and AI augmentation, 1000 draws, seed 20250101, by cluster_true; then
# the uncertainty decomposition and the common-draws comparison of the same document.
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

# ---- the other figures of docs/scenario.md ("Uncertainty", "Comparing scenarios") -----------
# Year-FE-only variants of the three-model system, for the specification row.
fit pay_y "log(median_hourly_pay) ~ emp_rate | year"
fit autonomy_y "autonomy_share ~ emp_rate + share_prof + auto_exposure | year"
fit life_y "life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) | year"
M3=pay,autonomy,life
one() { "$G" scenario --results "$T/r.h5" --data "$D" --models "$M3" --format json --quiet \
  --shock displacement:0.10 "$@"; }
one > "$T/u_coef.json"
one --param 'pass_through=beta(5,5)' --no-coef-draws > "$T/u_par.json"
one --param 'pass_through=beta(5,5)' > "$T/u_both.json"
"$G" scenario --results "$T/r.h5" --data "$D" --format json --quiet --shock displacement:0.10 \
  --variant "twoway=$M3" --variant yearfe=pay_y,autonomy_y,life_y > "$T/u_spec.json"
# Common draws against independent ones: the policy minus displacement in life_sat.
POLICY="displacement:0.10;autonomy_share+=5@auto_exposure>=q80"
"$G" scenario --results "$T/r.h5" --data "$D" --models "$M3" --format json --quiet \
  --scenario displacement=displacement:0.10 --scenario "policy=$POLICY" > "$T/crn.json"
"$G" scenario --results "$T/r.h5" --data "$D" --models "$M3" --quiet --shock displacement:0.10 \
  --out "$T/ind.h5" --name d > /dev/null
"$G" scenario --results "$T/r.h5" --data "$D" --models "$M3" --quiet --seed 99 \
  --shock displacement:0.10 --shock "autonomy_share+=5@auto_exposure>=q80" \
  --out "$T/ind.h5" --name p > /dev/null
"$G" export "$T/ind.h5" d --part draws > "$T/ind_d.csv"
"$G" export "$T/ind.h5" p --part draws > "$T/ind_p.csv"
python3 - "$T" <<'PY'
import csv, json, sys
t = sys.argv[1]
def life(n):
    return json.load(open(f"{t}/{n}.json"))["outcomes"]["life_sat"]
print("\nuncertainty of the national life_sat change, displacement:0.10 (mean [q05, q95] width):")
for label, n in (("coefficients only", "u_coef"), ("pass-through beta(5,5) only", "u_par"),
                 ("both", "u_both")):
    x = life(n)
    print(f"  {label}: {x['mean_change']:.4f} [{x['q05']:.4f}, {x['q95']:.4f}] "
          f"{x['q95'] - x['q05']:.4f}")
p = json.load(open(f"{t}/u_spec.json"))["pooled"]["life_sat"]
share = p["var_between"] / (p["var_within"] + p["var_between"])
print(f"  two specifications pooled: {p['mean_change']:.4f} [{p['q05']:.4f}, {p['q95']:.4f}] "
      f"{p['q95'] - p['q05']:.4f}; {100 * share:.0f}% of the variance between")
d = json.load(open(f"{t}/crn.json"))["scenarios"]["policy"]["difference"]["life_sat"]
def draws(n):
    return [float(r["mean_change"]) for r in csv.DictReader(open(f"{t}/ind_{n}.csv"))
            if r["outcome"] == "life_sat"]
diff = sorted(a - b for a, b in zip(draws("p"), draws("d")))
def q7(v, p):  # type-7 quantile, as goodwork's
    h = p * (len(v) - 1); lo = int(h)
    return v[lo] + (h - lo) * (v[min(lo + 1, len(v) - 1)] - v[lo])
lo, hi = q7(diff, 0.05), q7(diff, 0.95)
print(f"\npolicy minus displacement, life_sat: common draws {d['mean_change']:.4f} "
      f"[{d['q05']:.4f}, {d['q95']:.4f}]; independent draws (seeds 20250101, 99) "
      f"[{lo:.4f}, {hi:.4f}], {(hi - lo) / (d['q95'] - d['q05']):.1f} times as wide")
PY

# ---- joint coefficient draws ("Uncertainty"): the default pipeline's scenario --------------
# The three models of datasets/default.ini (CR1 by la_id), displacement:0.10, 1000 draws, the
# national 90% intervals with each model's coefficients drawn on its own (as before December
# 2026) and jointly from the stacked covariance (the default).
fitp() { "$G" fit --data "$D" --vcov cluster:la_id --out "$T/p.h5" --name "$1" --model "$2" >/dev/null; }
fitp life_sat "life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) + auto_exposure | la_id + year"
fitp autonomy "autonomy_share ~ share_prof + emp_rate + auto_exposure | la_id + year"
fitp log_pay "log(median_hourly_pay) ~ emp_rate + share_prof | la_id + year"
for m in independent joint; do
  "$G" scenario --results "$T/p.h5" --data "$D" --shock displacement:0.10 --format json --quiet \
    --coef-draws $m > "$T/cd_$m.json"
done
python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
r = {m: json.load(open(f"{t}/cd_{m}.json"))["outcomes"] for m in ("independent", "joint")}
f = lambda v: f"{v:.5f}".replace("-", "\u2212")
print("\ndefault pipeline scenario (displacement:0.10), national change, 90% interval:")
print("| outcome | independent draws | joint draws (default) | width ratio |\n|---|---|---|---|")
for o in r["joint"]:
    a, b = r["independent"][o], r["joint"][o]
    wa, wb = a["q95"] - a["q05"], b["q95"] - b["q05"]
    ratio = f"{wb / wa:.3f}" if wa > 0 else "\u2013"
    print(f"| {o} | [{f(a['q05'])}, {f(a['q95'])}] | [{f(b['q05'])}, {f(b['q95'])}] | {ratio} |")
PY
