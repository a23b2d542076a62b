#!/usr/bin/env python3
"""Reference values for tests/models/test_mediate.c: the cluster-bootstrap percentile and BCa
intervals of a mediation on a tiny hand-made panel, computed independently of goodwork.

Independent of the C code in everything but the documented random stream:
  * MT19937 written out here from Matsumoto and Nishimura's reference (init_genrand, as GSL's
    gsl_rng_mt19937 seeds it; seed 0 -> 4357 as in GSL);
  * GSL's gsl_rng_uniform_int(r, n): scale = 0xffffffff // n, k = get() // scale, redraw while
    k >= n;
  * replication r is seeded with low32(splitmix64(splitmix64(seed) + r)) (gw_mediate.h);
  * the regressions are least-squares dummy-variable (LSDV) fits solved EXACTLY in rational
    arithmetic (fractions.Fraction) from the normal equations: no demeaning, no floating
    point until the final conversion;
  * each drawn copy of a cluster gets its own unit dummy; periods keep theirs;
  * percentile: type-7 quantiles; BCa: Efron & Tibshirani (1993) eq. 14.14-14.15, with
    z0 = Phi^-1((#{theta* < theta} + #{theta* = theta}/2) / B), acceleration from the delete-one-cluster jackknife.
Pure standard library (python3 >= 3.8 for statistics.NormalDist); no numpy.

Writes datasets/generated/mediate_tiny.csv (the data) and mediate_tiny_ref.csv (the values).
Usage: python3 scripts/ref/mediate_tiny_ref.py [OUTDIR]
"""
import math
import os
import platform
import sys
from fractions import Fraction
from statistics import NormalDist

SEED = 7
B = 199
LEVEL = 0.95
G_CLUSTERS = 6
T_PERIODS = 4

M64 = (1 << 64) - 1


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def stream_seed(seed, r):
    return splitmix64((splitmix64(seed) + r) & M64) & 0xFFFFFFFF


class MT19937:
    def __init__(self, s):
        if s == 0:
            s = 4357  # GSL's mt19937_set
        self.mt = [0] * 624
        self.mt[0] = s & 0xFFFFFFFF
        for i in range(1, 624):
            prev = self.mt[i - 1]
            self.mt[i] = (1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF
        self.i = 624

    def get(self):
        if self.i >= 624:
            mt = self.mt
            for k in range(624):
                y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7FFFFFFF)
                mt[k] = mt[(k + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            self.i = 0
        y = self.mt[self.i]
        self.i += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y & 0xFFFFFFFF

    def uniform_int(self, n):
        scale = 0xFFFFFFFF // n
        while True:
            k = self.get() // scale
            if k < n:
                return k


def make_data():
    """A hand-made balanced panel: id 0..5, period 1..4, t, m, y with rounded values."""
    rows = []
    for i in range(G_CLUSTERS):
        for p in range(1, T_PERIODS + 1):
            t = round(2.0 * math.sin(1.3 * i + 0.7 * p * p) + 0.4 * i + 0.1 * p, 3)
            m = round(0.6 * t + 0.5 * math.cos(2.1 * i * p + 0.3) + 0.2 * i - 0.15 * p, 3)
            y = round(0.3 * t + 0.8 * m + 0.4 * math.sin(0.9 * i + 1.7 * p) + 0.05 * i * p, 3)
            rows.append((i, p, t, m, y))
    return rows


def solve(A, b):
    """Exact Gauss-Jordan on Fractions."""
    n = len(A)
    M = [row[:] + [b[i]] for i, row in enumerate(A)]
    for c in range(n):
        piv = next(r for r in range(c, n) if M[r][c] != 0)
        M[c], M[piv] = M[piv], M[c]
        inv = 1 / M[c][c]
        M[c] = [v * inv for v in M[c]]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c]
                M[r] = [vr - f * vc for vr, vc in zip(M[r], M[c])]
    return [M[r][n] for r in range(n)]


def lsdv(X, y):
    """Exact OLS coefficients of y on the columns of X (lists of Fractions)."""
    p = len(X[0])
    A = [[sum(row[a] * row[b] for row in X) for b in range(p)] for a in range(p)]
    rhs = [sum(row[a] * yi for row, yi in zip(X, y)) for a in range(p)]
    return solve(A, rhs)


def effects(sample):
    """sample: list of (unit, period, t, m, y) with unit labels; returns a, b, c', indirect..."""
    units = sorted(set(s[0] for s in sample))
    periods = sorted(set(s[1] for s in sample))
    def dummies(s):
        return [Fraction(1 if s[0] == u else 0) for u in units] + \
               [Fraction(1 if s[1] == q else 0) for q in periods[1:]]
    Xm = [[s[2]] + dummies(s) for s in sample]
    Xy = [[s[2], s[3]] + dummies(s) for s in sample]
    a = lsdv(Xm, [s[3] for s in sample])[0]
    co = lsdv(Xy, [s[4] for s in sample])
    cp, b = co[0], co[1]
    ind = a * b
    tot = cp + ind
    return [float(ind), float(cp), float(tot), float(ind / tot)]


def quantile7(v, q):
    v = sorted(v)
    h = (len(v) - 1) * q
    lo = math.floor(h)
    if lo + 1 >= len(v):
        return v[-1]
    return v[lo] + (h - lo) * (v[lo + 1] - v[lo])


def bca(theta, reps, jack, level):
    nd = NormalDist()
    # Ties (replicates that redraw every cluster once reproduce the estimate) count as half.
    below = sum(1.0 if r < theta else 0.5 if r == theta else 0.0 for r in reps)
    z0 = nd.inv_cdf(below / len(reps))
    mean = sum(jack) / len(jack)
    d = [mean - j for j in jack]
    s2 = sum(x * x for x in d)
    s3 = sum(x ** 3 for x in d)
    acc = s3 / (6.0 * s2 ** 1.5) if s2 > 0 else 0.0
    alpha = 1 - level
    out = []
    for zq in (nd.inv_cdf(alpha / 2), nd.inv_cdf(1 - alpha / 2)):
        num = z0 + zq
        out.append(quantile7(reps, nd.cdf(z0 + num / (1 - acc * num))))
    return out[0], out[1], z0, acc


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "datasets", "generated")
    rows = make_data()
    with open(os.path.join(outdir, "mediate_tiny.csv"), "w") as f:
        f.write("id,period,t,m,y\n")
        for r in rows:
            f.write("%d,%d,%.3f,%.3f,%.3f\n" % r)
    # Read back the printed decimals exactly, as the C reader sees them.
    data = [(r[0], r[1], Fraction("%.3f" % r[2]), Fraction("%.3f" % r[3]),
             Fraction("%.3f" % r[4])) for r in rows]
    by = {i: [s for s in data if s[0] == i] for i in range(G_CLUSTERS)}
    theta = effects(data)
    reps = []
    for r in range(B):
        rng = MT19937(stream_seed(SEED, r))
        draw = [rng.uniform_int(G_CLUSTERS) for _ in range(G_CLUSTERS)]
        sample = []
        for j, g in enumerate(draw):  # copy j of cluster g: its own unit label
            sample += [(j,) + s[1:] for s in by[g]]
        reps.append(effects(sample))
    jack = [effects([s for s in data if s[0] != g]) for g in range(G_CLUSTERS)]
    names = ["indirect", "direct", "total", "proportion"]
    alpha = 1 - LEVEL
    with open(os.path.join(outdir, "mediate_tiny_ref.csv"), "w") as f:
        f.write("# scripts/ref/mediate_tiny_ref.py, python %s, exact rational LSDV; "
                "seed %d, B %d, level %g, clusters %d x periods %d\n"
                % (platform.python_version(), SEED, B, LEVEL, G_CLUSTERS, T_PERIODS))
        f.write("effect,estimate,pct_low,pct_high,bca_low,bca_high,z0,accel\n")
        for e, name in enumerate(names):
            col = [rp[e] for rp in reps]
            lo, hi = quantile7(col, alpha / 2), quantile7(col, 1 - alpha / 2)
            blo, bhi, z0, acc = bca(theta[e], col, [j[e] for j in jack], LEVEL)
            f.write("%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n"
                    % (name, theta[e], lo, hi, blo, bhi, z0, acc))
        # A known BCa case (gw_mediate_bca): replicates 1..100, estimate 30.5, jackknife 0,0,3.
        lo, hi, z0, acc = bca(30.5, [float(v) for v in range(1, 101)], [0.0, 0.0, 3.0], 0.95)
        f.write("bca_known,30.5,nan,nan,%.17g,%.17g,%.17g,%.17g\n" % (lo, hi, z0, acc))


if __name__ == "__main__":
    main()
