#!/usr/bin/env bash
# verify_kernels.sh [BUILD_DIR] -- the default pipeline run under OpenBLAS's Haswell kernel (as
# scripts/main.sh runs it), then verified under Haswell, Sandybridge and Prescott, each without a
# tolerance and with rel:1e-12, ulps:4 and ulps:2: prints each exit code and verify's summary
# (docs/pipeline.md, "goodwork verify", has the table). About 30 s on the 2-core machine.
set -uo pipefail
cd "$(dirname "$0")/.."
G="${1:-build}/cli/goodwork"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
OPENBLAS_CORETYPE=Haswell "$G" run --outdir "$out/run" --quiet >/dev/null || exit 1
for core in Haswell Sandybridge Prescott; do
  for tol in "" rel:1e-12 ulps:4 ulps:2; do
    args=(verify "$out/run/results.h5" --quiet)
    [ -n "$tol" ] && args+=(--tolerance "$tol")
    msg="$(OPENBLAS_CORETYPE=$core "$G" "${args[@]}" 2>&1)"
    rc=$?
    echo "== $core ${tol:-(bit for bit)}: exit $rc"
    echo "$msg" | grep -E "numbers differ|no numbers differ|not reproduced" | sed 's/; the BLAS.*//'
  done
done
