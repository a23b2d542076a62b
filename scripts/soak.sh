#!/usr/bin/env bash
# soak.sh -- the long soak of issue 17: FITS fits (default 10,000, after a warm-up of 100)
# through the public C API in one process (tests/api/test_soak.c: OLS, HC1, clustered, weighted,
# absorbed fixed effects, IV, Poisson, logit, random effects and two failing calls, on a small
# generated panel), with the resident set sampled from /proc/self/statm after the warm-up, ten
# times during the run and at the end. Exit 1 when it grew by more than the test's tolerance
# (1 MiB; the test's header says why) or a fit changed. The suite runs the same test with 2,000.
# Usage: scripts/soak.sh [BUILD_DIR] [FITS]   (default: build 10000)
#   With a sanitizer build (scripts/setup.sh build-asan ... -DGW_SANITIZE=address,undefined) the
#   resident set is reported but not checked, and LeakSanitizer fails the run on any leak at
#   exit: scripts/soak.sh build-asan 500. About 7 s for 10,000 fits in a Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
FITS="${2:-10000}"
BIN="$BUILD/tests/api_test_soak"
[ -x "$BIN" ] || { echo "soak.sh: $BIN not built (cmake --build $BUILD --target api_test_soak)" >&2; exit 1; }
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=1}"
GW_SOAK_FITS="$FITS" nice -n 19 "$BIN"
