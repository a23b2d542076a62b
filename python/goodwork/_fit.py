"""gw.feols: a DataFrame or a file path in, a results object out (api/gw_fit.h)."""

import ctypes
import os

import numpy as np
import pandas as pd

from . import _lib
from ._lib import lib

# gw_status (core/gw_status.h), by value.
_STATUS = ["GW_OK", "GW_EINVAL", "GW_EDIM", "GW_ENOMEM", "GW_ENONFINITE", "GW_ERANK",
           "GW_ENOTPD", "GW_EILLCOND", "GW_ENOCONV", "GW_EIO", "GW_EFORMAT", "GW_EUNSUPPORTED",
           "GW_EINTERNAL", "GW_ESYNTAX", "GW_ENOVAR", "GW_ENODATA"]
GW_EINVAL = 1
GW_ENOMEM = 3
GW_ENOVAR = 14
GW_OUT_TEXT = 0


class GoodworkError(Exception):
    """A failure reported by libgoodwork: .message is the library's detail (gw_last_error,
    with the formula and a caret for a syntax error), .status its gw_status code and
    .status_name the code's name ("GW_ESYNTAX")."""

    def __init__(self, message, status):
        super().__init__(message)
        self.message = message
        self.status = status
        self.status_name = _STATUS[status] if 0 <= status < len(_STATUS) else str(status)


def _raise(status, extra=""):
    msg = lib.gw_last_error().decode("utf-8", "replace")
    if not msg:
        msg = lib.gw_status_str(status).decode("utf-8", "replace")
    raise GoodworkError(msg + extra, status)


def _vcov_text(vcov):
    """pyfixest's names to goodwork's vcov strings ("hc1", "cluster:fe1+fe2"). Only the
    spelling is translated; the library checks the kind and the variables."""
    if vcov is None:
        return None
    if isinstance(vcov, str):
        return vcov
    if isinstance(vcov, dict):
        if len(vcov) != 1:
            raise ValueError("vcov: a dict names one clustered variance, e.g. {'CRV1': 'firm'}")
        (kind, var), = vcov.items()
        if not isinstance(kind, str) or kind.upper() != "CRV1":
            raise ValueError("vcov: %r is not supported (goodwork clusters as CRV1)" % (kind,))
        if not isinstance(var, str):
            raise TypeError("vcov: the clusters are a string, 'fe1' or 'fe1+fe2'")
        return "cluster:" + var.replace(" ", "")
    raise TypeError("vcov: a string ('iid', 'hc1', ...) or a dict ({'CRV1': 'firm'})")


def _enc(s):
    return None if s is None else str(s).encode("utf-8")


def _take_numeric(t, name, values):
    """Add a float64 column. The C table adopts memory allocated by gw_malloc
    (gw_table_add_numeric_take), and the API has no borrowing variant: the column is copied
    once, with memmove, whatever its layout."""
    n = values.shape[0]
    buf = lib.gw_malloc(max(n, 1) * 8)
    if not buf:
        raise MemoryError("gw_malloc")
    if n:
        ctypes.memmove(buf, values.ctypes.data, n * 8)
    st = lib.gw_table_add_numeric_take(t, name, buf)
    if st:
        _raise(st)


def _take_categorical(t, name, codes, levels):
    n = codes.shape[0]
    codes = np.ascontiguousarray(codes, dtype=np.int32)
    cbuf = lib.gw_malloc(max(n, 1) * 4)
    lbuf = lib.gw_malloc(max(len(levels), 1) * ctypes.sizeof(ctypes.c_void_p))
    if not cbuf or not lbuf:
        lib.gw_free(cbuf)
        lib.gw_free(lbuf)
        raise MemoryError("gw_malloc")
    if n:
        ctypes.memmove(cbuf, codes.ctypes.data, n * 4)
    arr = (ctypes.c_void_p * max(len(levels), 1)).from_address(lbuf)
    for i, lv in enumerate(levels):
        arr[i] = lib.gw_strdup(lv.encode("utf-8"))
    st = lib.gw_table_add_categorical_take(t, name, cbuf, lbuf, len(levels))
    if st:
        _raise(st)


def _column(t, name, s):
    """Add pandas column s to table t: numbers and booleans as float64 (NaN, None and pd.NA
    missing; also an object column holding only numbers); pandas categoricals with their own
    category order; strings and other objects as categorical codes with levels sorted in byte
    order, as the CSV reader sorts them, so that a DataFrame and its CSV give the same
    reference levels. Returns False for a dtype goodwork
    has no column type for (datetimes, ...)."""
    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype):
        levels = [str(c) for c in dt.categories]
        _take_categorical(t, name, s.cat.codes.to_numpy(), levels)
        return True
    if pd.api.types.is_bool_dtype(dt) or pd.api.types.is_numeric_dtype(dt):
        if pd.api.types.is_complex_dtype(dt):
            return False
        if dt == np.float64:
            v = s.to_numpy()  # NaN is already the missing value: no pass over the data
        else:
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        _take_numeric(t, name, np.ascontiguousarray(v))
        return True
    if pd.api.types.is_object_dtype(dt) and pd.api.types.infer_dtype(s, skipna=True) in (
            "floating", "integer", "mixed-integer-float", "boolean", "empty"):
        # Numbers held as objects (a float column where None was stored): numeric, as the
        # CSV reader types a column of numbers.
        v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        _take_numeric(t, name, np.ascontiguousarray(v))
        return True
    if pd.api.types.is_object_dtype(dt) or pd.api.types.is_string_dtype(dt):
        miss = s.isna().to_numpy()
        text = s.astype(object).where(~miss, None)
        text = pd.Series([None if m else str(x) for x, m in zip(text, miss)], dtype=object)
        codes, uniques = pd.factorize(text, sort=True, use_na_sentinel=True)
        _take_categorical(t, name, codes, [str(u) for u in uniques])
        return True
    return False


def _table(df):
    if not isinstance(df, pd.DataFrame):
        raise TypeError("data: a pandas DataFrame or the path of a .csv or .h5 file")
    t = ctypes.c_void_p()
    st = lib.gw_table_new(len(df), ctypes.byref(t))
    if st:
        _raise(st)
    skipped = []
    try:
        for col, s in df.items():  # items(): one Series per column, duplicate names too
            if not _column(t, _enc(col), s):
                skipped.append("%s (%s)" % (col, s.dtype))
    except BaseException:
        lib.gw_table_free(t)
        raise
    return t, skipped


def feols(formula, data, vcov=None, weights=None, threads=None, level=None):
    """Fit formula (goodwork's: "y ~ x1 + x2 | fe1 + fe2", IV as "y ~ x | fe | d ~ z") by
    least squares, on a pandas DataFrame or on a .csv / .h5 file (a path).

    vcov: "iid" (default), "hc0".."hc3", {"CRV1": "fe1"} or {"CRV1": "fe1+fe2"}, or any
    goodwork vcov text ("cluster:firm"). weights: the name of an analytic-weights column.
    threads: worker threads for this fit (default: the library's). level: confidence level of
    confint() (default 0.95). Raises GoodworkError with the library's message."""
    if not isinstance(formula, str):
        raise TypeError("formula: a string such as 'y ~ x1 + x2 | fe'")
    if weights is not None and not isinstance(weights, str):
        raise TypeError("weights: the name of a column")
    opts = _lib.FitOpts()
    opts.vcov = _enc(_vcov_text(vcov))
    opts.weights = _enc(weights)
    if level is not None:
        opts.level = float(level)
    out = _lib.P_Result()
    old_threads = None
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError("threads: a positive integer")
        old_threads = lib.gw_threads_get()
        lib.gw_threads_set(threads)
    try:
        if isinstance(data, (str, os.PathLike)):
            st = lib.gw_fit_file(os.fsencode(data), formula.encode("utf-8"),
                                 ctypes.byref(opts), ctypes.byref(out), None)
            skipped = []
        else:
            t, skipped = _table(data)
            try:
                st = lib.gw_fit_table(t, formula.encode("utf-8"), ctypes.byref(opts),
                                      ctypes.byref(out))
            finally:
                lib.gw_table_free(t)
    finally:
        if old_threads is not None:
            lib.gw_threads_set(old_threads)
    if st:
        extra = ""
        if st == GW_ENOVAR and skipped:
            extra = " (columns not passed, of a type goodwork has no column for: %s)" % (
                ", ".join(skipped))
        _raise(st, extra)
    return Feols(out)


class Feols:
    """A fitted model: the C library's gw_result, read through pandas objects."""

    def __init__(self, ptr):
        self._p = ptr
        r = ptr.contents
        k = r.k
        self._terms = pd.Index([r.terms[i].decode("utf-8") if r.terms[i] else ""
                                for i in range(k)], name="term")

        def arr(p):
            return np.ctypeslib.as_array(p, shape=(k,)).copy() if k else np.empty(0)

        self._cols = {n: arr(getattr(r, n)) for n in
                      ("estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high")}
        v = np.ctypeslib.as_array(r.vcov, shape=(k * k,)).copy() if k else np.empty(0)
        self._vcov = v.reshape((k, k), order="F")
        self._level = r.conf_level

    def __del__(self):
        p = getattr(self, "_p", None)
        if p and lib is not None:  # lib is None only at interpreter shutdown
            lib.gw_result_free(p)
            self._p = None

    def stat(self, name):
        """The statistic called name, as in the JSON output ("r2", "rmse", "f_stat", "nobs",
        "df_resid", ...): NaN where it does not apply; KeyError for a name no fit has."""
        out = ctypes.c_double()
        st = lib.gw_result_scalar(self._p, name.encode("utf-8"), ctypes.byref(out))
        if st == GW_EINVAL:
            raise KeyError(name)
        return out.value

    def string(self, name):
        """The string field called name ("estimator", "vcov_type", "formula", ...), or None."""
        s = lib.gw_result_string(self._p, name.encode("utf-8"))
        return None if s is None else s.decode("utf-8")

    @property
    def nobs(self):
        return int(self._p.contents.nobs)

    @property
    def r2(self):
        return self.stat("r2")

    @property
    def r2_within(self):
        return self.stat("r2_within")

    def coef(self):
        return pd.Series(self._cols["estimate"], index=self._terms, name="Estimate")

    def se(self):
        return pd.Series(self._cols["std_error"], index=self._terms, name="Std. Error")

    def tstat(self):
        return pd.Series(self._cols["statistic"], index=self._terms, name="t value")

    def pvalue(self):
        return pd.Series(self._cols["p_value"], index=self._terms, name="Pr(>|t|)")

    def _ci_names(self):
        a = (1.0 - self._level) / 2.0
        return "%g%%" % (100 * a), "%g%%" % (100 * (1 - a))

    def confint(self):
        """The intervals the library computed, at the fit's level (feols(level=...))."""
        lo, hi = self._ci_names()
        return pd.DataFrame({lo: self._cols["ci_low"], hi: self._cols["ci_high"]},
                            index=self._terms)

    def vcov(self):
        return pd.DataFrame(self._vcov, index=self._terms, columns=self._terms)

    def tidy(self):
        return pd.concat([self.coef(), self.se(), self.tstat(), self.pvalue(),
                          self.confint()], axis=1)

    def summary(self):
        """The C library's text printout (io/gw_output.h), as `goodwork fit` prints it."""
        buf = ctypes.c_void_p()
        st = lib.gw_output_render(self._p, GW_OUT_TEXT, ctypes.byref(buf))
        if st:
            _raise(st)
        try:
            return ctypes.string_at(buf).decode("utf-8")
        finally:
            lib.gw_free(buf)

    def __repr__(self):
        return "<goodwork.Feols %s, %d obs>" % (self.string("formula"), self.nobs)
