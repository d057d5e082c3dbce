//! Volume features as pure functions over slices: rolling volume z-score,
//! volume relative to its moving average, and on-balance volume.
//!
//! Same rules as `indicators`: output as long as the input, `NaN` in the
//! warm-up rows, row `t` from rows `0..=t` only. Must not panic, fill or
//! interpolate.

use super::indicators::{sma, zscore};

/// Rolling z-score of volume over `period` rows (population deviation; 0
/// for a constant window). The first `period - 1` rows are `NaN`.
pub fn volume_zscore(volume: &[f64], period: usize) -> Vec<f64> {
    zscore(volume, period)
}

/// Volume divided by its `period`-row SMA; 1 where that average is 0 (no
/// volume at all in the window). The first `period - 1` rows are `NaN`.
pub fn volume_ratio(volume: &[f64], period: usize) -> Vec<f64> {
    volume
        .iter()
        .zip(sma(volume, period))
        .map(|(v, m)| {
            if m.is_nan() {
                f64::NAN
            } else if m > 0.0 {
                v / m
            } else {
                1.0
            }
        })
        .collect()
}

/// On-balance volume as TA-Lib's `OBV`: starts at `volume[0]`, then adds
/// the volume on an up close, subtracts it on a down close, keeps it on an
/// unchanged close. Defined from row 0; as long as the shorter input.
pub fn obv(close: &[f64], volume: &[f64]) -> Vec<f64> {
    let n = close.len().min(volume.len());
    let mut out = Vec::with_capacity(n);
    let Some(&first) = volume.first() else {
        return out;
    };
    let mut total = first;
    if n > 0 {
        out.push(total);
    }
    for t in 1..n {
        if close[t] > close[t - 1] {
            total += volume[t];
        } else if close[t] < close[t - 1] {
            total -= volume[t];
        }
        out.push(total);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obv_by_hand() {
        let close = [10.0, 11.0, 11.0, 9.0];
        let volume = [5.0, 2.0, 3.0, 4.0];
        assert_eq!(obv(&close, &volume), vec![5.0, 7.0, 7.0, 3.0]);
        assert!(obv(&[], &[]).is_empty());
        assert!(obv(&[1.0], &[]).is_empty());
    }

    #[test]
    fn ratio_and_zscore() {
        let v = volume_ratio(&[1.0, 3.0, 0.0, 0.0], 2);
        assert!(v[0].is_nan());
        assert_eq!(&v[1..], &[1.5, 0.0, 1.0]);
        assert_eq!(volume_zscore(&[1.0, 3.0], 2)[1], 1.0);
    }
}
