#!/bin/sh
# bench_stream.sh -- the out-of-core benchmark of docs/scale.md.
#
#   scripts/bench_stream.sh BUILD_DIR [ROWS] [DIR]
#
# 1. bench/bench_stream writes DIR/bench_stream.h5 (ROWS rows: y, x1..x10, fe1 with ROWS/100
#    levels, fe2 with 100; uncompressed 65,536-row chunks), measures the sequential read floor
#    of the file, fits y ~ x1..x10 | fe1 + fe2 out of core through gw_stream_fit and prints the
#    per-pass wall and CPU times and the peak RSS.
# 2. goodwork fit --memory-limit 1G on the same file (the product path: frame per chunk), timed
#    with /usr/bin/time for its wall time and peak RSS.
# Checks the free space of DIR first (the table needs ROWS x 96 bytes). Defaults: ROWS 1e7,
# DIR /tmp. Nothing is left behind unless KEEP=1.
set -eu
build=${1:?usage: bench_stream.sh BUILD_DIR [ROWS] [DIR]}
rows=${2:-1e7}
dir=${3:-/tmp}
file="$dir/bench_stream.h5"
need_mb=$(awk -v n="$rows" 'BEGIN { printf "%d", n * 96 / 1e6 + 100 }')
free_mb=$(df -Pm "$dir" | awk 'NR == 2 { print $4 }')
echo "# rows=$rows table_MB=$need_mb free_MB=$free_mb dir=$dir"
df -h /work /tmp
if [ "$free_mb" -lt "$need_mb" ]; then
    echo "bench_stream.sh: not enough space in $dir for $rows rows ($need_mb MB)" >&2
    exit 1
fi
echo "# OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset} nproc=$(nproc) load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/bench_stream" --rows "$rows" --path "$file" --keep
terms="x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10"
/usr/bin/time -f "cli_fit wall_s=%e user_s=%U sys_s=%S peak_rss_KB=%M" \
    "$build/cli/goodwork" fit --data "$file" --model "y ~ $terms | fe1 + fe2" \
    --memory-limit 1G --format json > "$dir/bench_stream_fit.json"
head -c 400 "$dir/bench_stream_fit.json"; echo
[ "${KEEP:-0}" = 1 ] || rm -f "$file" "$dir/bench_stream_fit.json"
