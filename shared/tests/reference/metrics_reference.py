"""Writes metrics_reference.json: scikit-learn's metrics (and NumPy trading
arithmetic) on a fixed random vector set, the oracle of
tests/metrics_oracle.rs.

    pip install scikit-learn   # written with scikit-learn 1.7.2, NumPy 2
    python3 shared/tests/reference/metrics_reference.py

The vectors come from a seeded NumPy generator and are stored in the JSON,
so the Rust test never depends on re-running this script.
"""

import json
import math
from pathlib import Path

import numpy as np
import sklearn
from sklearn import metrics

rng = np.random.default_rng(20260101)
cases = []
for i, n in enumerate([7, 50, 333]):
    y_true = (rng.random(n) < 0.55).astype(float)
    y_true[0], y_true[1] = 0.0, 1.0  # both classes
    # Probabilities in [0.001, 0.999], some exact ties, two clipped extremes.
    proba = np.round(rng.uniform(0.001, 0.999, n), 2 if i == 1 else 12)
    if n > 10:
        proba[2], proba[3] = 0.0, 1.0
    y_pred = (proba >= 0.5).astype(float)
    actual = rng.normal(0.0004, 0.011, n)
    forecast = actual * 0.3 + rng.normal(0.0, 0.01, n)
    positions = rng.choice([-1.0, 0.0, 1.0], n)
    next_return = rng.normal(0.0003, 0.012, n)
    cost_bps = [0.0, 5.0, 12.5][i]
    ppy = 252.0

    # Trading, written independently with NumPy.
    previous = np.concatenate([[0.0], positions[:-1]])
    change = np.abs(positions - previous)
    net = positions * next_return - cost_bps / 1e4 * change
    equity = np.cumprod(1.0 + net)
    peak = np.maximum.accumulate(np.concatenate([[1.0], equity]))[1:]
    drawdown = np.max((peak - equity) / peak)
    std = np.std(net, ddof=1)
    sharpe = 0.0 if std == 0 else float(np.mean(net) / std * math.sqrt(ppy))
    in_market = positions != 0
    hits = np.sum((positions * next_return > 0) & in_market)

    clipped = np.clip(proba, 1e-15, 1 - 1e-15)
    cases.append(
        {
            "y_true": y_true.tolist(),
            "y_pred": y_pred.tolist(),
            "proba": proba.tolist(),
            "actual": actual.tolist(),
            "forecast": forecast.tolist(),
            "positions": positions.tolist(),
            "next_return": next_return.tolist(),
            "cost_bps": cost_bps,
            "periods_per_year": ppy,
            "expected": {
                "accuracy": metrics.accuracy_score(y_true, y_pred),
                "precision": metrics.precision_score(y_true, y_pred, zero_division=0),
                "recall": metrics.recall_score(y_true, y_pred, zero_division=0),
                "f1": metrics.f1_score(y_true, y_pred, zero_division=0),
                "roc_auc": metrics.roc_auc_score(y_true, proba),
                "roc_auc_labels": metrics.roc_auc_score(y_true, y_pred),
                # Clipped at 1e-15 explicitly: scikit-learn >= 1.5 clips at
                # float64 eps instead, identical away from 0 and 1.
                "log_loss": metrics.log_loss(y_true, clipped),
                "rmse": math.sqrt(metrics.mean_squared_error(actual, forecast)),
                "mae": metrics.mean_absolute_error(actual, forecast),
                "r2": metrics.r2_score(actual, forecast),
                "cumulative_return": float(equity[-1] - 1.0),
                "sharpe": sharpe,
                "max_drawdown": float(drawdown),
                "hit_rate": float(hits / in_market.sum()) if in_market.any() else 0.0,
                "exposure": float(in_market.mean()),
                "trades": int(np.sum(change != 0)),
            },
        }
    )

out = Path(__file__).with_name("metrics_reference.json")
out.write_text(
    json.dumps({"generator": f"scikit-learn {sklearn.__version__}, numpy {np.__version__}",
                "cases": cases}, indent=1)
    + "\n"
)
print(f"wrote {out}")
