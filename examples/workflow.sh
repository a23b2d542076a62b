#!/usr/bin/env bash
# The worked example of docs/workflow.md (issue 19): a stepwise set of models with --subset,
# log(x + 1), lags and i(year, ref = 2015); one LaTeX table with renamed variables and chosen
# statistics; a Wald test, a linear combination and a prediction. Run from the repository root
# after the build:   bash examples/workflow.sh [OUTDIR]   (default: a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GOODWORK:-build/cli/goodwork}
OUT=${1:-$(mktemp -d)}
mkdir -p "$OUT"
rm -f "$OUT/work.h5" "$OUT/area.h5"

echo "== 1. Worker panel: four models in one call (csw), blue-collar workers from 1977"
"$G" fit --data datasets/psid7682.csv \
  --model "log(wage + 1) ~ csw(I(experience^2), weeks, l(weeks, 1), union) | worker + year" \
  --panel worker,year --subset "year >= 1977 & occupation == 'blue'" \
  --vcov cluster:worker --weights weight --out "$OUT/work.h5" --quiet

echo "== 2. One LaTeX table, variables renamed, statistics chosen"
"$G" table "$OUT/work.h5" --format latex \
  --rename "log(wage+1)=Log wage,I(experience^2)=Experience squared,weeks=Weeks worked,l(weeks,1)=Weeks worked (t-1),union=yes=Union member,worker=Worker FE,year=Year FE" \
  --stats n,n_clusters,r2_within,mean_y --title "Log wages of blue-collar workers, 1977-1982" \
  --notes "Weighted by weight; standard errors clustered by worker." --out "$OUT/table.tex"
cat "$OUT/table.tex"

echo "== 3. A joint Wald test and a linear combination on model 4"
"$G" test --results "$OUT/work.h5" --name model4 "weeks = 0" "l(weeks,1) = 0"
"$G" test --results "$OUT/work.h5" --name model4 --lincom "weeks + l(weeks,1)" --level 0.9

echo "== 4. A prediction on new rows through stored fixed-effect estimates"
"$G" fit --data datasets/psid7682.csv \
  --model "log(wage + 1) ~ I(experience^2) + weeks + union | worker + year" \
  --vcov cluster:worker --weights weight --save-fe --out "$OUT/work.h5" --name fe --quiet
"$G" predict --results "$OUT/work.h5" --name fe --data datasets/generated/postest_new.csv \
  --out "$OUT/predicted.csv"
head -4 "$OUT/predicted.csv"

echo "== 5. Area panel: event study of AI exposure around 2015, without and with a lag"
"$G" fit --data datasets/uk_la_panel.csv \
  --model "life_sat ~ sw0(l(emp_rate, 1)) + i(year, ai_exposure, ref = 2015) | la_id + year" \
  --panel la_id,year --vcov cluster:la_id --out "$OUT/area.h5" --name event --name event_lag \
  --quiet
"$G" table "$OUT/area.h5" --keep "2014|2016|2020|l\\(" --stats n,n_clusters,r2_within
"$G" plot event --results "$OUT/area.h5" --name event --out "$OUT/event.svg"
echo "outputs in $OUT"
