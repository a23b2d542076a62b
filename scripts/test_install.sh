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
test -x "$prefix/bin/goodwork"
echo "install: ok (pkg-config and CMake package config)"
