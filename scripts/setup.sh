#!/usr/bin/env bash
# Installs what goodwork needs to build and test on Debian 12 (as root), then configures and
# builds it. Usage: scripts/setup.sh [BUILD_DIR [extra cmake args...]]
# Packages already present are not reinstalled, so a second run costs only the build.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(gcc make cmake pkg-config libgsl-dev libopenblas-dev liblapacke-dev libhdf5-dev hdf5-tools
      libcmocka-dev libcjson-dev libssl-dev python3-h5py libcairo2-dev)
# zlib: io/hdf5_chunks.c inflates HDF5 deflate chunks on worker threads; io/csv_gz.c reads .csv.gz.
PKGS+=(zlib1g-dev)
# Reliability checks of scripts/test.sh (issue 7): libFuzzer (clang + its runtime) and valgrind.
PKGS+=(clang libclang-rt-14-dev valgrind)
# Distributed fits (issue 10): MPI for `mpirun -np P goodwork fit` and tests/cli/test_mpi_cli.c.
PKGS+=(openmpi-bin libopenmpi-dev)
# bench/e2e.sh and scripts/bench.sh: /usr/bin/time -v and bc.
PKGS+=(time bc)
# scripts/long_functions.sh (run by scripts/test.sh): per-function line counts for C.
PKGS+=(pmccabe)
# The Python package (python/, issue 20) and its tests: Debian's interpreter and packages.
PKGS+=(python3 python3-numpy python3-pandas python3-pytest)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Older OpenBLAS builds compute wrong results on this machine's CPU unless told the core type.
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"

BUILD="${1:-build}"
shift || true
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
