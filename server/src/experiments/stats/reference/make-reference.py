"""Reference values for server/src/experiments/stats, computed independently with SciPy.

Run from this folder:  python3 make-reference.py > reference.json
(needs numpy and scipy, e.g. `apt-get install python3-scipy`). The tests read
reference.json and check every figure to 4 decimals; they do not need Python.

Independent of the TypeScript code: p-values come from scipy.stats.ttest_ind /
ttest_ind_from_stats and scipy.stats.chisquare, quantiles from scipy.stats.t
and norm, the Bayesian risks from numerical integration (scipy.integrate.quad)
of the posterior, and the CUPED case from raw unit data (numpy), not from sums.
"""
import json
import math

import numpy as np
from scipy import integrate, stats

ALTERNATIVES = ["two-sided", "greater", "less"]


def moments(n, s, ss):
    mean = s / n
    var = (ss - s * s / n) / (n - 1)
    return mean, var


def interval(est, se, q_two, q_one, alternative):
    if alternative == "two-sided":
        return [est - q_two * se, est + q_two * se]
    if alternative == "greater":
        return [est - q_one * se, None]
    return [None, est + q_one * se]


def welch_case(name, control, treatment, alpha, alternative):
    (mc, vc), (mt, vt) = control, treatment
    nc, nt = control_n[name], treatment_n[name]
    res = stats.ttest_ind_from_stats(mt, math.sqrt(vt), nt, mc, math.sqrt(vc), nc, equal_var=False, alternative=alternative)
    a, b = vc / nc, vt / nt
    df = (a + b) ** 2 / (a * a / (nc - 1) + b * b / (nt - 1))
    se = math.sqrt(a + b)
    rel = mt / mc - 1
    rel_se = math.sqrt(vt / (nt * mc**2) + mt**2 * vc / (nc * mc**4))
    q_two, q_one = stats.t.ppf(1 - alpha / 2, df), stats.t.ppf(1 - alpha, df)
    return {
        "statistic": float(res.statistic), "pValue": float(res.pvalue), "degreesOfFreedom": df,
        "absolute": {"estimate": mt - mc, "standardError": se, "interval": interval(mt - mc, se, q_two, q_one, alternative)},
        "relative": {"estimate": rel, "standardError": rel_se, "interval": interval(rel, rel_se, q_two, q_one, alternative)},
    }


control_n, treatment_n = {}, {}
cases = []
means_inputs = [
    ("revenue, small", dict(n=40, sum=412.5, sumSquares=5210.75), dict(n=37, sum=455.2, sumSquares=6602.4)),
    ("revenue, large", dict(n=25013, sum=31050.2, sumSquares=412990.0), dict(n=24870, sum=31950.9, sumSquares=430512.5)),
    ("unequal variances", dict(n=12, sum=60.0, sumSquares=320.0), dict(n=200, sum=1120.0, sumSquares=8000.0)),
    ("strong effect", dict(n=3000, sum=30000.0, sumSquares=374975.0), dict(n=3000, sum=32400.0, sumSquares=439890.0)),
]
proportion_inputs = [
    ("signup rate", dict(n=10000, conversions=1000), dict(n=10050, conversions=1085)),
    ("rare purchase", dict(n=5321, conversions=37), dict(n=5290, conversions=52)),
    ("strong lift", dict(n=10000, conversions=1000), dict(n=10000, conversions=1200)),
]
for alpha in (0.05, 0.1):
    for alternative in ALTERNATIVES:
        for name, c, t in means_inputs:
            control_n[name], treatment_n[name] = c["n"], t["n"]
            out = welch_case(name, moments(c["n"], c["sum"], c["sumSquares"]), moments(t["n"], t["sum"], t["sumSquares"]), alpha, alternative)
            cases.append({"name": name, "control": c, "treatment": t, "alpha": alpha, "alternative": alternative, "expected": out})
        for name, c, t in proportion_inputs:
            control_n[name], treatment_n[name] = c["n"], t["n"]
            mc = moments(c["n"], c["conversions"], c["conversions"])
            mt = moments(t["n"], t["conversions"], t["conversions"])
            out = welch_case(name, mc, mt, alpha, alternative)
            # Cross-check against raw 0/1 data through scipy's own raw-data Welch test.
            raw_c = np.r_[np.ones(c["conversions"]), np.zeros(c["n"] - c["conversions"])]
            raw_t = np.r_[np.ones(t["conversions"]), np.zeros(t["n"] - t["conversions"])]
            raw = stats.ttest_ind(raw_t, raw_c, equal_var=False, alternative=alternative)
            assert abs(raw.pvalue - out["pValue"]) < 1e-12
            cases.append({"name": name, "control": c, "treatment": t, "alpha": alpha, "alternative": alternative, "expected": out})

# Sequential: the mixture boundary and likelihood ratio written out in numpy.
sequential = []
for name, c, t in means_inputs[:2] + [("signup rate", dict(n=10000, sum=1000, sumSquares=1000), dict(n=10050, sum=1085, sumSquares=1085))]:
    for alpha, planned in ((0.05, 10000), (0.05, 100000), (0.01, 5000)):
        mc, vc = moments(c["n"], c["sum"], c["sumSquares"])
        mt, vt = moments(t["n"], t["sum"], t["sumSquares"])
        se = math.sqrt(vc / c["n"] + vt / t["n"])
        units = c["n"] + t["n"]
        rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / planned
        r = units * rho2
        mult = math.sqrt((1 + 1 / r) * (math.log(1 + r) + 2 * math.log(1 / alpha)))
        z = (mt - mc) / se
        lam = math.exp(-0.5 * math.log1p(r) + r / (1 + r) * z * z / 2)
        rel = mt / mc - 1
        rel_se = math.sqrt(vt / (t["n"] * mc**2) + mt**2 * vc / (c["n"] * mc**4))
        sequential.append({"name": name, "control": c, "treatment": t, "alpha": alpha, "plannedSampleSize": planned, "expected": {
            "pValue": min(1.0, 1 / lam),
            "absolute": {"estimate": mt - mc, "interval": [mt - mc - mult * se, mt - mc + mult * se]},
            "relative": {"estimate": rel, "interval": [rel - mult * rel_se, rel + mult * rel_se]},
        }})

# Bayesian: posterior of the relative lift; risk by numerical integration.
bayesian = []
for name, c, t in [(n, c, t) for n, c, t in means_inputs[:2]] + [("signup rate", dict(n=10000, sum=1000, sumSquares=1000), dict(n=10050, sum=1085, sumSquares=1085)), ("rare purchase", dict(n=5321, sum=37, sumSquares=37), dict(n=5290, sum=52, sumSquares=52))]:
    for prior in (None, {"mean": 0.0, "sd": 0.1}, {"mean": 0.02, "sd": 0.05}):
        mc, vc = moments(c["n"], c["sum"], c["sumSquares"])
        mt, vt = moments(t["n"], t["sum"], t["sumSquares"])
        rel = mt / mc - 1
        rel_se = math.sqrt(vt / (t["n"] * mc**2) + mt**2 * vc / (c["n"] * mc**4))
        if prior is None:
            m, s = rel, rel_se
        else:
            prec = 1 / rel_se**2 + 1 / prior["sd"] ** 2
            m, s = (rel / rel_se**2 + prior["mean"] / prior["sd"] ** 2) / prec, math.sqrt(1 / prec)
        post = stats.norm(m, s)
        win = integrate.quad(post.pdf, 0, np.inf)[0]
        risk_t = integrate.quad(lambda x: -x * post.pdf(x), -np.inf, 0)[0]
        risk_c = integrate.quad(lambda x: x * post.pdf(x), 0, np.inf)[0]
        q = stats.norm.ppf(0.975)
        bayesian.append({"name": name, "control": c, "treatment": t, "prior": prior, "alpha": 0.05, "expected": {
            "chanceToWin": win, "risk": {"treatment": risk_t, "control": risk_c},
            "relative": {"estimate": m, "standardError": s, "interval": [m - q * s, m + q * s]},
        }})

# Sample-ratio mismatch: scipy's chi-square goodness of fit.
srm = []
for counts, weights in (([5000, 5100], [1, 1]), ([5000, 5400], [1, 1]), ([10000, 9700, 10400], [1, 1, 1]), ([2000, 6150], [1, 3]), ([1000, 1010, 2050, 3900], [1, 1, 2, 4]), ([50000, 51000], [1, 1])):
    total = sum(counts)
    expected = [total * w / sum(weights) for w in weights]
    res = stats.chisquare(counts, expected)
    srm.append({"counts": counts, "weights": weights, "expected": {"statistic": float(res.statistic), "pValue": float(res.pvalue), "mismatch": bool(res.pvalue < 0.001)}})

# CUPED: raw unit data, adjusted per unit, then scipy's Welch test on the raw adjusted values.
rng = np.random.default_rng(20261124)
cuped = []
for effect, corr in ((0.0, 0.7), (0.3, 0.5), (0.15, 0.9)):
    groups = []
    for arm, n in ((0, 3000), (1, 3100)):
        x = rng.gamma(2.0, 5.0, n)
        y = 3 + corr * x + rng.normal(0, 4, n) + effect * arm
        groups.append((x, y))
    sxy = sum(np.sum((x - x.mean()) * (y - y.mean())) for x, y in groups)
    sxx = sum(np.sum((x - x.mean()) ** 2) for x, y in groups)
    theta = sxy / sxx
    xbar = np.concatenate([x for x, _ in groups]).mean()
    adj = [y - theta * (x - xbar) for x, y in groups]
    res = stats.ttest_ind(adj[1], adj[0], equal_var=False)
    variants = [{"n": len(y), "sum": float(y.sum()), "sumSquares": float((y * y).sum()), "covariate": {"sum": float(x.sum()), "sumSquares": float((x * x).sum()), "sumProducts": float((x * y).sum())}} for x, y in groups]
    cuped.append({"variants": variants, "expected": {
        "theta": theta, "means": [float(a.mean()) for a in adj], "variances": [float(a.var(ddof=1)) for a in adj],
        "pValue": float(res.pvalue), "statistic": float(res.statistic),
        "varianceReduction": [float(1 - a.var(ddof=1) / y.var(ddof=1)) for a, (_, y) in zip(adj, groups)],
    }})

print(json.dumps({"generatedWith": f"scipy {__import__('scipy').__version__}, numpy {np.__version__}", "welch": cases, "sequential": sequential, "bayesian": bayesian, "sampleRatio": srm, "cuped": cuped}, indent=1))
