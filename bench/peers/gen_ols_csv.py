"""Writes the OLS benchmark data as CSV: y, x1..x10, cid (N/100 clusters, a cluster effect in
y and x1). Usage: gen_ols_csv.py N PATH [SEED]. Uses numpy only, so that goodwork and every
peer read the very same file."""
import sys

import numpy as np

n = int(float(sys.argv[1]))
path = sys.argv[2]
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261128
rng = np.random.default_rng(seed)
g = max(n // 100, 2)
cid = rng.integers(0, g, n)
u = rng.standard_normal(g)[cid]
X = rng.standard_normal((n, 10))
X[:, 0] += u
y = 1.0 + X @ (0.1 * np.arange(1, 11)) + u + rng.standard_normal(n)
cols = np.column_stack([y, X])
header = "y," + ",".join(f"x{j}" for j in range(1, 11)) + ",cid"
with open(path, "w") as f:
    f.write(header + "\n")
    fmt = ",".join(["%.10g"] * 11) + ",%d"
    data = np.column_stack([cols, cid])
    np.savetxt(f, data, fmt=fmt)
