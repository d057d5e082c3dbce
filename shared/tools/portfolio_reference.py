#!/usr/bin/env python3
"""Reference numbers for shared::portfolio from scikit-learn and PyPortfolioOpt.

Reads the bundled real data (shared/data/bundled/):
  * stocks-monthly.csv.gz: the five monthly stocks (AAPL, AMZN, GOOG, IBM,
    MSFT), kept on the dates all five have (2004-08-01 .. 2010-03-01),
    simple returns p_t / p_{t-1} - 1 (67 rows);
  * sp500, nasdaq, wti, vix: daily closes/values on the dates all four
    observe (2014-01-03 .. 2018-12-31), simple returns;
  * sp500.csv.gz and nasdaq.csv.gz: daily closes 1999-01-04 .. 2018-12-31
    (the same 5031 dates), simple returns (5030 rows).

and prints, as Rust constants to paste into shared/tests/portfolio.rs:
  * sklearn.covariance.ledoit_wolf(X): Ledoit-Wolf 2004 (JMVA) shrinkage to
    a multiple of the IDENTITY, per-period covariance and the intensity;
  * pypfopt.risk_models.CovarianceShrinkage(...).ledoit_wolf(
    "constant_correlation"), Ledoit-Wolf 2004 ("Honey") constant-correlation
    target. PyPortfolioOpt takes S from pandas' cov() (divides by T - 1);
    the paper and the authors' covCor.m use S with 1/T, which is what
    shared::portfolio implements, so the script sets cs.S to the 1/T sample
    covariance before calling it (its theta/pi terms are written for a
    general S and then reduce exactly to the paper's). Per-period values
    (annualisation is ours: frequency=1 here).
  * pypfopt.EfficientFrontier(mu, S) min_volatility() and max_sharpe(rf)
    on the five stocks, long-only, mu = 12 * arithmetic mean, S = 12 *
    sample covariance (T - 1), solved by OSQP (not clarabel, so the
    reference is independent of the solver under test).

Usage: python3 shared/tools/portfolio_reference.py
(needs `pip install scikit-learn pyportfolioopt`; run with scikit-learn
1.9.1, PyPortfolioOpt 1.6.0, cvxpy 1.9.3, pandas 3.1.1.)
"""
import gzip
import io
import os
import warnings

import numpy as np
import pandas as pd
from sklearn.covariance import ledoit_wolf
from pypfopt.risk_models import CovarianceShrinkage
from pypfopt.efficient_frontier import EfficientFrontier

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data", "bundled")


def read(name):
    with gzip.open(os.path.join(DATA, name), "rt") as f:
        return pd.read_csv(io.StringIO(f.read()))


def stocks():
    df = read("stocks-monthly.csv.gz")
    df["date"] = pd.to_datetime(df["date"], format="%b %d %Y")
    wide = df.pivot(index="date", columns="symbol", values="price").sort_index()
    wide = wide[["AAPL", "AMZN", "GOOG", "IBM", "MSFT"]].dropna()
    return wide


def indices():
    sp = read("sp500.csv.gz")
    nq = read("nasdaq.csv.gz")
    assert (sp["Date"] == nq["Date"]).all()
    return pd.DataFrame({"SP500": sp["Close"].values, "NASDAQ": nq["Close"].values})


def daily_four():
    """SP500, NASDAQ, WTI and VIX closes on the dates all four observe
    (FRED's "." marks a missing date and is dropped, like our alignment)."""
    frames = []
    for name, col, out in [("sp500.csv.gz", "Close", "SP500"), ("nasdaq.csv.gz", "Close", "NASDAQ"),
                           ("wti.csv.gz", "DCOILWTICO", "WTI"), ("vix.csv.gz", "vix", "VIX")]:
        df = read(name)
        df = df[df[col].astype(str) != "."]
        idx = pd.to_datetime(df["Date"], format="%m/%d/%Y")
        frames.append(pd.Series(df[col].astype(float).values, index=idx, name=out))
    wide = pd.concat(frames, axis=1, join="inner").sort_index()
    print(f"// daily four: {wide.index[0].date()} .. {wide.index[-1].date()}, {len(wide)} dates")
    return wide


def rust_array(name, values):
    body = ", ".join(repr(float(v)) for v in np.ravel(values))
    return f"const {name}: [f64; {np.size(values)}] = [{body}];"


def lw_cases(tag, prices):
    rets = prices.pct_change().dropna()
    x = rets.values
    t = x.shape[0]
    cov, shrink = ledoit_wolf(x)
    print(f"// {tag}: {t} returns, sklearn {__import__('sklearn').__version__} ledoit_wolf")
    print(rust_array(f"{tag}_LW_IDENTITY_COV", cov))
    print(f"const {tag}_LW_IDENTITY_SHRINKAGE: f64 = {float(shrink)!r};")
    cs = CovarianceShrinkage(rets, returns_data=True, frequency=1)
    cs.S = rets.cov(ddof=0).values
    cc = cs.ledoit_wolf("constant_correlation")
    print(f"// {tag}: PyPortfolioOpt constant_correlation with S = 1/T sample covariance")
    print(rust_array(f"{tag}_LW_CC_COV", cc.values))
    print(f"const {tag}_LW_CC_SHRINKAGE: f64 = {float(cs.delta)!r};")
    return rets


def optimisers(rets):
    mu = rets.mean() * 12
    S = rets.cov() * 12
    ef = EfficientFrontier(mu, S, weight_bounds=(0, 1), solver="OSQP",
                           solver_options={"eps_abs": 1e-12, "eps_rel": 1e-12, "max_iter": 200000, "polish": True})
    w = ef.min_volatility()
    print("// PyPortfolioOpt min_volatility, long-only, OSQP")
    print(rust_array("STOCKS_MIN_VOL_WEIGHTS", [w[k] for k in rets.columns]))
    ef = EfficientFrontier(mu, S, weight_bounds=(0, 1), solver="OSQP",
                           solver_options={"eps_abs": 1e-12, "eps_rel": 1e-12, "max_iter": 200000, "polish": True})
    w = ef.max_sharpe(risk_free_rate=0.02)
    print("// PyPortfolioOpt max_sharpe(risk_free_rate=0.02), long-only, OSQP")
    print(rust_array("STOCKS_MAX_SHARPE_WEIGHTS", [w[k] for k in rets.columns]))


if __name__ == "__main__":
    s = stocks()
    print(f"// stocks: {s.index[0].date()} .. {s.index[-1].date()}, {len(s)} dates")
    rets = lw_cases("STOCKS", s)
    lw_cases("INDICES", indices())
    lw_cases("DAILY4", daily_four())
    optimisers(rets)
