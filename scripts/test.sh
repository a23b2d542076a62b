#!/usr/bin/env bash
# Set-up plus the whole test suite: the normal (Release, -Werror) build, the sanitizer build
# (ASan + UBSan, halting on the first report; with allocation fault injection, so the
# allocation-failure sweeps run under LeakSanitizer; without MPI, whose distributed test runs
# in the Release build: under ASan it alone took minutes), valgrind memcheck on a subset
# (scripts/valgrind.sh), a short fuzz run of each libFuzzer target (scripts/fuzz.sh 20, two at a
# time, when clang and its fuzzer runtime are installed: scripts/setup.sh installs them), the
# library hygiene checks, the Python package's tests (python/tests), and the list of the
# longest functions (scripts/long_functions.sh, a warning that never fails the run). About 8
# minutes on 2 cores.
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

echo "== Python package tests (python/tests, against build/libgoodwork.so)"
# Debian's interpreter, where setup.sh installed numpy, pandas and pytest (a python3 earlier in
# PATH, such as a pyenv one, may have none of them).
GOODWORK_LIB="$PWD/build/libgoodwork.so" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
  python/tests

echo "== longest functions (warning only, never fails the run: scripts/long_functions.sh)"
bash scripts/long_functions.sh || echo "long_functions.sh exited $? (ignored: a warning step)"

echo "== sanitizer build (address,undefined) and tests"
bash scripts/setup.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DGW_SANITIZE=address,undefined \
  -DGW_BUILD_BENCH=OFF -DGW_FAULT_INJECTION=ON -DGW_MPI=OFF
ctest --test-dir build-asan --output-on-failure -j2

echo "== valgrind memcheck on a subset (Release build)"
bash scripts/valgrind.sh build

if command -v clang >/dev/null 2>&1 && \
   ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "== short fuzz run: 20 s per target, two at a time"
  JOBS=2 bash scripts/fuzz.sh 20
else
  echo "== fuzz run skipped: clang or libclang-rt-14-dev not installed (scripts/setup.sh)"
fi

echo "== goodwork bench --quick (kept working, not judged for speed)"
build/cli/goodwork bench --quick --reps 1 --format json --out build/bench-quick.json > /dev/null
