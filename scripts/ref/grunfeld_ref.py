#!/usr/bin/python3
"""grunfeld_ref.py -- an independent second reference for goodwork's OLS/WLS (statsmodels).

Usage (from the repository root, after scripts/ref/grunfeld_ref.R wrote datasets/grunfeld.csv):
    /usr/bin/python3 scripts/ref/grunfeld_ref.py
Writes datasets/generated/grunfeld_ref_statsmodels.csv in the format of grunfeld_ref.csv
(model,vcov,what,term,value; 17 significant digits) for the same models, and prints the largest
relative difference from the R reference per quantity.

statsmodels conventions used: OLS/WLS .fit(cov_type=...) with HC0..HC3; cluster with
use_correction=True (G/(G-1) * (N-1)/(N-K)) and df_correction=True (t with G-1 df); two-way
clusters pass a two-column group array (statsmodels forms V1 + V2 - V12, each corrected with its
own G). Only estimates, standard errors, r2, adj_r2, rss, loglik and the F test are recorded.
"""
import csv
import math
import sys

import numpy as np
import statsmodels
import statsmodels.api as sm

rows = list(csv.DictReader(open("datasets/grunfeld.csv")))
firm = np.array([int(r["firm"]) for r in rows])
year = np.array([int(r["year"]) for r in rows])
inv = np.array([float(r["inv"]) for r in rows])
value = np.array([float(r["value"]) for r in rows])
capital = np.array([float(r["capital"]) for r in rows])
out = []


def emit(model, vcov, what, term, v):
    out.append("%s,%s,%s,%s,%s" % (model, vcov, what, term, repr(float(v))))


def fit(name, X, terms, y, kinds, w=None, groups=None):
    for kind in kinds:
        mod = sm.OLS(y, X) if w is None else sm.WLS(y, X, weights=w)
        if kind == "iid":
            res = mod.fit()
        elif kind.startswith("hc"):
            res = mod.fit(cov_type=kind.upper())
        else:
            g = groups[kind]
            res = mod.fit(cov_type="cluster", cov_kwds={"groups": g, "use_correction": True,
                                                         "df_correction": True})
        for j, t in enumerate(terms):
            emit(name, kind, "estimate", t, res.params[j])
            emit(name, kind, "std_error", t, res.bse[j])
        emit(name, kind, "rss", "", res.ssr)
        emit(name, kind, "r2", "", res.rsquared)
        emit(name, kind, "adj_r2", "", res.rsquared_adj)
        emit(name, kind, "loglik", "", res.llf)
        emit(name, kind, "f_stat", "", float(np.squeeze(res.fvalue)))
        emit(name, kind, "f_p_value", "", float(np.squeeze(res.f_pvalue)))


const = np.ones_like(inv)
X1 = np.column_stack([const, value, capital])
t1 = ["(Intercept)", "value", "capital"]
gr = {"cluster:firm": firm, "cluster:year": year,
      "cluster:firm+year": np.column_stack([firm, year])}
fit("m1", X1, t1, inv, ["iid", "hc0", "hc1", "hc2", "hc3", "cluster:firm", "cluster:firm+year",
                        "cluster:year"], groups=gr)
keep = np.ones(len(inv), bool)
keep[[2, 49, 76, 139]] = False
fit("m1na", X1[keep], t1, inv[keep], ["iid", "hc1", "cluster:firm"],
    groups={"cluster:firm": firm[keep]})
fit("wls", X1, t1, inv, ["iid", "hc0", "hc1", "hc2", "hc3", "cluster:firm",
                         "cluster:firm+year"], w=capital, groups=gr)
dummies = [(firm == f).astype(float) for f in range(2, 11)]
Xtr = np.column_stack([const, np.log(value), capital, capital ** 2] + dummies)
ttr = ["(Intercept)", "log(value)", "capital", "I(capital^2)"] + \
      ["factor(firm)=%d" % f for f in range(2, 11)]
fit("tr", Xtr, ttr, inv, ["iid", "hc1", "hc3", "cluster:year"], groups=gr)
fit("noint", X1[:, 1:], t1[1:], inv, ["iid", "hc1", "cluster:firm"], groups=gr)

# Compare with the R reference.
ref = {}
for line in open("datasets/generated/grunfeld_ref.csv"):
    if line.startswith("#") or line.startswith("model,"):
        continue
    m, k, what, term, v = line.rstrip("\n").split(",")
    ref[(m, k, what, term)] = float(v)
worst = {}
for line in out:
    m, k, what, term, v = line.split(",")
    r = ref.get((m, k, what, term))
    if r is None or math.isnan(r):
        continue
    d = abs(float(v) - r) / max(abs(r), 1e-300)
    key = what
    if key not in worst or d > worst[key][0]:
        worst[key] = (d, "%s/%s/%s" % (m, k, term))
hdr = ["# Second reference for tests/models/test_ols.c, made by scripts/ref/grunfeld_ref.py",
       "# Python %s; statsmodels %s; numpy %s" % (sys.version.split()[0],
                                                  statsmodels.__version__, np.__version__)]
for what in sorted(worst):
    hdr.append("# max relative difference from grunfeld_ref.csv (R) in %s: %.1e (%s)"
               % (what, worst[what][0], worst[what][1]))
hdr.append("model,vcov,what,term,value")
with open("datasets/generated/grunfeld_ref_statsmodels.csv", "w") as f:
    f.write("\n".join(hdr + out) + "\n")
print("\n".join(hdr))
