#!/usr/bin/env bash
# Set-up plus the whole test suite: the normal (Release, -Werror) build, the sanitizer build
# (ASan + UBSan, halting on the first report), and the library hygiene checks.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

bash scripts/lint.sh

echo "== release build and tests"
bash scripts/setup.sh build -DGW_WERROR=ON
ctest --test-dir build --output-on-failure -j2
bash scripts/test_install.sh build

echo "== sanitizer build (address,undefined) and tests"
bash scripts/setup.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DGW_SANITIZE=address,undefined \
  -DGW_BUILD_BENCH=OFF
ctest --test-dir build-asan --output-on-failure -j2

echo "== goodwork bench --quick (kept working, not judged for speed)"
build/cli/goodwork bench --quick --reps 1 --format json --out build/bench-quick.json > /dev/null
