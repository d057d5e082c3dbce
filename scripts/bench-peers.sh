#!/usr/bin/env bash
# Our kernels against the Python peers, side by side, in one run: BSM
# (numpy + scipy), implied volatility (py_vollib_vectorized), random forest,
# k-means, kNN, logistic and MLP (scikit-learn), gradient boosting
# (LightGBM). One thread each, the same inputs, best of three rounds.
# Installs the peers with pip into target/peer-bench/venv when missing.
# Not part of the test command: run it on a quiet machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$root/target/peer-bench"
venv="$work/venv"
mkdir -p "$work"

# The versions this table was last measured with. py_vollib_vectorized
# 0.1.1 (its last release) needs numba's object-mode fallback and the
# numba-jitted py_lets_be_rational 1.0.1, hence the older numpy and numba,
# and it is installed without its own (unpinned, newer) requirements.
peers=(numpy==1.26.4 scipy==1.13.1 scikit-learn==1.5.2 lightgbm==4.6.0 numba==0.58.1
  pandas==2.2.3 py_vollib==1.0.1 py_lets_be_rational==1.0.1 simplejson)

if ! "$venv/bin/python" -c "import numpy, scipy, sklearn, lightgbm, py_vollib_vectorized" 2>/dev/null; then
  echo "installing the Python peers into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${peers[@]}"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps py_vollib_vectorized==0.1.1
fi

echo "== ours (cargo run --release -p shared --example peer_bench)" >&2
cargo run --quiet --release -p shared --example peer_bench -- "$work"
echo "== the peers (scripts/peer_bench.py)" >&2
"$venv/bin/python" "$root/scripts/peer_bench.py" "$work"
