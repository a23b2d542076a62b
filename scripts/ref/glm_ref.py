# glm_ref.py -- statsmodels cross-check of scripts/ref/glm_ref.R for tests/models/test_glm.c:
# the same logit, probit and Poisson fits (datasets/psid1976.csv, datasets/doctorvisits.csv)
# by statsmodels GLM (IRLS, tol 1e-14) with iid, HC0 and cluster standard errors
# (cov_type="cluster": G/(G-1) (N-1)/(N-K), as sandwich's vcovCL HC1), and the log-likelihood.
# Run from the repository root with Debian's python3 (python3-statsmodels):
#   /usr/bin/python3 scripts/ref/glm_ref.py
import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.api as sm

psid = pd.read_csv("datasets/psid1976.csv")
dv = pd.read_csv("datasets/doctorvisits.csv")
psid["experience2"] = psid["experience"] ** 2
dv["age2"] = dv["age"] ** 2

lfp = ["nwifeinc", "education", "experience", "experience2", "age", "youngkids", "oldkids"]
dvx = ["female", "age", "age2", "income", "illness", "reduced", "health", "private",
       "freepoor", "freerepat", "nchronic", "lchronic"]
gwname = {"const": "(Intercept)", "experience2": "I(experience^2)", "age2": "I(age^2)"}

rows = []
def record(model, y, X, family, clname, data):
    X = sm.add_constant(X)
    fits = {
        "iid": sm.GLM(y, X, family=family).fit(tol=1e-14, maxiter=100),
        "hc0": sm.GLM(y, X, family=family).fit(tol=1e-14, maxiter=100, cov_type="HC0"),
        "cluster:" + clname: sm.GLM(y, X, family=family).fit(
            tol=1e-14, maxiter=100, cov_type="cluster",
            cov_kwds={"groups": data[clname].to_numpy()}),
    }
    f = fits["iid"]
    for name, b in f.params.items():
        rows.append((model, "", "estimate", gwname.get(name, name), b))
    rows.append((model, "", "loglik", "", f.llf))
    rows.append((model, "", "deviance", "", f.deviance))
    for v, fv in fits.items():
        for name, se in fv.bse.items():
            rows.append((model, v, "std_error", gwname.get(name, name), se))

logit = sm.families.Binomial(sm.families.links.logit())
probit = sm.families.Binomial(sm.families.links.probit())
record("logit_lfp", psid["participation"], psid[lfp], logit, "age", psid)
record("probit_lfp", psid["participation"], psid[lfp], probit, "age", psid)
record("poisson_dv", dv["visits"], dv[dvx], sm.families.Poisson(), "agegrp", dv)

with open("datasets/generated/glm_ref_statsmodels.csv", "w") as out:
    out.write("# Reference values for tests/models/test_glm.c, made by scripts/ref/glm_ref.py\n")
    out.write("# statsmodels %s; numpy %s; scipy %s; pandas %s\n" %
              (statsmodels.__version__, np.__version__, scipy.__version__, pd.__version__))
    out.write("model,vcov,what,term,value\n")
    for r in rows:
        out.write("%s,%s,%s,%s,%.17g\n" % r)
print("wrote", len(rows), "reference values")
