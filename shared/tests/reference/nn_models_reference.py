"""Reference values for shared/tests/nn_models_oracle.rs (scikit-learn).

Builds the same 20 sp500 features as tests/reference/nn_models_features.rs,
standardises them on the first 4,000 rows (population standard deviation,
as shared::models::Standardizer), and records:
  * KMeans (lloyd, n_init=1, tol=0) from explicit initial centres (training
    rows 0, 600, 1200, ...) for k = 2, 4, 6: labels, inertia, iterations;
  * GaussianMixture (full and diag, k=3, reg_covar=1e-6, tol=1e-3) from the
    weights/means/precisions of the k=3 KMeans labels: mean log-likelihood
    on train and test, iterations, test labels;
  * DBSCAN (eps in RMS units times sqrt(20)): labels;
  * MLPClassifier (32,16) relu, alpha 1e-4, adam, batch 200, early stopping:
    test accuracy over seeds 0..4;
  * single-thread fit times on all ~5,000 rows (time.process_time()).
Run: OMP_NUM_THREADS=1 python3 nn_models_reference.py
"""
import os, sys, json, time, math
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import sklearn
from sklearn.cluster import KMeans, DBSCAN, AgglomerativeClustering
from sklearn.mixture import GaussianMixture
from sklearn.neural_network import MLPClassifier

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def features(path):
    import gzip, io, csv
    rows = list(csv.reader(io.TextIOWrapper(gzip.open(path))))[1:]
    o = [float(r[1]) for r in rows]; h = [float(r[2]) for r in rows]
    l = [float(r[3]) for r in rows]; c = [float(r[4]) for r in rows]
    v = [float(r[6]) for r in rows]
    n = len(c)
    r = [0.0] * n
    for t in range(1, n):
        r[t] = math.log(c[t] / c[t - 1])

    def ssum(xs):
        s = 0.0
        for x in xs:
            s += x
        return s

    def sd(t, w):
        win = r[t + 1 - w:t + 1]
        m = ssum(win) / w
        return math.sqrt(ssum([(x - m) * (x - m) for x in win]) / w)

    X, y = [], []
    for t in range(20, n - 1):
        row = [r[t - k] for k in range(10)]
        row += [sd(t, 5), sd(t, 10), sd(t, 20)]
        row += [math.log(c[t] / c[t - 5]), math.log(c[t] / c[t - 20])]
        row += [math.log(h[t] / l[t]), math.log(c[t] / o[t]), math.log(o[t] / c[t - 1])]
        row += [math.log(c[t] / (ssum(c[t - 9:t + 1]) / 10.0))]
        row += [math.log(v[t] / (ssum(v[t - 19:t + 1]) / 20.0))]
        X.append(row)
        y.append(1.0 if r[t + 1] > 0.0 else 0.0)
    return np.array(X), np.array(y)


def standardize(train, other):
    n, d = train.shape
    means, scales = [], []
    for j in range(d):
        s = 0.0
        for i in range(n):
            s += train[i, j]
        m = s / n
        q = 0.0
        for i in range(n):
            q += (train[i, j] - m) * (train[i, j] - m)
        sdv = math.sqrt(q / n)
        means.append(m)
        scales.append(sdv if sdv > 1e-12 else 1.0)
    means, scales = np.array(means), np.array(scales)
    return (train - means) / scales, (other - means) / scales


TRAIN = 4000
X, y = features(os.path.join(HERE, "..", "..", "data", "bundled", "sp500.csv.gz"))
Z, Zt = standardize(X[:TRAIN], X[TRAIN:])
out = {"sklearn": sklearn.__version__, "numpy": np.__version__, "rows": int(len(X)), "train": TRAIN}

kmeans = {}
for k in (2, 4, 6):
    init = Z[[600 * i for i in range(k)]]
    km = KMeans(n_clusters=k, init=init, n_init=1, tol=0.0, max_iter=300, algorithm="lloyd").fit(Z)
    kmeans[str(k)] = {"labels": km.labels_.tolist(), "inertia": float(km.inertia_), "n_iter": int(km.n_iter_)}
out["kmeans"] = kmeans

init3 = Z[[0, 1000, 2000]]
labels3 = KMeans(n_clusters=3, init=init3, n_init=1, tol=0.0, max_iter=300, algorithm="lloyd").fit(Z).labels_
resp = np.zeros((TRAIN, 3)); resp[np.arange(TRAIN), labels3] = 1.0
nk = resp.sum(0) + 10 * np.finfo(float).eps
means = resp.T @ Z / nk[:, None]
gmm = {}
for cov in ("full", "diag"):
    if cov == "full":
        covs = []
        for c in range(3):
            diff = Z - means[c]
            covs.append((resp[:, c] * diff.T) @ diff / nk[c] + 1e-6 * np.eye(Z.shape[1]))
        precisions = np.array([np.linalg.inv(cv) for cv in covs])
    else:
        var = np.array([(resp[:, c][:, None] * (Z - means[c]) ** 2).sum(0) / nk[c] + 1e-6 for c in range(3)])
        precisions = 1.0 / var
    g = GaussianMixture(n_components=3, covariance_type=cov, reg_covar=1e-6, tol=1e-3, max_iter=100,
                        weights_init=nk / TRAIN, means_init=means, precisions_init=precisions).fit(Z)
    gmm[cov] = {"train_score": float(g.score(Z)), "test_score": float(g.score(Zt)), "n_iter": int(g.n_iter_),
                "converged": bool(g.converged_), "test_labels": g.predict(Zt).tolist()}
out["gmm"] = gmm

dbscan = {}
for eps, m in ((0.5, 10), (0.75, 10)):
    lab = DBSCAN(eps=eps * math.sqrt(Z.shape[1]), min_samples=m).fit(Z).labels_
    dbscan[f"{eps}_{m}"] = {"eps": eps, "min_samples": m, "labels": lab.tolist()}
out["dbscan"] = dbscan

accs = []
for seed in range(5):
    mlp = MLPClassifier(hidden_layer_sizes=(32, 16), activation="relu", alpha=1e-4, batch_size=200,
                        learning_rate_init=1e-3, max_iter=200, early_stopping=True, validation_fraction=0.1,
                        n_iter_no_change=10, tol=1e-4, random_state=seed).fit(Z, y[:TRAIN])
    accs.append(float((mlp.predict(Zt) == y[TRAIN:]).mean()))
out["mlp_32_16_test_accuracy"] = accs
out["test_up_share"] = float(y[TRAIN:].mean())

# Timings on all ~5,000 rows (standardised on all of them), one thread.
Za, _ = standardize(X, X[:1])
def timed(f, reps=3):
    best = float("inf")
    for _ in range(reps):
        t = time.process_time(); f(); best = min(best, time.process_time() - t)
    return best
timings = {
    "mlp_32_16_fit_s": timed(lambda: MLPClassifier(hidden_layer_sizes=(32, 16), alpha=1e-4, batch_size=200,
                                                    max_iter=200, early_stopping=True, random_state=0).fit(Za, y), 1),
    "kmeans_k4_fit_s": timed(lambda: KMeans(n_clusters=4, n_init=1, algorithm="lloyd", random_state=0).fit(Za)),
    "gmm_full_k3_fit_s": timed(lambda: GaussianMixture(n_components=3, covariance_type="full", random_state=0).fit(Za)),
    "dbscan_eps0_5_min10_fit_s": timed(lambda: DBSCAN(eps=0.5 * math.sqrt(20), min_samples=10).fit(Za)),
    "agglomerative_ward_k3_1000_rows_fit_s": timed(lambda: AgglomerativeClustering(n_clusters=3).fit(Za[:1000])),
}
out["timings"] = timings
out["timing_rows"] = int(len(Za))
with open(os.path.join(HERE, "nn_models_reference.json"), "w") as f:
    json.dump(out, f)
print(json.dumps({k: v for k, v in out.items() if k in ("sklearn", "mlp_32_16_test_accuracy", "timings", "test_up_share")}, indent=1))
print({k: (v["inertia"], v["n_iter"]) for k, v in kmeans.items()})
print({k: (v["train_score"], v["n_iter"], v["converged"]) for k, v in gmm.items()})
print({k: max(v["labels"]) + 1 for k, v in dbscan.items()})
