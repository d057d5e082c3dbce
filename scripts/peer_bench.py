"""The Python peers' side of the speed comparison (issue 11's table).

Reads the inputs that `cargo run --release -p shared --example peer_bench
-- DIR` wrote (features.csv: the S&P 500 default features and targets the
Lab builds; options.csv: the 1M-option pricing grid) and our timings
(ours.json), times the same work with numpy + scipy, py_vollib_vectorized,
scikit-learn and LightGBM (one thread, one warm-up, best of three rounds,
wall clock, like ours) and prints the table: ours, the peer, and our time
over the peer's (below 1 means we are faster).

Run by scripts/bench-peers.sh, which installs the peers in a virtual
environment first: `python peer_bench.py DIR`.
"""
import json
import math
import os
import sys
import time
import warnings

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import sklearn  # noqa: E402
import lightgbm  # noqa: E402
from scipy.special import ndtr  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

MLP_EPOCHS = 20


def best_of_three(f):
    """Seconds of the fastest of three rounds after one warm-up."""
    f()
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best


def load(directory):
    features = np.loadtxt(os.path.join(directory, "features.csv"), delimiter=",", skiprows=1)
    options = np.loadtxt(os.path.join(directory, "options.csv"), delimiter=",", skiprows=1)
    with open(os.path.join(directory, "ours.json")) as f:
        ours = json.load(f)
    return features[:, :-2], features[:, -2], options, ours


def bsm(s, k, t, r, q, v, sign):
    """Black-Scholes-Merton price, vectorised; sign +1 call, -1 put."""
    vst = v * np.sqrt(t)
    d1 = (np.log(s / k) + (r - q + 0.5 * v * v) * t) / vst
    d2 = d1 - vst
    return sign * (s * np.exp(-q * t) * ndtr(sign * d1) - k * np.exp(-r * t) * ndtr(sign * d2))


def bsm_greeks(s, k, t, r, q, v, sign):
    """Price and the five Greeks, vectorised; returns their sum per row."""
    sqrt_t = np.sqrt(t)
    vst = v * sqrt_t
    d1 = (np.log(s / k) + (r - q + 0.5 * v * v) * t) / vst
    d2 = d1 - vst
    dq, dr = np.exp(-q * t), np.exp(-r * t)
    nd1, nd2 = ndtr(sign * d1), ndtr(sign * d2)
    pdf = np.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi)
    price = sign * (s * dq * nd1 - k * dr * nd2)
    delta = sign * dq * nd1
    gamma = dq * pdf / (s * vst)
    vega = s * dq * pdf * sqrt_t
    theta = -s * dq * pdf * v / (2.0 * sqrt_t) + sign * (q * s * dq * nd1 - r * k * dr * nd2)
    rho = sign * k * t * dr * nd2
    return price + delta + gamma + vega + theta + rho


def peers(x, y, options, wanted):
    """The peer figure of each kernel in `wanted`: name -> (value, unit, peer)."""
    s, k, t, r, q, v, is_call = (options[:, i] for i in range(7))
    sign = np.where(is_call > 0.5, 1.0, -1.0)
    n = len(s)
    learn = f"scikit-learn {sklearn.__version__}"

    def rate(f):
        return n / best_of_three(f) / 1e6

    def ms(f):
        return best_of_three(f) * 1e3

    def implied_vol():
        from py_vollib_vectorized import vectorized_implied_volatility

        prices = bsm(s, k, t, r, q, v, sign)
        flags = np.where(sign > 0, "c", "p")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return rate(
                lambda: vectorized_implied_volatility(
                    prices, s, k, t, r, flags, q=q, model="black_scholes_merton", return_as="numpy"
                )
            )

    def kmeans():
        z = StandardScaler().fit_transform(x)
        KMeans(n_clusters=4, n_init=1, init="k-means++", max_iter=300, random_state=0).fit(z)

    def logistic():
        z = StandardScaler().fit_transform(x)
        LogisticRegression(C=1.0, max_iter=1000).fit(z, y)

    def knn_predict():
        scaler = StandardScaler().fit(x)
        knn = KNeighborsClassifier(n_neighbors=15, n_jobs=1).fit(scaler.transform(x), y)
        return ms(lambda: knn.predict(scaler.transform(x)))

    def mlp_epoch():
        z = StandardScaler().fit_transform(x)
        m = MLPClassifier(
            hidden_layer_sizes=(32, 16),
            alpha=1e-4,
            batch_size=200,
            max_iter=MLP_EPOCHS,
            tol=0.0,
            n_iter_no_change=MLP_EPOCHS + 1,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.fit(z, y)

    kernels = {
        "bsm_batch": (lambda: rate(lambda: bsm(s, k, t, r, q, v, 1.0)), "M/s", "numpy + scipy ndtr"),
        "bsm_scalar": (lambda: rate(lambda: bsm(s, k, t, r, q, v, sign)), "M/s", "numpy + scipy ndtr"),
        "bsm_greeks": (lambda: rate(lambda: bsm_greeks(s, k, t, r, q, v, sign)), "M/s", "numpy + scipy ndtr"),
        "implied_vol": (implied_vol, "M/s", "py_vollib_vectorized"),
        "random_forest_100_fit": (
            lambda: ms(
                lambda: RandomForestClassifier(n_estimators=100, max_features="sqrt", n_jobs=1, random_state=0).fit(
                    x, y
                )
            ),
            "ms",
            learn,
        ),
        "gradient_boosting_100_depth3_fit": (
            lambda: ms(
                lambda: lightgbm.LGBMClassifier(
                    n_estimators=100, learning_rate=0.1, max_depth=3, num_leaves=8, num_threads=1, verbose=-1
                ).fit(x, y)
            ),
            "ms",
            f"LightGBM {lightgbm.__version__}",
        ),
        "kmeans_k4_fit": (lambda: ms(kmeans), "ms", learn),
        "logistic_fit": (lambda: ms(logistic), "ms", learn),
        "knn_k15_predict": (knn_predict, "ms", learn),
        "mlp_32_16_epoch": (lambda: ms(mlp_epoch) / MLP_EPOCHS, "ms", learn),
    }
    out = {}
    for name in wanted:
        if name not in kernels:
            continue
        measure, unit, peer = kernels[name]
        try:
            out[name] = (measure(), unit, peer)
        except Exception as error:  # a broken peer install: say so, run the rest
            print(f"{name}: {peer} could not run: {str(error).splitlines()[0]}", file=sys.stderr)
    return out


def main():
    if len(sys.argv) != 2:
        print("usage: peer_bench.py DIR", file=sys.stderr)
        sys.exit(2)
    x, y, options, ours = load(sys.argv[1])
    theirs = peers(x, y, options, list(ours["kernels"]))
    print(
        f"\nSame inputs: {ours['rows']} x {ours['features']} S&P 500 features, {len(options):,} options; "
        f"numpy {np.__version__}, scipy {scipy.__version__}, one thread, best of three.\n"
    )
    print("| kernel | ours | the peer | peer figure | ours / peer time |")
    print("|---|---|---|---|---|")
    for name, mine in ours["kernels"].items():
        if name not in theirs:
            print(f"| {name} | {mine['value']:.2f} {mine['unit']} | (not run) | | |")
            continue
        value, unit, peer = theirs[name]
        ratio = value / mine["value"] if unit == "M/s" else mine["value"] / value
        verdict = "slower" if ratio > 1.0 else "faster"
        print(
            f"| {name} | {mine['value']:.2f} {mine['unit']} | {peer} | {value:.2f} {unit} | "
            f"{ratio:.2f} ({verdict}) |"
        )


if __name__ == "__main__":
    main()
