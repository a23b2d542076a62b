#!/usr/bin/env bash
# stress_results_lock.sh -- the full concurrency test of issue 17: P processes x A appends (default
# 8 x 50) of `goodwork fit --out` into one results file, a quarter of the fits killed by SIGKILL
# at random moments, a reader opening the file throughout. It runs the suite's test
# (tests/cli/test_lock_cli.c, 4 x 10 there) at the larger size and prints its counts: fits that
# exited 0 (all must be in the file), killed, failed (must be 0), models stored, opens during the
# run (none may fail).
#
# Usage: scripts/stress_results_lock.sh [BUILD_DIR] [PxA] [SEED]
#   BUILD_DIR  a configured and built tree (default: build)
#   PxA        processes x appends each (default 8x50)
#   SEED       fixes the random kills (default: the time)
# Runs at low priority (nice -n 19); about 20 s for 8 x 50 on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
spec=${2:-8x50}
test_bin="$build/tests/cli_test_lock_cli"
if [ ! -x "$test_bin" ]; then
    echo "stress_results_lock.sh: $test_bin not found (build the tests first)" >&2
    exit 2
fi
export GW_LOCK_STRESS="$spec"
if [ $# -ge 3 ]; then
    export GW_LOCK_STRESS_SEED="$3"
fi
exec nice -n 19 "$test_bin"
