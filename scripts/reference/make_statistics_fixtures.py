#!/usr/bin/env python3
"""Writes Tests/DeniDataTests/Fixtures/small_sample_statistics.json: SciPy's values for the small-sample paired
statistics (Sources/DeniData/SmallSampleStatistics.swift). Needs numpy and scipy (any python3 that has them;
not a dependency of the workbench). Run from the repository root: python3 scripts/reference/make_statistics_fixtures.py"""
import json, math, sys
import numpy as np
from scipy import stats

rng = np.random.default_rng(23)
def pair(n, shift, noise, decimals=2):
    a = np.round(70 + rng.normal(0, 1.5, n), decimals)
    b = np.round(a - shift + rng.normal(0, noise, n), decimals)
    return a.tolist(), b.tolist()

cases = []
for n, shift, noise in [(5, 0.8, 0.5), (5, -0.3, 1.2), (8, 0.4, 0.9), (10, 1.1, 1.0), (12, 0.0, 0.7), (16, 0.3, 0.6), (20, 0.2, 0.8)]:
    a, b = pair(n, shift, noise)
    cases.append((a, b))
# Ties in |d| and a zero difference.
cases.append(([71.0, 72.0, 70.0, 69.0, 75.0, 74.0], [70.0, 71.0, 70.0, 70.0, 74.0, 73.0]))

paired = []
for a, b in cases:
    r = stats.ttest_rel(a, b)
    ci = r.confidence_interval(0.95)
    d = np.array(a) - np.array(b)
    perm = stats.permutation_test((d,), np.mean, permutation_type="samples", alternative="two-sided", n_resamples=np.inf)
    paired.append({"a": a, "b": b, "t_p": float(r.pvalue), "t_low": float(ci.low), "t_high": float(ci.high),
                   "sign_flip_p": float(perm.pvalue)})

quantiles = [{"p": p, "df": df, "t": float(stats.t.ppf(p, df)), "f": float(stats.f.ppf(p, df, df + 3))}
             for p in [0.025, 0.5, 0.9, 0.975, 0.995] for df in [1, 4, 9, 30]]

signs = [{"positive": k, "negative": n - k, "p": float(stats.binomtest(k, n, 0.5).pvalue)}
         for k, n in [(2, 20), (18, 20), (0, 5), (3, 5), (10, 20), (7, 12), (1, 1)]]

# DerSimonian-Laird, written out independently of the Swift code.
def dersimonian_laird(m, v):
    m, v = np.array(m), np.array(v)
    w = 1 / v
    fixed = np.sum(w * m) / np.sum(w)
    q = float(np.sum(w * (m - fixed) ** 2))
    tau2 = max(0.0, (q - (len(m) - 1)) / (np.sum(w) - np.sum(w ** 2) / np.sum(w)))
    ws = 1 / (v + tau2)
    est = float(np.sum(ws * m) / np.sum(ws))
    se = math.sqrt(1 / np.sum(ws))
    z = stats.norm.ppf(0.975)
    return {"estimate": est, "low": est - z * se, "high": est + z * se, "tau2": float(tau2), "q": q}
pooled = []
for m, v in [([-0.72, -1.05, -1.48, -0.44], [0.12, 0.31, 0.45, 0.02]), ([0.5, -0.2, 0.1], [0.2, 0.2, 0.2]),
             ([1.0, 3.0], [0.1, 0.1])]:
    pooled.append({"means": m, "variances": v, **dersimonian_laird(m, v)})

def power(r, n, alpha=0.05):
    df = n - 1
    hi, lo = stats.f.ppf(1 - alpha / 2, df, df), stats.f.ppf(alpha / 2, df, df)
    return float(stats.f.sf(hi / r**2, df, df) + stats.f.cdf(lo / r**2, df, df))
def runs_needed(r, target=0.8):
    n = 2
    while power(r, n) < target:
        n += 1
    return n
powers = [{"ratio": r, "runs": n, "power": power(r, n)} for r in [0.5, 0.8, 1.78, 2.5] for n in [5, 10, 20]]
needed = [{"ratio": r, "runs": runs_needed(r)} for r in [0.5, 0.7, 0.95, 1.3, 1.78, 3.0]]

out = {"generator": "scripts/reference/make_statistics_fixtures.py", "scipy": __import__("scipy").__version__, "numpy": np.__version__,
       "paired": paired, "quantiles": quantiles, "sign": signs, "random_effects": pooled, "power": powers, "runs_needed": needed}
with open("Tests/DeniDataTests/Fixtures/small_sample_statistics.json", "w") as f:
    json.dump(out, f, indent=1)
print("wrote", len(paired), "paired cases,", len(quantiles), "quantiles,", len(needed), "run counts", file=sys.stderr)
