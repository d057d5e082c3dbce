"""Reference values for shared::features::indicators from TA-Lib.

Reads shared/data/bundled/sp500.csv.gz (Date M/D/YYYY, Open, High, Low,
Close, Adj Close, Volume), computes with the TA-Lib C library through its
Python wrapper (`pip install TA-Lib`, 0.8.x wheels bundle the C library):

    SMA(close, 20), EMA(close, 20), RSI(close, 14),
    MACD(close, 12, 26, 9), BBANDS(close, 20, 2, 2, matype=0),
    ATR(high, low, close, 14), MOM(close, 10), ROC(close, 10),
    OBV(close, volume), STDDEV(close, 20, 1)

and writes rows 0..400 and rows 4600..5031 (the end) of each output to
indicators_reference.json, NaN as null, with the TA-Lib versions.

Run from the repository root:
    python3 shared/tests/reference/indicators_reference.py
"""

import gzip
import json
import math
import os

import numpy as np
import talib

HERE = os.path.dirname(os.path.abspath(__file__))
CSV = os.path.join(HERE, "..", "..", "data", "bundled", "sp500.csv.gz")
OUT = os.path.join(HERE, "indicators_reference.json")

ROWS = list(range(0, 400)) + list(range(4600, 5031))


def main():
    with gzip.open(CSV, "rt") as f:
        lines = f.read().strip().splitlines()
    header = lines[0].split(",")
    assert header == ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"], header
    rows = [line.split(",") for line in lines[1:]]
    high = np.array([float(r[2]) for r in rows])
    low = np.array([float(r[3]) for r in rows])
    close = np.array([float(r[4]) for r in rows])
    volume = np.array([float(r[6]) for r in rows])
    macd, signal, hist = talib.MACD(close, 12, 26, 9)
    upper, middle, lower = talib.BBANDS(close, 20, 2.0, 2.0, 0)
    series = {
        "sma_20": talib.SMA(close, 20),
        "ema_20": talib.EMA(close, 20),
        "rsi_14": talib.RSI(close, 14),
        "macd_line": macd,
        "macd_signal": signal,
        "macd_hist": hist,
        "bb_upper": upper,
        "bb_middle": middle,
        "bb_lower": lower,
        "atr_14": talib.ATR(high, low, close, 14),
        "mom_10": talib.MOM(close, 10),
        "roc_10": talib.ROC(close, 10),
        "obv": talib.OBV(close, volume),
        "stddev_20": talib.STDDEV(close, 20, 1.0),
    }
    n = len(close)
    rows_out = [i for i in ROWS if i < n]

    def clean(v):
        v = float(v)
        return None if math.isnan(v) else v

    doc = {
        "source": "TA-Lib C library via the Python TA-Lib wrapper; sp500.csv.gz Close/High/Low/Volume",
        "talib_python": talib.__version__,
        "talib_c": talib.__ta_version__.decode() if isinstance(talib.__ta_version__, bytes) else str(talib.__ta_version__),
        "calls": {
            "sma_20": "SMA(close, timeperiod=20)",
            "ema_20": "EMA(close, timeperiod=20)",
            "rsi_14": "RSI(close, timeperiod=14)",
            "macd_*": "MACD(close, fastperiod=12, slowperiod=26, signalperiod=9)",
            "bb_*": "BBANDS(close, timeperiod=20, nbdevup=2, nbdevdn=2, matype=0)",
            "atr_14": "ATR(high, low, close, timeperiod=14)",
            "mom_10": "MOM(close, timeperiod=10)",
            "roc_10": "ROC(close, timeperiod=10)",
            "obv": "OBV(close, volume)",
            "stddev_20": "STDDEV(close, timeperiod=20, nbdev=1)",
        },
        "rows": rows_out,
        "values": {k: [clean(v[i]) for i in rows_out] for k, v in series.items()},
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
