//! Price indicators as pure functions over slices: returns, SMA, EMA, RSI,
//! MACD, Bollinger bands, ATR, rolling volatility, momentum, rate of change
//! and rolling z-scores.
//!
//! Every function returns a `Vec<f64>` as long as its input, with
//! `f64::NAN` in the warm-up rows where the indicator is not yet defined,
//! and row `t` computed from inputs `0..=t` only (no look-ahead). The
//! conventions (seeding, alignment, population or sample deviation) are
//! TA-Lib's where TA-Lib has the indicator, checked against the TA-Lib C
//! library (Python `TA-Lib` 0.8.2) in `tests/indicators_oracle.rs`.
//!
//! Must not panic on any input: a period of 0, or one longer than the
//! input, gives all `NaN`; slices of unequal length are read up to the
//! shortest. Must not fill or interpolate anything.
//!
//! Transcendentals come from `libm`, not `std`: `f64::ln` is the platform's
//! (glibc natively, a different port in wasm32) and can differ in the last
//! bit, which a logistic model's fit then carries into its log loss.

/// All-NaN output of length `n`.
fn nans(n: usize) -> Vec<f64> {
    vec![f64::NAN; n]
}

/// Simple returns `x[t] / x[t-1] - 1`; row 0 is `NaN`.
pub fn simple_returns(x: &[f64]) -> Vec<f64> {
    returns_over(x, 1)
}

/// Simple returns over `period` rows, `x[t] / x[t-period] - 1`; rows before
/// `period` are `NaN` (this is the momentum `close/close[n] - 1`).
pub fn returns_over(x: &[f64], period: usize) -> Vec<f64> {
    let mut out = nans(x.len());
    if period == 0 {
        return out;
    }
    for t in period..x.len() {
        out[t] = x[t] / x[t - period] - 1.0;
    }
    out
}

/// Log returns `ln(x[t] / x[t-1])`; row 0 is `NaN`.
pub fn log_returns(x: &[f64]) -> Vec<f64> {
    log_returns_over(x, 1)
}

/// Log returns over `period` rows, `ln(x[t] / x[t-period])`; rows before
/// `period` are `NaN`. Non-positive inputs give `NaN` (or infinities).
pub fn log_returns_over(x: &[f64], period: usize) -> Vec<f64> {
    let mut out = nans(x.len());
    if period == 0 {
        return out;
    }
    for t in period..x.len() {
        out[t] = libm::log(x[t] / x[t - period]);
    }
    out
}

/// TA-Lib's `MOM`: `x[t] - x[t-period]`; rows before `period` are `NaN`.
pub fn momentum_diff(x: &[f64], period: usize) -> Vec<f64> {
    let mut out = nans(x.len());
    if period == 0 {
        return out;
    }
    for t in period..x.len() {
        out[t] = x[t] - x[t - period];
    }
    out
}

/// TA-Lib's `ROC`: `(x[t] / x[t-period] - 1) * 100`, and 0 where
/// `x[t-period]` is 0 (as TA-Lib does); rows before `period` are `NaN`.
pub fn roc(x: &[f64], period: usize) -> Vec<f64> {
    let mut out = nans(x.len());
    if period == 0 {
        return out;
    }
    for t in period..x.len() {
        let prev = x[t - period];
        out[t] = if prev != 0.0 {
            (x[t] / prev - 1.0) * 100.0
        } else {
            0.0
        };
    }
    out
}

/// Simple moving average of the last `period` values; the first
/// `period - 1` rows are `NaN` (TA-Lib `SMA`). Each window is summed afresh
/// (no running sum, so no drift).
pub fn sma(x: &[f64], period: usize) -> Vec<f64> {
    let mut out = nans(x.len());
    if period == 0 || period > x.len() {
        return out;
    }
    for t in period - 1..x.len() {
        let window = &x[t + 1 - period..=t];
        out[t] = window.iter().sum::<f64>() / period as f64;
    }
    out
}

/// Population standard deviation of the last `period` values (TA-Lib
/// `STDDEV` with `nbdev = 1`); the first `period - 1` rows are `NaN`.
/// Computed two-pass per window (mean, then squared deviations).
pub fn rolling_std_population(x: &[f64], period: usize) -> Vec<f64> {
    rolling_std(x, period, 0)
}

/// Sample (`n - 1`) standard deviation of the last `period` values; the
/// first `period - 1` rows are `NaN`, and all rows are `NaN` for
/// `period < 2`.
pub fn rolling_std_sample(x: &[f64], period: usize) -> Vec<f64> {
    if period < 2 {
        return nans(x.len());
    }
    rolling_std(x, period, 1)
}

/// Rolling standard deviation with `ddof` (0 population, 1 sample). A
/// window containing `NaN` gives `NaN`.
fn rolling_std(x: &[f64], period: usize, ddof: usize) -> Vec<f64> {
    let mut out = nans(x.len());
    if period == 0 || period > x.len() || period <= ddof {
        return out;
    }
    for t in period - 1..x.len() {
        let window = &x[t + 1 - period..=t];
        let mean = window.iter().sum::<f64>() / period as f64;
        let ss: f64 = window.iter().map(|v| (v - mean) * (v - mean)).sum();
        out[t] = (ss / (period - ddof) as f64).sqrt();
    }
    out
}

/// Exponential moving average with TA-Lib's convention: `alpha = 2 /
/// (period + 1)`, seeded at row `period - 1` with the SMA of the first
/// `period` values, then `ema = (x - ema) * alpha + ema`. The first
/// `period - 1` rows are `NaN`.
pub fn ema(x: &[f64], period: usize) -> Vec<f64> {
    ema_from(x, period, 0)
}

/// TA-Lib's `INT_EMA` started at `start`: seeded at row `start + period - 1`
/// with the SMA of `x[start..start + period]`. Rows before are `NaN`.
fn ema_from(x: &[f64], period: usize, start: usize) -> Vec<f64> {
    let mut out = nans(x.len());
    let Some(seed_row) = (start + period).checked_sub(1) else {
        return out;
    };
    if period == 0 || seed_row >= x.len() {
        return out;
    }
    let k = 2.0 / (period as f64 + 1.0);
    let mut prev = x[start..=seed_row].iter().sum::<f64>() / period as f64;
    out[seed_row] = prev;
    for t in seed_row + 1..x.len() {
        prev = (x[t] - prev) * k + prev;
        out[t] = prev;
    }
    out
}

/// Relative strength index with Wilder's smoothing and TA-Lib's seeding:
/// the average gain and loss start as plain means of the first `period`
/// changes (rows `1..=period`), then `avg = (avg * (period - 1) + change) /
/// period`; `RSI = 100 * gain / (gain + loss)`, and 0 when both are
/// (nearly, below 1e-8) zero, as TA-Lib does. The first `period` rows are
/// `NaN`. A rising series gives 100, a falling one 0.
pub fn rsi(x: &[f64], period: usize) -> Vec<f64> {
    let mut out = nans(x.len());
    if period == 0 || period >= x.len() {
        return out;
    }
    let p = period as f64;
    let value = |gain: f64, loss: f64| {
        let total = gain + loss;
        if total.abs() < 1e-8 {
            0.0
        } else {
            100.0 * (gain / total)
        }
    };
    let (mut gain, mut loss) = (0.0, 0.0);
    for t in 1..=period {
        let d = x[t] - x[t - 1];
        if d < 0.0 {
            loss -= d;
        } else {
            gain += d;
        }
    }
    gain /= p;
    loss /= p;
    out[period] = value(gain, loss);
    for t in period + 1..x.len() {
        let d = x[t] - x[t - 1];
        gain *= p - 1.0;
        loss *= p - 1.0;
        if d < 0.0 {
            loss -= d;
        } else {
            gain += d;
        }
        gain /= p;
        loss /= p;
        out[t] = value(gain, loss);
    }
    out
}

/// MACD line, signal line and histogram.
#[derive(Clone, Debug, PartialEq)]
pub struct Macd {
    /// Fast EMA minus slow EMA.
    pub line: Vec<f64>,
    /// EMA of the line.
    pub signal: Vec<f64>,
    /// Line minus signal.
    pub histogram: Vec<f64>,
}

/// MACD exactly as TA-Lib's `MACD` computes it: both EMAs are seeded at
/// the slow EMA's first row (`slow - 1`) — the fast one with the SMA of the
/// `fast` values ending there, not of the first `fast` values — the signal
/// is the EMA (TA-Lib seeding) of the line, and all three outputs are `NaN`
/// for the first `slow + signal - 2` rows (33 for 12/26/9). If `fast >
/// slow` they are swapped, as TA-Lib does. Any period 0 gives all `NaN`.
pub fn macd(x: &[f64], fast: usize, slow: usize, signal: usize) -> Macd {
    let n = x.len();
    let all_nan = || Macd {
        line: nans(n),
        signal: nans(n),
        histogram: nans(n),
    };
    let (fast, slow) = if fast > slow {
        (slow, fast)
    } else {
        (fast, slow)
    };
    if fast == 0 || signal == 0 || slow + signal - 1 > n {
        return all_nan();
    }
    let start = slow - 1;
    let fast_ema = ema_from(x, fast, start + 1 - fast);
    let slow_ema = ema_from(x, slow, 0);
    let raw: Vec<f64> = fast_ema.iter().zip(&slow_ema).map(|(f, s)| f - s).collect();
    let signal_line = ema_from(&raw, signal, start);
    let first = start + signal - 1;
    let mut out = all_nan();
    for t in first..n {
        out.line[t] = raw[t];
        out.signal[t] = signal_line[t];
        out.histogram[t] = raw[t] - signal_line[t];
    }
    out
}

/// Bollinger bands: middle, upper and lower.
#[derive(Clone, Debug, PartialEq)]
pub struct Bollinger {
    /// Upper band, `middle + k * std`.
    pub upper: Vec<f64>,
    /// The SMA.
    pub middle: Vec<f64>,
    /// Lower band, `middle - k * std`.
    pub lower: Vec<f64>,
}

/// Bollinger bands as TA-Lib's `BBANDS` with `matype = SMA`: SMA of
/// `period` values plus and minus `k` times their population standard
/// deviation (the same `k` up and down). The first `period - 1` rows are
/// `NaN`.
pub fn bollinger(x: &[f64], period: usize, k: f64) -> Bollinger {
    let middle = sma(x, period);
    let std = rolling_std_population(x, period);
    let upper = middle.iter().zip(&std).map(|(m, s)| m + k * s).collect();
    let lower = middle.iter().zip(&std).map(|(m, s)| m - k * s).collect();
    Bollinger {
        upper,
        middle,
        lower,
    }
}

/// True range as TA-Lib's `TRANGE`: `max(high, prev_close) - min(low,
/// prev_close)`; row 0 is `NaN`.
pub fn true_range(high: &[f64], low: &[f64], close: &[f64]) -> Vec<f64> {
    let n = high.len().min(low.len()).min(close.len());
    let mut out = nans(n);
    for t in 1..n {
        let prev = close[t - 1];
        let mut greatest = high[t] - low[t];
        let up = (prev - high[t]).abs();
        if up > greatest {
            greatest = up;
        }
        let down = (prev - low[t]).abs();
        if down > greatest {
            greatest = down;
        }
        out[t] = greatest;
    }
    out
}

/// Average true range as TA-Lib's `ATR`: seeded at row `period` with the
/// mean of the first `period` true ranges (rows `1..=period`), then Wilder's
/// smoothing `atr = (atr * (period - 1) + tr) / period`. The first `period`
/// rows are `NaN`.
pub fn atr(high: &[f64], low: &[f64], close: &[f64], period: usize) -> Vec<f64> {
    let tr = true_range(high, low, close);
    let n = tr.len();
    let mut out = nans(n);
    if period == 0 || period >= n {
        return out;
    }
    let p = period as f64;
    let mut prev = tr[1..=period].iter().sum::<f64>() / p;
    out[period] = prev;
    for t in period + 1..n {
        prev *= p - 1.0;
        prev += tr[t];
        prev /= p;
        out[t] = prev;
    }
    out
}

/// Rolling volatility: the sample standard deviation of the last `period`
/// one-row log returns, times `sqrt(periods_per_year)` when given
/// (annualised). The first `period` rows are `NaN` (row 0 has no return);
/// `period < 2` gives all `NaN`.
pub fn volatility(x: &[f64], period: usize, periods_per_year: Option<f64>) -> Vec<f64> {
    let r = log_returns(x);
    let mut out = if r.len() > 1 {
        let mut v = nans(1);
        v.extend(rolling_std_sample(&r[1..], period));
        v
    } else {
        nans(r.len())
    };
    if let Some(ppy) = periods_per_year {
        let scale = ppy.sqrt();
        out.iter_mut().for_each(|v| *v *= scale);
    }
    out
}

/// Rolling z-score `(x - mean) / std` over the last `period` values, with
/// the population standard deviation (as Bollinger uses); 0 where the
/// window is constant. The first `period - 1` rows are `NaN`.
pub fn zscore(x: &[f64], period: usize) -> Vec<f64> {
    let mean = sma(x, period);
    let std = rolling_std_population(x, period);
    x.iter()
        .zip(mean.iter().zip(&std))
        .map(|(v, (m, s))| {
            if s.is_nan() {
                f64::NAN
            } else if *s > 0.0 {
                (v - m) / s
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * (1.0 + a.abs().max(b.abs()))
    }

    #[test]
    fn sma_of_one_to_five() {
        let s = sma(&[1.0, 2.0, 3.0, 4.0, 5.0], 3);
        assert!(s[0].is_nan() && s[1].is_nan());
        assert_eq!(&s[2..], &[2.0, 3.0, 4.0]);
        assert_eq!(sma(&[1.0, 2.0, 3.0, 4.0, 5.0], 5)[4], 3.0);
        assert!(sma(&[1.0], 0).iter().all(|v| v.is_nan()));
        assert!(sma(&[1.0], 2).iter().all(|v| v.is_nan()));
        assert!(sma(&[], 2).is_empty());
    }

    #[test]
    fn ema_is_seeded_with_the_sma() {
        let e = ema(&[1.0, 2.0, 3.0, 4.0, 5.0], 3);
        assert!(e[1].is_nan());
        assert_eq!(e[2], 2.0);
        // alpha = 0.5: (4 - 2) * 0.5 + 2 = 3, then (5 - 3) * 0.5 + 3 = 4.
        assert_eq!(&e[3..], &[3.0, 4.0]);
    }

    #[test]
    fn rsi_of_monotone_series() {
        let up: Vec<f64> = (1..=30).map(f64::from).collect();
        let r = rsi(&up, 14);
        assert!(r[13].is_nan());
        assert!(r[14..].iter().all(|v| *v == 100.0));
        let down: Vec<f64> = up.iter().rev().copied().collect();
        assert!(rsi(&down, 14)[14..].iter().all(|v| *v == 0.0));
        // Alternating +1 / -1 changes: equal average gain and loss.
        let zigzag: Vec<f64> = (0..30).map(|i| f64::from(i % 2)).collect();
        assert!(close(rsi(&zigzag, 2)[2], 50.0));
    }

    #[test]
    fn returns_and_momentum() {
        let x = [100.0, 110.0, 99.0];
        let r = simple_returns(&x);
        assert!(r[0].is_nan() && close(r[1], 0.1) && close(r[2], -0.1));
        assert!(close(log_returns(&x)[1], 1.1f64.ln()));
        assert_eq!(momentum_diff(&x, 2)[2], -1.0);
        assert!(close(roc(&x, 2)[2], -1.0));
        assert!(close(returns_over(&x, 2)[2], -0.01));
        assert_eq!(roc(&[0.0, 1.0], 1)[1], 0.0);
    }

    #[test]
    fn bollinger_and_zscore_by_hand() {
        // Window 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population std 2.
        let x = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let b = bollinger(&x, 8, 2.0);
        assert_eq!((b.middle[7], b.upper[7], b.lower[7]), (5.0, 9.0, 1.0));
        assert_eq!(zscore(&x, 8)[7], 2.0);
        assert_eq!(zscore(&[3.0, 3.0], 2)[1], 0.0);
        assert!(close(rolling_std_sample(&x, 8)[7], (32.0f64 / 7.0).sqrt()));
    }

    #[test]
    fn atr_and_true_range_by_hand() {
        let high = [10.0, 12.0, 11.0, 15.0];
        let low = [9.0, 10.0, 8.0, 11.0];
        let close_ = [9.5, 11.0, 9.0, 14.0];
        let tr = true_range(&high, &low, &close_);
        assert!(tr[0].is_nan());
        // Row 1: max(2, |9.5-12|, |9.5-10|) = 2.5; row 2: 3; row 3: max(4, 6, 2) = 6.
        assert_eq!(&tr[1..], &[2.5, 3.0, 6.0]);
        let a = atr(&high, &low, &close_, 2);
        assert!(a[1].is_nan());
        assert_eq!(a[2], 2.75);
        assert_eq!(a[3], (2.75 + 6.0) / 2.0);
        assert!(atr(&high, &low, &close_, 4).iter().all(|v| v.is_nan()));
    }

    #[test]
    fn macd_alignment_and_degenerate_periods() {
        let x: Vec<f64> = (0..60).map(|i| 100.0 + f64::from(i).sin()).collect();
        let m = macd(&x, 12, 26, 9);
        assert!(m.line[32].is_nan() && !m.line[33].is_nan());
        assert!(close(m.histogram[40], m.line[40] - m.signal[40]));
        assert_eq!(format!("{:?}", macd(&x, 26, 12, 9)), format!("{m:?}"));
        assert!(macd(&x, 0, 26, 9).line.iter().all(|v| v.is_nan()));
        assert!(macd(&x[..33], 12, 26, 9).line.iter().all(|v| v.is_nan()));
        // A linear series: both EMAs lag by (period - 1) / 2 steps.
        let lin: Vec<f64> = (0..80).map(f64::from).collect();
        let m = macd(&lin, 12, 26, 9);
        assert!(close(m.line[79], 7.0) && close(m.histogram[79], 0.0));
    }

    #[test]
    fn volatility_counts_from_the_first_return() {
        let x = [1.0, 2.0, 4.0, 8.0];
        let v = volatility(&x, 2, None);
        assert!(v[1].is_nan());
        assert_eq!(v[2], 0.0);
        assert!(volatility(&x, 1, Some(252.0)).iter().all(|v| v.is_nan()));
        assert!(volatility(&[], 2, None).is_empty());
    }
}
