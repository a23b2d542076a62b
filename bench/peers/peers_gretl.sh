#!/usr/bin/env bash
# Peer timings for bench/peers/peers.sh: gretl (gretlcli) on the CSV goodwork reads: ols
# --robust (HC1: set hc_version 1), and panel (fixed effects) --robust (Arellano, clustered by
# firm), one-way and with --time-dummies (two-way). Times from gretl's $stopwatch.
# Usage: peers_gretl.sh FILE.csv MODELS   Prints lines as peers.R.
set -euo pipefail
file="$1"; models="$2"
inp=$(mktemp --suffix=.inp)
trap 'rm -f "$inp"' EXIT
xs="x1 x2 x3 x4 x5 x6 x7 x8 x9 x10"
cat > "$inp" <<INP
set verbose off
set messages off
set hc_version 1
set stopwatch
open "$file" --quiet
scalar tl = \$stopwatch
series f1 = firm + 1
series t1 = year + 1
INP
for m in ${models//,/ }; do
  case "$m" in
    ols_hc1) cmd="ols y const $xs --robust --quiet" ;;
    fe1_cluster) cmd="panel y const $xs --robust --quiet" ;;
    fe2_cluster) cmd="panel y const $xs --robust --time-dummies --quiet" ;;
    *) continue ;;
  esac
  if [ "$m" != ols_hc1 ]; then
    echo 'setobs f1 t1 --panel-vars' >> "$inp"
  fi
  cat >> "$inp" <<INP
set stopwatch
$cmd
scalar te = \$stopwatch
matrix b = \$coeff
printf "tool=gretl model=$m load_s=%.4f est_s=%.4f coef=", tl, te
loop i=2..11 --quiet
  printf "x%d:%.17g", i-1, b[i]
  if i < 11
    printf ","
  endif
endloop
printf "\n"
INP
done
gretlcli -b "$inp" 2>/dev/null | grep '^tool='
