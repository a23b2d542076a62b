"""grunfeld_fe_ref.py -- statsmodels reference for the within estimator's statsmodels profile.

Usage (from the repository root):  /usr/bin/python3 scripts/ref/grunfeld_fe_ref.py
statsmodels has no absorbed fixed effects: the model is OLS of inv on value, capital and the
firm dummies (C(firm), LSDV), the convention goodwork's `--ssc statsmodels` reproduces.
Writes datasets/generated/grunfeld_fe_ref_statsmodels.csv: profile,vcov,what,term,value.
"""
import numpy as np
import pandas as pd
import statsmodels
import statsmodels.formula.api as smf

d = pd.read_csv("datasets/grunfeld.csv")
m = smf.ols("inv ~ value + capital + C(firm)", data=d)
fits = {
    "iid": m.fit(),
    "hc1": m.fit(cov_type="HC1"),
    "hc3": m.fit(cov_type="HC3"),
    "cluster:firm": m.fit(cov_type="cluster", cov_kwds={"groups": d["firm"].values}),
    "cluster:year": m.fit(cov_type="cluster", cov_kwds={"groups": d["year"].values}),
    "cluster:firm+year": m.fit(cov_type="cluster",
                               cov_kwds={"groups": np.column_stack([d["firm"].values,
                                                                    d["year"].values])}),
}
lines = ["# Reference values for tests/models/test_hdfe.c, made by scripts/ref/grunfeld_fe_ref.py",
         "# statsmodels %s (OLS with C(firm) dummies), numpy %s" % (statsmodels.__version__,
                                                                      np.__version__),
         "profile,vcov,what,term,value"]
for v, f in fits.items():
    for t in ("value", "capital"):
        lines.append("sm,%s,std_error,%s,%.17g" % (v, t, f.bse[t]))
        lines.append("sm,%s,estimate,%s,%.17g" % (v, t, f.params[t]))
open("datasets/generated/grunfeld_fe_ref_statsmodels.csv", "w").write("\n".join(lines) + "\n")
