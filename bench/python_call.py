"""Whole-call time of gw.feols on a 10^6-row DataFrame against `goodwork fit` on the same data
as CSV and as .h5, and against statsmodels OLS where it is installed (python3-statsmodels).

Model: y ~ x1 + ... + x5 | fe, clustered by fe (1,000 levels), N = 10^6 (--rows to change).
Each time is the median of --reps runs (default 3) in this one process, and the ratios are
taken within the run: the machine may be loaded (2 shared cores), so compare the ratios, not
the absolute times, between runs. The rows of the table:
  - gw.feols(DataFrame): the whole Python call (copying the columns into a gw_table, the fit,
    reading the results into pandas);
  - of which, the table build alone (the copy: the C API adopts gw_malloc'd columns and has no
    borrowing variant) and gw_fit_table alone on a prebuilt table (the library);
  - gw.feols(path) on the CSV and the .h5 file (gw_fit_file: reading included);
  - `goodwork fit` on the CSV and the .h5 (a new process each: start-up, reading, fit, printing);
  - statsmodels OLS of y on x1..x5 clustered by fe, without the fixed effects (its dummies
    would need 8 GB at 10^6 x 1,000), against gw.feols of that same model.

Usage: python3 bench/python_call.py [--rows N] [--reps R] [--threads T]
(GOODWORK_LIB picks the library; default the build tree's). Writes its data to a temporary
directory that it removes.
"""

import argparse
import ctypes
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "python"))
import goodwork as gw  # noqa: E402
from goodwork import _fit, _lib  # noqa: E402


def med(f, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def make(n, seed=20):
    rng = np.random.default_rng(seed)
    fe = rng.integers(0, 1000, n)
    alpha = rng.normal(size=1000)
    X = rng.normal(size=(n, 5))
    y = X @ np.array([1.0, -0.5, 0.25, 0.0, 2.0]) + alpha[fe] + rng.normal(size=n)
    df = pd.DataFrame({"y": y, **{"x%d" % (j + 1): X[:, j] for j in range(5)}, "fe": fe})
    return df


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args()
    cli = os.path.join(os.path.dirname(_lib.path), "cli", "goodwork")
    if not os.path.exists(cli):
        cli = shutil.which("goodwork")
    formula = "y ~ x1 + x2 + x3 + x4 + x5 | fe"
    vcov = {"CRV1": "fe"}
    df = make(a.rows)
    tmp = tempfile.mkdtemp(prefix="gw_pybench_")
    try:
        csv = os.path.join(tmp, "d.csv")
        h5 = os.path.join(tmp, "d.h5")
        df.to_csv(csv, index=False, float_format="%.17g")
        subprocess.run([cli, "convert", csv, h5], check=True, capture_output=True)
        kw = {"vcov": vcov, "threads": a.threads}
        if a.threads:
            _lib.lib.gw_threads_set(a.threads)
        ref = gw.feols(formula, df, **kw)
        for p in (csv, h5):  # the same numbers from the files (CSV written round-trip)
            assert np.array_equal(gw.feols(formula, p, **kw).coef(), ref.coef())
        rows = []

        def table_only():
            t, _ = _fit._table(df)
            _lib.lib.gw_table_free(t)

        t, _ = _fit._table(df)
        opts = _lib.FitOpts()
        opts.vcov = b"cluster:fe"

        def fit_only():
            r = _lib.P_Result()
            assert _lib.lib.gw_fit_table(t, formula.encode(), ctypes.byref(opts),
                                         ctypes.byref(r)) == 0
            _lib.lib.gw_result_free(r)

        lib_s = med(fit_only, a.reps)
        _lib.lib.gw_table_free(t)
        whole = med(lambda: gw.feols(formula, df, **kw), a.reps)
        rows.append(("gw.feols(DataFrame), whole call", whole))
        rows.append(("  of which table build (column copy)", med(table_only, a.reps)))
        rows.append(("  gw_fit_table alone (library)", lib_s))
        rows.append(("gw.feols(CSV path)", med(lambda: gw.feols(formula, csv, **kw), a.reps)))
        rows.append(("gw.feols(.h5 path)", med(lambda: gw.feols(formula, h5, **kw), a.reps)))
        targs = ["--threads", str(a.threads)] if a.threads else []
        for name, p in (("CSV", csv), (".h5", h5)):
            cmd = [cli, "fit", "--data", p, "--model", formula, "--vcov", "cluster:fe"] + targs
            rows.append(("`goodwork fit` " + name,
                         med(lambda: subprocess.run(cmd, check=True, capture_output=True),
                             a.reps)))
        sm_rows = []
        try:
            import statsmodels.api as sm
            ols = "y ~ x1 + x2 + x3 + x4 + x5"
            X = sm.add_constant(df[["x1", "x2", "x3", "x4", "x5"]])

            def smfit():
                sm.OLS(df["y"], X).fit(cov_type="cluster", cov_kwds={"groups": df["fe"]})

            g = med(lambda: gw.feols(ols, df, **kw), a.reps)
            s = med(smfit, a.reps)
            sm_rows = [("gw.feols(DataFrame), OLS without FE, clustered", g),
                       ("statsmodels OLS (same model, X prebuilt), clustered", s)]
        except ImportError:
            sm_rows = [("statsmodels: not installed (apt-get install python3-statsmodels)",
                        float("nan"))]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("%d rows, %s, CRV1 by fe (1,000 levels); threads %s; medians of %d; library %s"
          % (a.rows, formula, a.threads or _lib.lib.gw_threads_get(), a.reps, _lib.path))
    print()
    print("| call | s | ratio to gw.feols(DataFrame) |")
    print("|---|---:|---:|")
    for name, s in rows:
        print("| %s | %.3f | %.2f |" % (name, s, s / whole))
    print()
    print("Python overhead (whole call - library alone): %.3f s = %.1f%% of the library's time"
          % (whole - lib_s, 100 * (whole - lib_s) / lib_s))
    if sm_rows:
        print()
        print("| call | s | ratio to the first row |")
        print("|---|---:|---:|")
        for name, s in sm_rows:
            print("| %s | %.3f | %.2f |" % (name, s, s / sm_rows[0][1]))


if __name__ == "__main__":
    main()
