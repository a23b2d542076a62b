"""gw.feols against the R reference values stored for the C tests (scripts/ref/*.R), and the
DataFrame and file paths against each other."""

import math

import numpy as np
import pandas as pd
import pytest

import goodwork as gw
from conftest import close, data, read_ref

OLS_REF = read_ref("grunfeld_ref.csv")
FE_REF = read_ref("grunfeld_fe_ref.csv")
POST_REF = read_ref("postest_ref.csv")

# pyfixest's vcov names and the vcov texts of the reference files.
VCOVS = [("iid", "iid"), ("hc1", "hc1"), ("HC3", "hc3"), ({"CRV1": "firm"}, "cluster:firm"),
         ({"CRV1": "firm+year"}, "cluster:firm+year"), ({"CRV1": "year"}, "cluster:year")]
COLS = {"estimate": "Estimate", "std_error": "Std. Error", "statistic": "t value",
        "p_value": "Pr(>|t|)", "ci_low": "2.5%", "ci_high": "97.5%"}


def check_ols(m, model, vc):
    tidy = m.tidy()
    assert list(tidy.columns) == list(COLS.values())
    terms = ["(Intercept)", "value", "capital"]
    assert list(tidy.index) == terms
    n = 0
    for what, col in COLS.items():
        for term in terms:
            want = OLS_REF[(model, vc, what, term)]
            assert close(tidy.loc[term, col], want), (model, vc, what, term)
            n += 1
    V = m.vcov()
    for a in terms:
        for b in terms:
            assert close(V.loc[a, b], OLS_REF[(model, vc, "vcov", a + "|" + b)], 1e-9)
    assert m.nobs == OLS_REF[(model, vc, "nobs", "")]
    assert close(m.r2, OLS_REF[(model, vc, "r2", "")])
    assert close(m.stat("rmse"), OLS_REF[(model, vc, "rmse", "")])
    assert math.isnan(m.r2_within)
    assert n == 18


@pytest.mark.parametrize("vcov,vc", VCOVS + [("hc0", "hc0"), ("hc2", "hc2")])
def test_grunfeld_ols(grunfeld, vcov, vc):
    m = gw.feols("inv ~ value + capital", grunfeld, vcov=vcov)
    check_ols(m, "m1", vc)
    pd.testing.assert_series_equal(m.coef(), m.tidy()["Estimate"])
    pd.testing.assert_series_equal(m.se(), m.tidy()["Std. Error"])


@pytest.mark.parametrize("vcov,vc", [("iid", "iid"), ("hc1", "hc1"),
                                     ({"CRV1": "firm"}, "cluster:firm")])
def test_grunfeld_missing(grunfeld, vcov, vc):
    """NaN and None in a float column are missing values: R's m1na (rows 3, 50, 77, 140 of inv
    set to NA)."""
    df = grunfeld.copy()
    df.loc[[2, 49, 76], "inv"] = np.nan
    df["inv"] = df["inv"].astype(object)
    df.loc[139, "inv"] = None
    m = gw.feols("inv ~ value + capital", df, vcov=vcov)
    assert m.nobs == 196
    check_ols(m, "m1na", vc)


def test_grunfeld_nullable_int(grunfeld):
    """A nullable integer column with pd.NA: missing, and otherwise its values as float64."""
    df = grunfeld.copy()
    df["inv"] = df["inv"].astype("Float64")
    df.loc[[2, 49, 76, 139], "inv"] = pd.NA
    df["year"] = df["year"].astype("Int64")
    check_ols(gw.feols("inv ~ value + capital", df, vcov={"CRV1": "firm"}), "m1na",
              "cluster:firm")


@pytest.mark.parametrize("vcov,vc", VCOVS)
def test_grunfeld_fe(grunfeld, vcov, vc):
    """Firm fixed effects: plm's estimates and within R2, the goodwork profile's std. errors."""
    m = gw.feols("inv ~ value + capital | firm", grunfeld, vcov=vcov)
    for term in ("value", "capital"):
        assert close(m.coef()[term], FE_REF[("plm", "iid", "estimate", term)])
        assert close(m.se()[term], FE_REF[("goodwork", vc, "std_error", term)])
    assert close(m.r2_within, FE_REF[("plm", "iid", "r2_within", "")])
    assert close(m.r2, FE_REF[("plm", "iid", "r2", "")])
    assert m.nobs == 200
    assert list(m.coef().index) == ["value", "capital"]


def test_grunfeld_fe_categorical_ids(grunfeld):
    """Firm ids as strings and as a pandas categorical give the numeric ids' fit."""
    num = gw.feols("inv ~ value + capital | firm", grunfeld, vcov={"CRV1": "firm"})
    for conv in (lambda s: s.astype(str), lambda s: s.astype("category"),
                 lambda s: ("f" + s.astype(str)).astype("string")):
        df = grunfeld.copy()
        df["firm"] = conv(df["firm"])
        m = gw.feols("inv ~ value + capital | firm", df, vcov={"CRV1": "firm"})
        pd.testing.assert_frame_equal(m.tidy(), num.tidy(), rtol=0, atol=0)


def test_psid_string_ids_cluster(psid):
    """psid7682: string worker ids, missing values and a yes/no factor; clustered by worker
    with 90% intervals, against postest_ref.csv (R, CR1 by hand)."""
    m = gw.feols("lwage ~ experience + education + weeks + south", psid,
                 vcov={"CRV1": "worker"}, level=0.90)
    ci = m.confint()
    assert list(ci.columns) == ["5%", "95%"]
    names = {"south=yes": "factor(south)yes"}
    for term in ci.index:
        rterm = names.get(term, term)
        assert close(ci.loc[term, "5%"], POST_REF[("ols", "cluster", "ci90_low", rterm)])
        assert close(ci.loc[term, "95%"], POST_REF[("ols", "cluster", "ci90_high", rterm)])
    assert m.nobs == 4104
    assert m.string("vcov_type") == "cluster:worker"


@pytest.mark.parametrize("formula,vcov,kw", [
    ("lwage ~ experience + education + weeks + south", {"CRV1": "worker"}, {}),
    ("lwage ~ experience + weeks + union | worker + year", "hc1", {"weights": "weight"}),
    ("lwage ~ experience + occupation | year | weeks ~ union + south", "iid", {}),
])
def test_dataframe_equals_path(psid, formula, vcov, kw):
    """The same numbers, bit for bit, from the DataFrame and from the CSV file it was read
    from (the CSV reader's byte-order levels are the package's)."""
    a = gw.feols(formula, psid, vcov=vcov, **kw)
    b = gw.feols(formula, data("psid7682.csv"), vcov=vcov, **kw)
    pd.testing.assert_frame_equal(a.tidy(), b.tidy(), rtol=0, atol=0)
    pd.testing.assert_frame_equal(a.vcov(), b.vcov(), rtol=0, atol=0)
    assert a.nobs == b.nobs and a.r2 == b.r2
    assert a.summary() == b.summary()


def test_h5_path(tmp_path, grunfeld):
    """A .h5 table (written by `goodwork convert`) gives the CSV's numbers."""
    import shutil
    import subprocess
    import os
    cli = os.path.join(os.path.dirname(gw.library_path), "cli", "goodwork")
    if not os.path.exists(cli):
        cli = shutil.which("goodwork")
    if cli is None:
        pytest.skip("no goodwork command next to the library")
    h5 = str(tmp_path / "g.h5")
    subprocess.run([cli, "convert", data("grunfeld.csv"), h5], check=True,
                   capture_output=True)
    a = gw.feols("inv ~ value + capital | firm", h5, vcov={"CRV1": "firm"})
    b = gw.feols("inv ~ value + capital | firm", grunfeld, vcov={"CRV1": "firm"})
    pd.testing.assert_frame_equal(a.tidy(), b.tidy(), rtol=0, atol=0)


def test_threads_do_not_change_results(grunfeld):
    a = gw.feols("inv ~ value + capital | firm", grunfeld, vcov="hc1", threads=1)
    b = gw.feols("inv ~ value + capital | firm", grunfeld, vcov="hc1", threads=2)
    pd.testing.assert_frame_equal(a.tidy(), b.tidy(), rtol=0, atol=0)


def test_summary_is_the_library_printout(grunfeld):
    s = gw.feols("inv ~ value + capital | firm", grunfeld, vcov={"CRV1": "firm"}).summary()
    assert "clustered by firm (10 clusters)" in s
    assert "Within R-squared" in s
