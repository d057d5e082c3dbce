//! Oracle test: `shared::features` indicators against TA-Lib on the
//! bundled S&P 500 bars.
//!
//! Source: `tests/reference/indicators_reference.json`, written by
//! `tests/reference/indicators_reference.py` with the TA-Lib C library
//! through the Python wrapper `TA-Lib` 0.8.2 (`talib.__ta_version__`
//! reports "0.8.1"), default settings (no unstable period, default
//! compatibility), on `shared/data/bundled/sp500.csv.gz` (Close, High, Low,
//! Volume columns), rows 0..400 and 4600..5031. Calls: `SMA(close, 20)`,
//! `EMA(close, 20)`, `RSI(close, 14)`, `MACD(close, 12, 26, 9)`,
//! `BBANDS(close, 20, 2, 2, matype=0)`, `ATR(high, low, close, 14)`,
//! `MOM(close, 10)`, `ROC(close, 10)`, `OBV(close, volume)`,
//! `STDDEV(close, 20, 1)`.
//!
//! Agreement: NaN exactly where TA-Lib has no value (the warm-up rows), and
//! elsewhere `|ours - talib| <= 1e-9 * max(|talib|, scale)`, where `scale`
//! is the close of that row for quantities that are differences of prices
//! (MACD, MOM, the standard deviation): those are small numbers computed
//! from price-sized ones, so their rounding error is relative to the price,
//! not to themselves. TA-Lib keeps running sums (SMA, STDDEV, BBANDS) where
//! this crate sums each window afresh, so the two differ by rounding only.

use serde_json::Value;
use shared::data::bundled;
use shared::features::{indicators, volume};

const REFERENCE: &str = include_str!("reference/indicators_reference.json");

#[test]
fn indicators_agree_with_talib() {
    let doc: Value = serde_json::from_str(REFERENCE).unwrap();
    let rows: Vec<usize> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let series = bundled::load("sp500").unwrap();
    let bars = series.bars().unwrap();
    let close: Vec<f64> = bars.iter().map(|b| b.close).collect();
    let high: Vec<f64> = bars.iter().map(|b| b.high).collect();
    let low: Vec<f64> = bars.iter().map(|b| b.low).collect();
    let vol: Vec<f64> = bars.iter().map(|b| b.volume.unwrap()).collect();
    let macd = indicators::macd(&close, 12, 26, 9);
    let bb = indicators::bollinger(&close, 20, 2.0);
    // (name, ours, scaled by the close)
    let ours: Vec<(&str, Vec<f64>, bool)> = vec![
        ("sma_20", indicators::sma(&close, 20), false),
        ("ema_20", indicators::ema(&close, 20), false),
        ("rsi_14", indicators::rsi(&close, 14), false),
        ("macd_line", macd.line, true),
        ("macd_signal", macd.signal, true),
        ("macd_hist", macd.histogram, true),
        ("bb_upper", bb.upper, false),
        ("bb_middle", bb.middle, false),
        ("bb_lower", bb.lower, false),
        ("atr_14", indicators::atr(&high, &low, &close, 14), false),
        ("mom_10", indicators::momentum_diff(&close, 10), true),
        ("roc_10", indicators::roc(&close, 10), false),
        ("obv", volume::obv(&close, &vol), false),
        (
            "stddev_20",
            indicators::rolling_std_population(&close, 20),
            true,
        ),
    ];
    let mut failures = Vec::new();
    for (name, values, scaled) in ours {
        let reference = doc["values"][name].as_array().unwrap();
        assert_eq!(reference.len(), rows.len(), "{name}");
        let (mut max_rel, mut max_abs, mut max_self, mut compared) =
            (0.0f64, 0.0f64, 0.0f64, 0usize);
        for (&row, r) in rows.iter().zip(reference) {
            let ours = values[row];
            match r.as_f64() {
                None => {
                    if !ours.is_nan() {
                        failures.push(format!("{name} row {row}: TA-Lib NaN, ours {ours}"));
                    }
                }
                Some(t) => {
                    compared += 1;
                    let scale = if scaled {
                        t.abs().max(close[row])
                    } else {
                        t.abs()
                    };
                    let err = (ours - t).abs();
                    let rel = if scale > 0.0 { err / scale } else { err };
                    max_rel = max_rel.max(rel);
                    max_abs = max_abs.max(err);
                    if t != 0.0 {
                        max_self = max_self.max(err / t.abs());
                    }
                    if rel.is_nan() || rel > 1e-9 {
                        failures.push(format!("{name} row {row}: ours {ours}, TA-Lib {t}"));
                    }
                }
            }
        }
        println!(
            "{name}: {compared} values, max scaled error {max_rel:.3e}, max abs {max_abs:.3e}, max relative to itself {max_self:.3e}"
        );
        assert!(compared > 700, "{name}: only {compared} values compared");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
