#!/usr/bin/env bash
# Installs a build into a scratch prefix and builds a consumer program against it twice: with
# pkg-config and with CMake's find_package(goodwork). Usage: scripts/test_install.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$BUILD" --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib/x86_64-linux-gnu/pkgconfig"
cc -std=c11 tests/install/consumer.c $(pkg-config --cflags --libs goodwork) \
  -Wl,-rpath,"$(pkg-config --variable=libdir goodwork)" -o "$prefix/consumer_pc"
"$prefix/consumer_pc" | grep -q "k=3 status=malformed data"
cmake -S tests/install -B "$prefix/cbuild" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/cbuild" >/dev/null
"$prefix/cbuild/consumer" | grep -q "k=3 status=malformed data"
# The example program (examples/): one fit through gw_fit_file, lookups by name, a results file
# written and read back; built with pkg-config and with find_package, run on the bundled panel.
cc -std=c11 -Wall -Wextra -Werror examples/fit_and_read.c $(pkg-config --cflags --libs goodwork) \
  -Wl,-rpath,"$(pkg-config --variable=libdir goodwork)" -o "$prefix/example_pc"
cmake -S examples -B "$prefix/ebuild" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$prefix/ebuild" >/dev/null
for ex in "$prefix/example_pc" "$prefix/ebuild/fit_and_read"; do
  out=$("$ex" datasets/grunfeld.csv "inv ~ value + capital | firm + year" firm "$prefix/ex.h5")
  echo "$out" | grep -q "^inv ~ value + capital | firm + year: cluster:firm, 200 observations"
  echo "$out" | grep -q "^  value  *0.117716  (0.010794)$"  # plm twoways: 0.117716
  echo "$out" | grep -q "'example' identical"
  rm -f "$prefix/ex.h5"
done
echo "$out" | sed 's/^/example: /'
test -x "$prefix/bin/goodwork"
# The Python package (python/) away from the build tree finds the installed library, the last
# place it looks (docs/python.md): a copy of the package, the prefix's lib on the loader path.
if /usr/bin/python3 -c "import pandas" 2>/dev/null; then
  mkdir -p "$prefix/py" && cp -r python/goodwork "$prefix/py/"
  libdir=$(dirname "$(find "$prefix" -name 'libgoodwork.so*' | head -n 1)")
  repo=$PWD
  (cd "$prefix" && env -u GOODWORK_LIB LD_LIBRARY_PATH="$libdir" PYTHONPATH="$prefix/py" \
    /usr/bin/python3 -c "
import goodwork as gw
m = gw.feols('inv ~ value + capital | firm', '$repo/datasets/grunfeld.csv')
assert abs(m.coef()['value'] - 0.11012380412071861) < 1e-12  # plm within
maps = open('/proc/self/maps').read()
assert '$libdir/libgoodwork.so' in maps, 'loaded another libgoodwork'
print('install: python package found', gw.library_path, 'in', '$libdir')")
else
  echo "install: python package check skipped (no pandas for /usr/bin/python3: scripts/setup.sh)"
fi
echo "install: ok (pkg-config and CMake package config; examples/fit_and_read)"
