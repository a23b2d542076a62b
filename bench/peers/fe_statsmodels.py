"""Peer timing: statsmodels OLS with fe1 dummies (LSDV; statsmodels has no absorbed fixed
effects), clustered by fe1, on generated data of the bench_hdfe design (one-way).
Usage: /usr/bin/python3 fe_statsmodels.py N   Prints one "case=..." line."""
import sys
import time

import numpy as np
import statsmodels
import statsmodels.api as sm

n = int(sys.argv[1]); p = 10
rng = np.random.default_rng(1)
L1 = n // 100
fe1 = rng.integers(0, L1, n); fe2 = rng.integers(0, 1000, n)
a1 = rng.standard_normal(L1); a2 = rng.standard_normal(1000)
X = rng.standard_normal((n, p)) + 0.5 * a1[fe1][:, None] + 0.3 * a2[fe2][:, None]
y = X @ (0.1 * np.arange(p) - 0.4) + a1[fe1] + a2[fe2] + rng.standard_normal(n)
t0 = time.perf_counter()
D = np.zeros((n, L1)); D[np.arange(n), fe1] = 1.0
Z = np.hstack([X, D])
f = sm.OLS(y, Z).fit(cov_type="cluster", cov_kwds={"groups": fe1})
t = time.perf_counter() - t0
print("case=statsmodels_lsdv_1fe n=%d p=%d L1=%d fit_s=%.3f b_x1=%.10g se_x1=%.6g statsmodels=%s"
      % (n, p, L1, t, f.params[0], f.bse[0], statsmodels.__version__))
