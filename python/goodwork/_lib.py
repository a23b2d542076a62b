"""Loading libgoodwork and declaring the part of its C API that the package calls.

ctypes, not cffi: measured with bench/python_ffi.py (median of 1000 calls, loaded 2-core
machine), a trivial call costs 0.13 us through ctypes and 0.12 us through cffi's ABI mode, and
building the Grunfeld table and fitting it (FE, clustered) 66 us against 62 us: a few
microseconds per fit, nothing against a real fit. ctypes is in the standard library, so the
package needs no extra Debian package, and no cdef text to keep in step with the headers. The
struct layouts below mirror api/gw_fit.h and core/gw_result.h; the tests compare every number
with reference values, so a layout drift fails them.
"""

import ctypes
import ctypes.util
import os

c_char_p = ctypes.c_char_p
c_double = ctypes.c_double
c_size_t = ctypes.c_size_t
P_double = ctypes.POINTER(ctypes.c_double)

GW_RESULT_NA = ctypes.c_size_t(-1).value


class FitOpts(ctypes.Structure):
    """gw_fit_opts (api/gw_fit.h), field for field."""

    _fields_ = [
        ("estimator", c_char_p),
        ("vcov", c_char_p),
        ("weights", c_char_p),
        ("panel_id", c_char_p),
        ("panel_time", c_char_p),
        ("ssc", ctypes.c_int),
        ("fe_tol", c_double),
        ("fe_maxiter", c_size_t),
        ("maxiter", c_size_t),
        ("tol", c_double),
        ("flags", ctypes.c_uint),
        ("group", c_char_p),
        ("delim", ctypes.c_char),
        ("memory_limit", c_double),
        ("memory_limit_text", c_char_p),
        ("scratch", c_char_p),
        ("keep", ctypes.POINTER(ctypes.c_ubyte)),
        ("subset", c_char_p),
        ("level", c_double),
    ]


class Result(ctypes.Structure):
    """The leading fields of gw_result (core/gw_result.h), up to the coefficient arrays: the
    package reads only these through the struct and everything else by name
    (gw_result_scalar, gw_result_string), so only this prefix must match the header."""

    _fields_ = [
        ("estimator", c_char_p),
        ("formula", c_char_p),
        ("vcov_type", c_char_p),
        ("response", c_char_p),
        ("weights", c_char_p),
        ("nobs", c_size_t),
        ("nobs_dropped_missing", c_size_t),
        ("singletons_dropped", c_size_t),
        ("nobs_dropped_subset", c_size_t),
        ("nobs_dropped_invalid", c_size_t),
        ("subset", c_char_p),
        ("df_resid", c_double),
        ("n_clusters", c_size_t * 2),
        ("n_cluster_vars", c_size_t),
        ("k", c_size_t),
        ("terms", ctypes.POINTER(c_char_p)),
        ("estimate", P_double),
        ("std_error", P_double),
        ("statistic", P_double),
        ("p_value", P_double),
        ("ci_low", P_double),
        ("ci_high", P_double),
        ("vcov", P_double),
        ("conf_level", c_double),
    ]


P_Result = ctypes.POINTER(Result)


def _candidates():
    env = os.environ.get("GOODWORK_LIB")
    if env:
        # An explicit choice is final: falling back silently would hide a wrong path.
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    out = [os.path.join(repo, "build", "libgoodwork.so")]
    found = ctypes.util.find_library("goodwork")
    out.append(found if found else "libgoodwork.so")
    return out


def _load():
    errors = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            errors.append(path + ": no such file")
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            errors.append(str(e))
    raise ImportError("goodwork: cannot load libgoodwork.so (set GOODWORK_LIB, build the "
                      "repository with cmake, or install it): " + "; ".join(errors))


lib, path = _load()


def _decl(name, restype, argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = argtypes
    return f


P_table = ctypes.c_void_p
gw_status = ctypes.c_int

_decl("gw_last_error", c_char_p, [])
_decl("gw_clear_error", None, [])
_decl("gw_status_str", c_char_p, [gw_status])
_decl("gw_malloc", ctypes.c_void_p, [c_size_t])
_decl("gw_free", None, [ctypes.c_void_p])
_decl("gw_strdup", ctypes.c_void_p, [c_char_p])
_decl("gw_table_new", gw_status, [c_size_t, ctypes.POINTER(P_table)])
_decl("gw_table_free", None, [P_table])
_decl("gw_table_add_numeric_take", gw_status, [P_table, c_char_p, ctypes.c_void_p])
_decl("gw_table_add_categorical_take", gw_status,
      [P_table, c_char_p, ctypes.c_void_p, ctypes.c_void_p, c_size_t])
_decl("gw_fit_table", gw_status,
      [P_table, c_char_p, ctypes.POINTER(FitOpts), ctypes.POINTER(P_Result)])
_decl("gw_fit_file", gw_status,
      [c_char_p, c_char_p, ctypes.POINTER(FitOpts), ctypes.POINTER(P_Result), ctypes.c_void_p])
_decl("gw_result_free", None, [P_Result])
_decl("gw_result_scalar", gw_status, [P_Result, c_char_p, P_double])
_decl("gw_result_string", c_char_p, [P_Result, c_char_p])
_decl("gw_output_render", gw_status, [P_Result, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p)])
_decl("gw_threads_set", None, [ctypes.c_int])
_decl("gw_threads_get", ctypes.c_int, [])
_decl("gw_version", c_char_p, [])
