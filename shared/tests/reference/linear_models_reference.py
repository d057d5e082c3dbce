"""Reference values for shared/tests/linear_models_oracle.rs, from scikit-learn.

Builds the same features as the Rust test from the bundled S&P 500 closes
(shared/data/bundled/sp500.csv.gz): at row t, the last five daily log returns
r[t], r[t-1], ..., r[t-4] and the 10-day sample (ddof=1) standard deviation of
r[t-9..=t]; the label is the next day's log return r[t+1] (regression) and
whether it is > 0 (classification). The first 3,000 rows train, the next
1,000 are the test rows. Fits the scikit-learn models the Rust families
mirror and writes shared/tests/reference/linear_models_reference.json.

With --timing it also times scikit-learn (single thread, process_time) on
~5,000 rows x 20 features (lags 1..15, volatility over 5/10/20 days, sums of
returns over 10 and 20 days), for examples/linear_models_timing.rs.

Run:  OMP_NUM_THREADS=1 python3 shared/tests/reference/linear_models_reference.py [--timing]
"""

import gzip
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.naive_bayes import BernoulliNB, GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC, LinearSVR

HERE = os.path.dirname(os.path.abspath(__file__))
CSV = os.path.join(HERE, "..", "..", "data", "bundled", "sp500.csv.gz")


def closes():
    with gzip.open(CSV, "rt") as f:
        lines = f.read().strip().splitlines()
    header = lines[0].split(",")
    col = header.index("Close")
    return np.array([float(line.split(",")[col]) for line in lines[1:]])


def returns(c):
    return np.log(c[1:] / c[:-1])


def small_features(r):
    """Rows t = 9 .. len(r) - 2 of [r[t], ..., r[t-4], sd(r[t-9..=t])]."""
    xs, ys = [], []
    for t in range(9, len(r) - 1):
        lags = [r[t - k] for k in range(5)]
        vol = float(np.std(r[t - 9 : t + 1], ddof=1))
        xs.append(lags + [vol])
        ys.append(r[t + 1])
    return np.array(xs), np.array(ys)


def wide_features(r):
    """Rows t = 19 .. len(r) - 2: lags 1..15, sd over 5/10/20, sums over 10/20."""
    xs, ys = [], []
    for t in range(19, len(r) - 1):
        row = [r[t - k] for k in range(15)]
        for w in (5, 10, 20):
            row.append(float(np.std(r[t - w + 1 : t + 1], ddof=1)))
        for w in (10, 20):
            row.append(float(np.sum(r[t - w + 1 : t + 1])))
        xs.append(row)
        ys.append(r[t + 1])
    return np.array(xs), np.array(ys)


def reference():
    r = returns(closes())
    x, y = small_features(r)
    xtr, ytr, xte, yte = x[:3000], y[:3000], x[3000:4000], y[3000:4000]
    ctr, cte = (ytr > 0).astype(int), (yte > 0).astype(int)
    sc = StandardScaler().fit(xtr)
    ztr, zte = sc.transform(xtr), sc.transform(xte)
    out = {
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "rows": len(x),
        "first_row": x[0].tolist(),
        "first_target": float(y[0]),
    }

    ols = LinearRegression().fit(ztr, ytr)
    out["ols"] = {"coef": ols.coef_.tolist(), "intercept": float(ols.intercept_),
                  "test_pred": ols.predict(zte).tolist()}
    out["ridge"] = []
    for alpha in (1.0, 100.0, 10000.0):
        m = Ridge(alpha=alpha).fit(ztr, ytr)
        out["ridge"].append({"alpha": alpha, "coef": m.coef_.tolist(),
                             "intercept": float(m.intercept_)})
    # Lasso / elastic net on the standardised target, as the Rust model does.
    sd = float(np.std(ytr))
    out["elastic_net"] = []
    for alpha, ratio in ((0.003, 1.0), (0.01, 0.5), (0.03, 0.2)):
        if ratio == 1.0:
            m = Lasso(alpha=alpha, tol=1e-14, max_iter=1_000_000)
        else:
            m = ElasticNet(alpha=alpha, l1_ratio=ratio, tol=1e-14, max_iter=1_000_000)
        m.fit(ztr, (ytr - ytr.mean()) / sd)
        out["elastic_net"].append({"alpha": alpha, "l1_ratio": ratio,
                                   "coef": (m.coef_ * sd).tolist()})

    out["logistic_l2"] = []
    for c in (0.01, 1.0, 100.0):
        m = LogisticRegression(C=c, tol=1e-12, max_iter=100_000).fit(ztr, ctr)
        out["logistic_l2"].append({"c": c, "coef": m.coef_[0].tolist(),
                                   "intercept": float(m.intercept_[0]),
                                   "test_proba": m.predict_proba(zte)[:, 1].tolist()})
    out["logistic_l1"] = []
    for c in (0.01, 0.1):
        m = LogisticRegression(C=c, penalty="l1", solver="saga", tol=1e-12,
                               max_iter=1_000_000).fit(ztr, ctr)
        out["logistic_l1"].append({"c": c, "coef": m.coef_[0].tolist(),
                                   "intercept": float(m.intercept_[0]),
                                   "test_proba": m.predict_proba(zte)[:, 1].tolist()})

    out["gaussian_nb"] = []
    for s in (1e-9, 0.1):
        m = GaussianNB(var_smoothing=s).fit(ztr, ctr)
        out["gaussian_nb"].append({"var_smoothing": s,
                                   "test_proba": m.predict_proba(zte)[:, 1].tolist()})
    m = BernoulliNB(alpha=1.0, binarize=0.0).fit(ztr, ctr)
    out["bernoulli_nb_alpha_1"] = m.predict_proba(zte)[:, 1].tolist()

    out["knn"] = []
    for task, k, weights in (("clf", 15, "uniform"), ("clf", 50, "distance"),
                             ("reg", 15, "uniform"), ("reg", 50, "distance")):
        if task == "clf":
            m = KNeighborsClassifier(n_neighbors=k, weights=weights).fit(ztr, ctr)
            pred = m.predict(zte).astype(float).tolist()
            proba = m.predict_proba(zte)[:, 1].tolist()
        else:
            m = KNeighborsRegressor(n_neighbors=k, weights=weights).fit(ztr, ytr)
            pred = m.predict(zte).tolist()
            proba = None
        out["knn"].append({"task": task, "k": k, "weights": weights,
                           "test_pred": pred, "test_proba": proba})

    pca = PCA().fit(ztr)
    out["pca_explained_variance"] = pca.explained_variance_.tolist()

    out["linear_svc"] = []
    for c in (0.1, 1.0):
        m = LinearSVC(C=c, dual=True, max_iter=100_000, random_state=0).fit(ztr, ctr)
        out["linear_svc"].append({"c": c, "test_accuracy": float(m.score(zte, cte))})
    m = SVC(C=1.0, kernel="rbf", gamma=0.05).fit(ztr, ctr)
    out["svc_rbf_c_1_gamma_0_05_test_accuracy"] = float(m.score(zte, cte))
    m = LinearSVR(C=0.1, epsilon=0.1, dual=True, max_iter=100_000, random_state=0)
    m.fit(ztr, (ytr - ytr.mean()) / sd)
    out["linear_svr_c_0_1_eps_0_1_test_pred"] = (ytr.mean() + sd * m.predict(zte)).tolist()
    return out


def timing():
    r = returns(closes())
    x, y = wide_features(r)
    c = (y > 0).astype(int)
    print(f"timing on {x.shape[0]} rows x {x.shape[1]} features, sklearn {sklearn.__version__}")

    def clock(name, make, target):
        model = make()
        t0 = time.process_time()
        model.fit(x, target)
        t1 = time.process_time()
        model.predict(x)
        t2 = time.process_time()
        print(f"{name:40s} fit {1e3 * (t1 - t0):9.2f} ms  predict {1e3 * (t2 - t1):9.2f} ms")

    s = StandardScaler
    clock("linear_regression_ols", lambda: make_pipeline(s(), LinearRegression()), y)
    clock("ridge_alpha_1", lambda: make_pipeline(s(), Ridge(alpha=1.0)), y)
    clock("lasso_alpha_0_003 (y/sd)", lambda: make_pipeline(s(), Lasso(alpha=0.003)), y / y.std())
    clock("elastic_net_alpha_0_01_l1_0_5 (y/sd)",
          lambda: make_pipeline(s(), ElasticNet(alpha=0.01, l1_ratio=0.5)), y / y.std())
    clock("logistic_l2_c_1 (lbfgs)", lambda: make_pipeline(s(), LogisticRegression(C=1.0)), c)
    clock("logistic_l1_c_0_1 (liblinear)",
          lambda: make_pipeline(s(), LogisticRegression(C=0.1, penalty="l1", solver="liblinear")), c)
    clock("knn_clf_k15", lambda: make_pipeline(s(), KNeighborsClassifier(15)), c)
    clock("knn_reg_k50_distance",
          lambda: make_pipeline(s(), KNeighborsRegressor(50, weights="distance")), y)
    clock("gaussian_nb_var_smoothing_1e_9", lambda: make_pipeline(s(), GaussianNB()), c)
    clock("svm_linear_c_1", lambda: make_pipeline(s(), LinearSVC(C=1.0, dual=True)), c)
    clock("svm_rbf c1 gamma0.05 (exact SVC)", lambda: make_pipeline(s(), SVC(C=1.0, gamma=0.05)), c)
    clock("svm_rbf_nystroem256 (Nystroem+LinearSVC)",
          lambda: make_pipeline(s(), Nystroem(gamma=0.05, n_components=256, random_state=0),
                                LinearSVC(C=1.0, loss="hinge", dual=True)), c)
    clock("svr_linear_c_1_eps_0_1 (y/sd)",
          lambda: make_pipeline(s(), LinearSVR(C=1.0, epsilon=0.1, dual=True)), y / y.std())
    clock("pca_5_logistic_l2_c_1",
          lambda: make_pipeline(s(), PCA(5), LogisticRegression(C=1.0)), c)


if __name__ == "__main__":
    if "--timing" in sys.argv:
        timing()
    else:
        ref = reference()
        with open(os.path.join(HERE, "linear_models_reference.json"), "w") as f:
            json.dump(ref, f, indent=1)
        print("wrote linear_models_reference.json")
