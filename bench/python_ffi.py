"""ctypes against cffi (ABI mode) for the Python package's calls into libgoodwork: the cost of
one trivial call (gw_threads_get) and of a whole small fit (Grunfeld, 200 rows: a table of four
float64 columns built with gw_table_add_numeric_take, then gw_fit_table of
"inv ~ value + capital | firm" clustered by firm). Medians over repeats; the machine may be
loaded, so compare the two columns of one run, not runs with each other.

Usage: GOODWORK_LIB=build/libgoodwork.so /usr/bin/python3 bench/python_ffi.py [REPEATS]
(needs python3-cffi, which the package itself does not: apt-get install python3-cffi)
"""

import ctypes
import os
import statistics
import sys
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from goodwork import _lib  # noqa: E402

REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
df = pd.read_csv(os.path.join(HERE, "..", "datasets", "grunfeld.csv"))
cols = {c: np.ascontiguousarray(df[c].to_numpy(dtype=np.float64)) for c in df.columns}
FORMULA = b"inv ~ value + capital | firm"


def med(f, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def ctypes_fit():
    lib = _lib.lib
    t = ctypes.c_void_p()
    lib.gw_table_new(200, ctypes.byref(t))
    for name, v in cols.items():
        buf = lib.gw_malloc(200 * 8)
        ctypes.memmove(buf, v.ctypes.data, 200 * 8)
        lib.gw_table_add_numeric_take(t, name.encode(), buf)
    o = _lib.FitOpts()
    o.vcov = b"cluster:firm"
    r = _lib.P_Result()
    assert lib.gw_fit_table(t, FORMULA, ctypes.byref(o), ctypes.byref(r)) == 0
    lib.gw_result_free(r)
    lib.gw_table_free(t)


def cffi_setup():
    import cffi
    ffi = cffi.FFI()
    ffi.cdef("""
      typedef struct gw_table gw_table;
      typedef struct gw_result gw_result;
      typedef struct {
        const char *estimator, *vcov, *weights, *panel_id, *panel_time;
        int ssc; double fe_tol; size_t fe_maxiter, maxiter; double tol; unsigned flags;
        const char *group; char delim; double memory_limit; const char *memory_limit_text;
        const char *scratch; const unsigned char *keep; const char *subset; double level;
      } gw_fit_opts;
      int gw_table_new(size_t, gw_table **);
      int gw_table_add_numeric_take(gw_table *, const char *, double *);
      void gw_table_free(gw_table *);
      void *gw_malloc(size_t);
      int gw_fit_table(const gw_table *, const char *, const gw_fit_opts *, gw_result **);
      void gw_result_free(gw_result *);
      int gw_threads_get(void);
    """)
    lib = ffi.dlopen(_lib.path)

    def fit():
        tp = ffi.new("gw_table **")
        lib.gw_table_new(200, tp)
        for name, v in cols.items():
            buf = ffi.cast("double *", lib.gw_malloc(200 * 8))
            ffi.memmove(buf, ffi.from_buffer("double[]", v), 200 * 8)
            lib.gw_table_add_numeric_take(tp[0], name.encode(), buf)
        o = ffi.new("gw_fit_opts *")
        vc = ffi.new("char[]", b"cluster:firm")
        o.vcov = vc
        rp = ffi.new("gw_result **")
        assert lib.gw_fit_table(tp[0], FORMULA, o, rp) == 0
        lib.gw_result_free(rp[0])
        lib.gw_table_free(tp[0])

    return lib, fit


clib, cffi_fit = cffi_setup()
rows = [
    ("trivial call (gw_threads_get)", med(_lib.lib.gw_threads_get, REPS * 10),
     med(clib.gw_threads_get, REPS * 10)),
    ("table + fit, Grunfeld FE clustered", med(ctypes_fit, REPS), med(cffi_fit, REPS)),
]
print("| call | ctypes us | cffi (ABI) us | ctypes / cffi |")
print("|---|---:|---:|---:|")
for name, a, b in rows:
    print("| %s | %.2f | %.2f | %.2f |" % (name, a * 1e6, b * 1e6, a / b))
