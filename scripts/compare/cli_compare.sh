#!/usr/bin/env bash
# cli_compare.sh -- run every line of a case file (goodwork arguments, shell-quoted) with two
# goodwork binaries from the repository root and compare stdout, stderr and exit code byte for
# byte: the check that a restructuring left the command's behaviour unchanged.
# usage: scripts/compare/cli_compare.sh OLD_BINARY NEW_BINARY [CASES]
#        (CASES default: scripts/compare/fit_cases.txt); exit 0 when every case is identical.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { echo "usage: $0 OLD_BINARY NEW_BINARY [CASES]" >&2; exit 2; }
old=$1 new=$2 cases=${3:-scripts/compare/fit_cases.txt}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for side in old new; do
  bin=$old
  [ "$side" = new ] && bin=$new
  mkdir -p "$out/$side"
  i=0
  while IFS= read -r line; do
    i=$((i + 1))
    rc=0
    eval "\"$bin\" $line" >"$out/$side/$i.out" 2>"$out/$side/$i.err" || rc=$?
    echo "$rc" >"$out/$side/$i.rc"
  done <"$cases"
done
if diff -r "$out/old" "$out/new"; then
  echo "cli_compare: $(wc -l <"$cases") cases identical"
else
  echo "cli_compare: differences above (case numbers are line numbers of $cases)" >&2
  exit 1
fi
