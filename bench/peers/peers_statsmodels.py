"""Peer timings for bench/peers/peers.sh: statsmodels OLS with HC1 on the CSV goodwork reads
(statsmodels has no absorbed fixed effects; the dummy-variable design of the FE models would be
n x n/20 dense, 4 GB at 10^5 rows, so only OLS is run).
Usage: python3 peers_statsmodels.py FILE.csv REPS
Prints: tool=statsmodels model=ols_hc1 load_s=<s> est_s=<s> coef=x1:<b>,...
load_s: numpy.loadtxt of the file (median); est_s: OLS fit with the HC1 covariance (median)."""
import sys
import time

import numpy as np
import statsmodels.api as sm

path, reps = sys.argv[1], int(sys.argv[2])
with open(path) as f:
    header = f.readline().strip().split(",")
tl, te = [], []
for _ in range(reps):
    t0 = time.perf_counter()
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    tl.append(time.perf_counter() - t0)
xs = ["x%d" % j for j in range(1, 11)]
y = data[:, header.index("y")]
X = sm.add_constant(data[:, [header.index(x) for x in xs]])
for _ in range(reps):
    t0 = time.perf_counter()
    m = sm.OLS(y, X).fit(cov_type="HC1")
    te.append(time.perf_counter() - t0)
print("tool=statsmodels model=ols_hc1 load_s=%.4f est_s=%.4f coef=%s" % (
    float(np.median(tl)), float(np.median(te)),
    ",".join("%s:%.17g" % (x, b) for x, b in zip(xs, m.params[1:]))))
