//! Which features a dataset has: the [`Feature`] kinds with their
//! parameters, their column names and warm-up lengths, and the
//! [`FeatureSpec`] lists (a daily default of 22 features, a monthly one, and
//! trimming to what a short series can support).
//!
//! Must not compute on a whole series except through the causal
//! indicator functions: every column at row `t` uses rows `0..=t` only.

use serde::{Deserialize, Serialize};

use super::{calendar, indicators, volume};
use crate::calendar::Date;
use crate::data::Series;

/// One feature column and its parameters. Ratios are to the close (or the
/// value, for a value series); periods count rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Feature {
    /// `ln(close[t] / close[t - period])`.
    LogReturn {
        /// Rows back.
        period: usize,
    },
    /// `close / SMA(period) - 1`.
    SmaRatio {
        /// SMA length.
        period: usize,
    },
    /// `close / EMA(period) - 1` (TA-Lib's EMA).
    EmaRatio {
        /// EMA length.
        period: usize,
    },
    /// RSI (Wilder, TA-Lib seeding), 0..100.
    Rsi {
        /// RSI length.
        period: usize,
    },
    /// MACD histogram (TA-Lib's MACD) divided by the close.
    MacdHist {
        /// Fast EMA length.
        fast: usize,
        /// Slow EMA length.
        slow: usize,
        /// Signal EMA length.
        signal: usize,
    },
    /// Bollinger %b: `(close - lower) / (upper - lower)`, 0.5 when the
    /// bands coincide.
    BollingerB {
        /// SMA length.
        period: usize,
        /// Band width in population standard deviations.
        k: f64,
    },
    /// Bollinger width: `(upper - lower) / middle`.
    BollingerWidth {
        /// SMA length.
        period: usize,
        /// Band width in population standard deviations.
        k: f64,
    },
    /// `ATR(period) / close`. Needs bars: skipped for a value series.
    AtrRatio {
        /// ATR length.
        period: usize,
    },
    /// Sample standard deviation of one-row log returns over `period` rows
    /// (per row, not annualised).
    Volatility {
        /// Window length.
        period: usize,
    },
    /// `close[t] / close[t - period] - 1`.
    Momentum {
        /// Rows back.
        period: usize,
    },
    /// Rolling z-score of the close (population deviation).
    ZScore {
        /// Window length.
        period: usize,
    },
    /// Rolling z-score of volume. Needs bars with volume on every row:
    /// skipped otherwise.
    VolumeZScore {
        /// Window length.
        period: usize,
    },
    /// Volume over its SMA. Needs bars with volume on every row: skipped
    /// otherwise.
    VolumeRatio {
        /// SMA length.
        period: usize,
    },
    /// Day of week, Monday = 0.
    DayOfWeek,
    /// Day of month, 1..=31.
    DayOfMonth,
    /// Month, 1..=12.
    Month,
    /// `sin(2 pi (month - 1) / 12)`.
    MonthSin,
    /// `cos(2 pi (month - 1) / 12)`.
    MonthCos,
}

/// The series columns a feature reads.
pub(crate) struct Inputs<'a> {
    pub dates: &'a [Date],
    pub close: &'a [f64],
    /// Highs and lows, for a bar series.
    pub high_low: Option<(&'a [f64], &'a [f64])>,
    /// Volumes, for a bar series with volume on every row.
    pub volume: Option<&'a [f64]>,
}

impl Feature {
    /// The column name, e.g. `log_return_5`, `macd_hist_12_26_9`,
    /// `bb_percent_b_20_2`.
    pub fn name(&self) -> String {
        match self {
            Feature::LogReturn { period } => format!("log_return_{period}"),
            Feature::SmaRatio { period } => format!("sma_ratio_{period}"),
            Feature::EmaRatio { period } => format!("ema_ratio_{period}"),
            Feature::Rsi { period } => format!("rsi_{period}"),
            Feature::MacdHist { fast, slow, signal } => {
                format!("macd_hist_{fast}_{slow}_{signal}")
            }
            Feature::BollingerB { period, k } => format!("bb_percent_b_{period}_{k}"),
            Feature::BollingerWidth { period, k } => format!("bb_width_{period}_{k}"),
            Feature::AtrRatio { period } => format!("atr_ratio_{period}"),
            Feature::Volatility { period } => format!("volatility_{period}"),
            Feature::Momentum { period } => format!("momentum_{period}"),
            Feature::ZScore { period } => format!("zscore_{period}"),
            Feature::VolumeZScore { period } => format!("volume_zscore_{period}"),
            Feature::VolumeRatio { period } => format!("volume_ratio_{period}"),
            Feature::DayOfWeek => "day_of_week".into(),
            Feature::DayOfMonth => "day_of_month".into(),
            Feature::Month => "month".into(),
            Feature::MonthSin => "month_sin".into(),
            Feature::MonthCos => "month_cos".into(),
        }
    }

    /// Rows of history needed: the first row at which the feature is
    /// defined (0 for calendar features).
    pub fn warm_up(&self) -> usize {
        match *self {
            Feature::LogReturn { period }
            | Feature::Rsi { period }
            | Feature::AtrRatio { period }
            | Feature::Volatility { period }
            | Feature::Momentum { period } => period,
            Feature::SmaRatio { period }
            | Feature::EmaRatio { period }
            | Feature::BollingerB { period, .. }
            | Feature::BollingerWidth { period, .. }
            | Feature::ZScore { period }
            | Feature::VolumeZScore { period }
            | Feature::VolumeRatio { period } => period.saturating_sub(1),
            Feature::MacdHist { fast, slow, signal } => (fast.max(slow) + signal).saturating_sub(2),
            Feature::DayOfWeek
            | Feature::DayOfMonth
            | Feature::Month
            | Feature::MonthSin
            | Feature::MonthCos => 0,
        }
    }

    /// Whether it needs high and low (bars).
    pub fn needs_bars(&self) -> bool {
        matches!(self, Feature::AtrRatio { .. })
    }

    /// Whether it needs volume.
    pub fn needs_volume(&self) -> bool {
        matches!(
            self,
            Feature::VolumeZScore { .. } | Feature::VolumeRatio { .. }
        )
    }

    /// Why its parameters are unusable, if they are: a period of 0 (or
    /// below 2 for volatility), a MACD with fast = slow, or a Bollinger `k`
    /// that is not finite and positive.
    pub fn problem(&self) -> Option<&'static str> {
        match *self {
            Feature::Volatility { period } if period < 2 => {
                Some("volatility needs a window of at least 2")
            }
            Feature::MacdHist { fast, slow, signal } if fast == 0 || slow == 0 || signal == 0 => {
                Some("MACD periods must be positive")
            }
            Feature::MacdHist { fast, slow, .. } if fast == slow => {
                Some("MACD fast and slow periods must differ")
            }
            Feature::BollingerB { k, .. } | Feature::BollingerWidth { k, .. }
                if !(k.is_finite() && k > 0.0) =>
            {
                Some("Bollinger k must be finite and positive")
            }
            Feature::LogReturn { period }
            | Feature::SmaRatio { period }
            | Feature::EmaRatio { period }
            | Feature::Rsi { period }
            | Feature::BollingerB { period, .. }
            | Feature::BollingerWidth { period, .. }
            | Feature::AtrRatio { period }
            | Feature::Momentum { period }
            | Feature::ZScore { period }
            | Feature::VolumeZScore { period }
            | Feature::VolumeRatio { period }
                if period == 0 =>
            {
                Some("the period must be positive")
            }
            _ => None,
        }
    }

    /// The column over the whole series (`NaN` in the warm-up rows), or
    /// `None` when the series lacks what the feature needs.
    pub(crate) fn compute(&self, input: &Inputs<'_>) -> Option<Vec<f64>> {
        let close = input.close;
        let ratio = |base: Vec<f64>| -> Vec<f64> {
            close.iter().zip(base).map(|(c, b)| c / b - 1.0).collect()
        };
        let per_close =
            |v: Vec<f64>| -> Vec<f64> { v.iter().zip(close).map(|(a, c)| a / c).collect() };
        let by_date = |f: fn(&Date) -> f64| Some(input.dates.iter().map(f).collect());
        Some(match *self {
            Feature::LogReturn { period } => indicators::log_returns_over(close, period),
            Feature::SmaRatio { period } => ratio(indicators::sma(close, period)),
            Feature::EmaRatio { period } => ratio(indicators::ema(close, period)),
            Feature::Rsi { period } => indicators::rsi(close, period),
            Feature::MacdHist { fast, slow, signal } => {
                per_close(indicators::macd(close, fast, slow, signal).histogram)
            }
            Feature::BollingerB { period, k } => {
                let b = indicators::bollinger(close, period, k);
                (0..close.len())
                    .map(|t| {
                        let width = b.upper[t] - b.lower[t];
                        if width.is_nan() {
                            f64::NAN
                        } else if width > 0.0 {
                            (close[t] - b.lower[t]) / width
                        } else {
                            0.5
                        }
                    })
                    .collect()
            }
            Feature::BollingerWidth { period, k } => {
                let b = indicators::bollinger(close, period, k);
                (0..close.len())
                    .map(|t| (b.upper[t] - b.lower[t]) / b.middle[t])
                    .collect()
            }
            Feature::AtrRatio { period } => {
                let (high, low) = input.high_low?;
                per_close(indicators::atr(high, low, close, period))
            }
            Feature::Volatility { period } => indicators::volatility(close, period, None),
            Feature::Momentum { period } => indicators::returns_over(close, period),
            Feature::ZScore { period } => indicators::zscore(close, period),
            Feature::VolumeZScore { period } => volume::volume_zscore(input.volume?, period),
            Feature::VolumeRatio { period } => volume::volume_ratio(input.volume?, period),
            Feature::DayOfWeek => return by_date(calendar::day_of_week),
            Feature::DayOfMonth => return by_date(calendar::day_of_month),
            Feature::Month => return by_date(calendar::month),
            Feature::MonthSin => return by_date(calendar::month_sin),
            Feature::MonthCos => return by_date(calendar::month_cos),
        })
    }
}

/// The features of a dataset, in column order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// The columns, in order.
    pub features: Vec<Feature>,
}

impl Default for FeatureSpec {
    /// The daily default, 22 features (20 for bars without volume, 19 for
    /// a value series, which has neither ATR nor volume): log returns over 1, 5, 10 and 20 rows; close
    /// over SMA 10, 50 and 200; close over EMA 20; RSI 14; MACD 12/26/9
    /// histogram over close; Bollinger (20, 2) %b and width; ATR 14 over
    /// close; volatility over 10 and 20 rows; momentum over 10 and 20 rows;
    /// z-score 20 of the close; volume z-score 20 and ratio to SMA 20; day
    /// of week and month. Longest warm-up: 199 rows (SMA 200).
    fn default() -> FeatureSpec {
        use Feature::*;
        FeatureSpec {
            features: vec![
                LogReturn { period: 1 },
                LogReturn { period: 5 },
                LogReturn { period: 10 },
                LogReturn { period: 20 },
                SmaRatio { period: 10 },
                SmaRatio { period: 50 },
                SmaRatio { period: 200 },
                EmaRatio { period: 20 },
                Rsi { period: 14 },
                MacdHist {
                    fast: 12,
                    slow: 26,
                    signal: 9,
                },
                BollingerB { period: 20, k: 2.0 },
                BollingerWidth { period: 20, k: 2.0 },
                AtrRatio { period: 14 },
                Volatility { period: 10 },
                Volatility { period: 20 },
                Momentum { period: 10 },
                Momentum { period: 20 },
                ZScore { period: 20 },
                VolumeZScore { period: 20 },
                VolumeRatio { period: 20 },
                DayOfWeek,
                Month,
            ],
        }
    }
}

impl FeatureSpec {
    /// Windows for monthly data (15 features, longest warm-up 12 rows): log
    /// returns over 1, 3, 6 and 12 months; close over SMA 3, 6 and 12;
    /// close over EMA 6; RSI 6; volatility over 6 and 12 months; momentum
    /// over 3 and 12 months; z-score 12; month as sine and cosine. No day
    /// of week (monthly dates are all the first of the month).
    pub fn monthly() -> FeatureSpec {
        use Feature::*;
        FeatureSpec {
            features: vec![
                LogReturn { period: 1 },
                LogReturn { period: 3 },
                LogReturn { period: 6 },
                LogReturn { period: 12 },
                SmaRatio { period: 3 },
                SmaRatio { period: 6 },
                SmaRatio { period: 12 },
                EmaRatio { period: 6 },
                Rsi { period: 6 },
                Volatility { period: 6 },
                Volatility { period: 12 },
                Momentum { period: 3 },
                Momentum { period: 12 },
                ZScore { period: 12 },
                MonthSin,
                MonthCos,
            ],
        }
    }

    /// The default features whose warm-up is at most a quarter of `rows`,
    /// so that at least three quarters of a series of `rows` rows remain
    /// (less the horizon). For 1,000 daily rows this drops only SMA 200.
    pub fn for_rows(rows: usize) -> FeatureSpec {
        FeatureSpec::default().within(rows / 4)
    }

    /// The spec that suits `series`: [`FeatureSpec::default`] for daily
    /// data (median gap between dates at most 5 days),
    /// [`FeatureSpec::monthly`] for anything sparser, keeping only features
    /// whose warm-up is at most a quarter of the series' rows.
    pub fn for_series(series: &Series) -> FeatureSpec {
        let base = if super::periods_per_year(&series.dates()) >= 250.0 {
            FeatureSpec::default()
        } else {
            FeatureSpec::monthly()
        };
        base.within(series.len() / 4)
    }

    /// These features less those whose warm-up exceeds `max_warm_up` rows.
    pub fn within(&self, max_warm_up: usize) -> FeatureSpec {
        FeatureSpec {
            features: self
                .features
                .iter()
                .filter(|f| f.warm_up() <= max_warm_up)
                .cloned()
                .collect(),
        }
    }

    /// The column names, in order (before features a series cannot
    /// support are skipped).
    pub fn names(&self) -> Vec<String> {
        self.features.iter().map(Feature::name).collect()
    }

    /// The longest warm-up of the features (0 for none).
    pub fn warm_up(&self) -> usize {
        self.features
            .iter()
            .map(Feature::warm_up)
            .max()
            .unwrap_or(0)
    }
}
