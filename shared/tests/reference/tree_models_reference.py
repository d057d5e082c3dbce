"""Reference values for shared/tests/tree_models_oracle.rs.

Builds the same 20 features as shared/tests/tree_models_features/mod.rs from
the bundled sp500 (and nasdaq) CSVs, splits chronologically (first 70% train,
last 30% test) and records:
  * exact scikit-learn DecisionTree predictions (features rounded to float32,
    as scikit-learn's trees see them) for three CART configurations;
  * RandomForest / ExtraTrees test accuracy (mean over seeds 0..4) and
    LightGBM test accuracy for depths 3..6 (100 trees, lr 0.1);
  * single-thread CPU times (time.process_time) of fit and predict on the
    sp500 rows (~5,000 x 20) and sp500+nasdaq stacked (~10,000 x 20).
Run: OMP_NUM_THREADS=1 python3 tree_models_reference.py
"""
import gzip, json, math, os, sys, time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import sklearn, lightgbm
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.ensemble import RandomForestClassifier, ExtraTreesClassifier

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED = os.path.join(HERE, "..", "..", "data", "bundled")


def load(name):
    with gzip.open(os.path.join(BUNDLED, name + ".csv.gz"), "rt") as f:
        lines = f.read().strip().splitlines()
    rows = []
    for line in lines[1:]:
        d, o, h, l, c, _adj, v = line.split(",")
        m, dd, y = d.split("/")
        rows.append(((int(y), int(m), int(dd)), float(o), float(h), float(l), float(c), float(v)))
    rows.sort(key=lambda r: r[0])
    return rows


def build(name):
    bars = load(name)
    c = [b[4] for b in bars]
    n = len(c)
    r = [0.0] + [math.log(c[t] / c[t - 1]) for t in range(1, n)]
    X, yd, yr = [], [], []
    for t in range(20, n - 1):
        row = [r[t - k] for k in range(10)]
        row += [math.log(c[t] / c[t - k]) for k in (5, 10, 20)]
        for w in (5, 10, 20):
            win = r[t + 1 - w : t + 1]
            s = 0.0
            for v in win:
                s += v
            mean = s / w
            var = 0.0
            for v in win:
                var += (v - mean) * (v - mean)
            row.append(math.sqrt(var / w))
        _, o, h, l, cl, _v = bars[t]
        row.append(math.log(h / l))
        row.append(math.log(cl / o))
        row.append(math.log((bars[t][5] + 1.0) / (bars[t - 1][5] + 1.0)))
        s = 0.0
        for v in c[t - 19 : t + 1]:
            s += v
        row.append(math.log(c[t] / (s / 20.0)))
        X.append(row)
        yd.append(1.0 if c[t + 1] > c[t] else 0.0)
        yr.append(c[t + 1] / c[t] - 1.0)
    return np.array(X), np.array(yd), np.array(yr)


def cpu(f):
    t = time.process_time()
    out = f()
    return out, time.process_time() - t


X, y, yr = build("sp500")
n = len(y)
ntr = int(0.7 * n)
X32 = X.astype(np.float32).astype(np.float64)
Xtr, Xte, ytr, yte = X32[:ntr], X32[ntr:], y[:ntr], y[ntr:]
out = {
    "sklearn_version": sklearn.__version__,
    "lightgbm_version": lightgbm.__version__,
    "rows": n,
    "train_rows": ntr,
    "feature_sum": float(X.sum()),
    "first_row": X[0].tolist(),
}

cart = {}
for name, model in [
    ("clf_gini_depth3", DecisionTreeClassifier(max_depth=3, random_state=0)),
    ("clf_entropy_depth5", DecisionTreeClassifier(criterion="entropy", max_depth=5, random_state=0)),
    ("clf_gini_depth8_leaf20", DecisionTreeClassifier(max_depth=8, min_samples_leaf=20, random_state=0)),
]:
    model.fit(Xtr, ytr)
    cart[name] = model.predict(Xte).tolist()
reg = DecisionTreeRegressor(max_depth=3, random_state=0).fit(Xtr, yr[:ntr])
cart["reg_mse_depth3"] = reg.predict(Xte).tolist()
out["cart"] = cart

Xtr, Xte = X[:ntr], X[ntr:]
acc = {}
for name, make in [
    ("random_forest_100_sqrt", lambda s: RandomForestClassifier(n_estimators=100, max_features="sqrt", n_jobs=1, random_state=s)),
    ("extra_trees_100_sqrt", lambda s: ExtraTreesClassifier(n_estimators=100, max_features="sqrt", n_jobs=1, random_state=s)),
]:
    accs = [float((make(s).fit(Xtr, ytr).predict(Xte) == yte).mean()) for s in range(5)]
    acc[name] = {"mean": sum(accs) / len(accs), "per_seed": accs}
for d in (3, 4, 5, 6):
    m = lightgbm.LGBMClassifier(n_estimators=100, learning_rate=0.1, max_depth=d, num_leaves=2**d,
                                num_threads=1, verbose=-1, deterministic=True)
    m.fit(Xtr, ytr)
    acc[f"lightgbm_100_lr0_1_depth{d}"] = {"mean": float((m.predict(Xte) == yte).mean())}
out["accuracy"] = acc

timing = {}
X2, y2, _ = build("nasdaq")
for label, (XX, yy) in {"sp500_5k": (X, y), "sp500_nasdaq_10k": (np.vstack([X, X2]), np.concatenate([y, y2]))}.items():
    row = {"rows": int(len(yy))}
    for name, make in [
        ("sklearn_rf100", lambda: RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=0)),
        ("sklearn_et100", lambda: ExtraTreesClassifier(n_estimators=100, n_jobs=1, random_state=0)),
    ] + [
        (f"lightgbm_100_depth{d}", (lambda d=d: lightgbm.LGBMClassifier(n_estimators=100, learning_rate=0.1, max_depth=d,
                                                                      num_leaves=2**d, num_threads=1, verbose=-1)))
        for d in (3, 4, 5, 6)
    ]:
        m = make()
        _, fit_s = cpu(lambda: m.fit(XX, yy))
        _, pred_s = cpu(lambda: m.predict_proba(XX))
        row[name] = {"fit_s": fit_s, "predict_s": pred_s}
    timing[label] = row
out["timing_cpu_seconds"] = timing

with open(os.path.join(HERE, "tree_models_reference.json"), "w") as f:
    json.dump(out, f, indent=1)
print(json.dumps({k: out[k] for k in ("sklearn_version", "lightgbm_version", "rows", "accuracy", "timing_cpu_seconds")}, indent=1))
