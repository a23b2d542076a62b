"""Errors: the library's message and status as gw.GoodworkError; wrong Python types as
TypeError/ValueError; never a crash."""

import numpy as np
import pandas as pd
import pytest

import goodwork as gw
from conftest import data


def test_bad_formula_caret(grunfeld):
    with pytest.raises(gw.GoodworkError) as e:
        gw.feols("inv ~ value + ( capital", grunfeld)
    assert e.value.status_name == "GW_ESYNTAX"
    lines = str(e.value).splitlines()
    assert lines[1].strip() == "inv ~ value + ( capital"
    assert lines[2].index("^") == lines[1].index("(")


def test_unknown_variable(grunfeld):
    with pytest.raises(gw.GoodworkError) as e:
        gw.feols("inv ~ nosuch", grunfeld)
    assert e.value.status_name == "GW_ENOVAR"
    assert "nosuch" in e.value.message


def test_bad_vcov_from_library(grunfeld):
    with pytest.raises(gw.GoodworkError) as e:
        gw.feols("inv ~ value", grunfeld, vcov="hc9")
    assert e.value.status_name == "GW_EINVAL"


def test_missing_file():
    with pytest.raises(gw.GoodworkError) as e:
        gw.feols("y ~ x", data("no_such_file.csv"))
    assert e.value.status_name == "GW_EIO"


def test_all_missing(grunfeld):
    df = grunfeld.assign(inv=np.nan)
    with pytest.raises(gw.GoodworkError) as e:
        gw.feols("inv ~ value", df)
    assert e.value.status_name == "GW_ENODATA"


def test_unsupported_column_named(grunfeld):
    df = grunfeld.assign(when=pd.to_datetime("2020-01-01"))
    gw.feols("inv ~ value", df)  # an unused datetime column is left out
    with pytest.raises(gw.GoodworkError) as e:
        gw.feols("inv ~ value + when", df)
    assert "when (datetime64" in e.value.message


@pytest.mark.parametrize("args,kw,exc", [
    ((42, None), {}, TypeError),
    (("inv ~ value", [1, 2, 3]), {}, TypeError),
    (("inv ~ value", None), {}, TypeError),
    (("inv ~ value", "GRUNFELD"), {"vcov": 3}, TypeError),
    (("inv ~ value", "GRUNFELD"), {"vcov": {"CRV3": "firm"}}, ValueError),
    (("inv ~ value", "GRUNFELD"), {"vcov": {"CRV1": 1}}, TypeError),
    (("inv ~ value", "GRUNFELD"), {"weights": 1.5}, TypeError),
    (("inv ~ value", "GRUNFELD"), {"threads": 0}, ValueError),
    (("inv ~ value", "GRUNFELD"), {"threads": "2"}, ValueError),
])
def test_wrong_types(grunfeld, args, kw, exc):
    args = tuple(grunfeld if a == "GRUNFELD" else a for a in args)
    with pytest.raises(exc):
        gw.feols(*args, **kw)


def test_empty_and_odd_frames():
    with pytest.raises(gw.GoodworkError):
        gw.feols("y ~ x", pd.DataFrame({"y": [], "x": []}))
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "x": ["a", None, "b", np.nan],
                       "c": [1 + 2j] * 4})
    m = gw.feols("y ~ x", df)
    assert m.nobs == 2


def test_library_lookup_env(tmp_path):
    """GOODWORK_LIB is final: a wrong path is an ImportError naming it, not a fallback."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, GOODWORK_LIB=str(tmp_path / "nope.so"))
    pkg = os.path.join(os.path.dirname(data("")), "..", "python")
    r = subprocess.run([sys.executable, "-c", "import goodwork"], cwd=pkg, env=env,
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "nope.so" in r.stderr and "ImportError" in r.stderr
    env.pop("GOODWORK_LIB")
    r = subprocess.run([sys.executable, "-c", "import goodwork; print(goodwork.library_path)"],
                       cwd=pkg, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("libgoodwork.so")


def test_duplicate_and_non_string_column_names(grunfeld):
    df = pd.concat([grunfeld, grunfeld[["inv"]]], axis=1)
    with pytest.raises(gw.GoodworkError) as e:
        gw.feols("inv ~ value", df)
    assert e.value.status_name == "GW_EINVAL" and "inv" in e.value.message
    df = grunfeld.rename(columns={"value": 7})
    with pytest.raises(gw.GoodworkError):  # the column is called "7": not a formula name
        gw.feols("inv ~ value", df)
