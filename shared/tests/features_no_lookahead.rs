//! No-look-ahead and label tests for `shared::features::build_dataset`:
//! on the real S&P 500 bars (bundled), changing any price after a date
//! leaves every feature row up to that date bit-identical; labels are
//! recomputed independently; the row arithmetic holds; and a property test
//! does the same on random series with every feature kind.

use proptest::prelude::*;
use shared::data::{bundled, Bar, Point, Series, Source};
use shared::features::{build_dataset, Feature, FeatureError, FeatureSpec};
use shared::models::Dataset;

/// `series` with every bar after index `t` changed by `change` (given the
/// index and the bar).
fn altered(series: &Series, t: usize, mut change: impl FnMut(usize, &Bar) -> Bar) -> Series {
    let bars: Vec<Bar> = series
        .bars()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, b)| if i > t { change(i, b) } else { *b })
        .collect();
    let p = series.provenance();
    Series::from_bars(p.source, p.origin.clone(), p.symbol.clone(), bars).unwrap()
}

/// A valid bar around `close` from a pseudo-random `u`.
fn bar_at(date: shared::calendar::Date, close: f64, u: f64) -> Bar {
    Bar {
        date,
        open: close * (1.0 + 0.01 * (u - 0.5)),
        high: close * (1.0 + 0.02 * u),
        low: close * (1.0 - 0.02 * (1.0 - u)) * 0.99,
        close,
        volume: Some(1e6 * (1.0 + 3.0 * u)),
    }
    .fixed()
}

trait Fixed {
    fn fixed(self) -> Bar;
}

impl Fixed for Bar {
    /// Widens high and low to cover open and close.
    fn fixed(mut self) -> Bar {
        self.high = self.high.max(self.open).max(self.close);
        self.low = self.low.min(self.open).min(self.close);
        self
    }
}

/// Asserts that the rows of `a` and `b` dated up to `last` are
/// bit-identical, and that there is at least one.
fn same_rows_until(a: &Dataset, b: &Dataset, last: shared::calendar::Date) -> usize {
    assert_eq!(a.feature_names, b.feature_names);
    let mut compared = 0;
    for (i, date) in a.dates.iter().enumerate().take_while(|(_, d)| **d <= last) {
        assert_eq!(b.dates[i], *date);
        let (ra, rb) = (a.x.row(i), b.x.row(i));
        for (j, (x, y)) in ra.iter().zip(rb).enumerate() {
            assert_eq!(
                x.to_bits(),
                y.to_bits(),
                "{} on {date}: {x} vs {y}",
                a.feature_names[j]
            );
        }
        compared += 1;
    }
    compared
}

#[test]
fn future_prices_never_change_past_features() {
    let series = bundled::load("sp500").unwrap();
    let dates = series.dates();
    let spec = FeatureSpec::default();
    let base = build_dataset(&series, &spec, 5).unwrap();
    for t in [250, 1000, 2500, 4000, 5020] {
        let tripled = altered(&series, t, |_, b| Bar {
            open: b.open * 3.0,
            high: b.high * 3.0,
            low: b.low * 3.0,
            close: b.close * 3.0,
            volume: b.volume.map(|v| v * 7.0),
            ..*b
        });
        let other = build_dataset(&tripled, &spec, 5).unwrap();
        let n = same_rows_until(&base, &other, dates[t]);
        assert_eq!(n, t + 1 - 199, "rows up to {}", dates[t]);
        // The first row after t does change (the test has teeth).
        if let Some(i) = base.dates.iter().position(|d| *d > dates[t]) {
            assert_ne!(base.x.row(i), other.x.row(i));
        }
        let mut state = t as u64 + 1;
        let random = altered(&series, t, |_, b| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            bar_at(b.date, 500.0 + 3000.0 * u, u)
        });
        let other = build_dataset(&random, &spec, 5).unwrap();
        assert_eq!(same_rows_until(&base, &other, dates[t]), t + 1 - 199);
    }
}

#[test]
fn labels_are_future_closes_and_rows_add_up() {
    let series = bundled::load("sp500").unwrap();
    let bars = series.bars().unwrap();
    let n = bars.len();
    for horizon in [1, 5, 21] {
        let d = build_dataset(&series, &FeatureSpec::default(), horizon).unwrap();
        // (d) 199 warm-up rows (SMA 200), `horizon` unlabelled rows.
        assert_eq!(d.len(), n - 199 - horizon);
        assert_eq!((d.x.rows(), d.x.cols()), (d.len(), 22));
        assert_eq!(d.feature_names.len(), 22);
        assert_eq!(d.dates[0], bars[199].date);
        // (c) the last row is `horizon` trading days before the end.
        assert_eq!(*d.dates.last().unwrap(), bars[n - 1 - horizon].date);
        assert_eq!(d.horizon, horizon);
        assert_eq!(d.periods_per_year, 252.0);
        assert_eq!(d.symbol, "^GSPC");
        assert_eq!(d.data_hash, series.provenance().content_hash);
        // (b) labels from the bars, found by date.
        for (i, date) in d.dates.iter().enumerate() {
            let k = bars.iter().position(|b| b.date == *date).unwrap();
            let fwd = bars[k + horizon].close / bars[k].close - 1.0;
            assert_eq!(d.forward_return[i], fwd);
            assert_eq!(d.direction[i], if fwd > 0.0 { 1.0 } else { 0.0 });
            assert_eq!(d.next_return[i], bars[k + 1].close / bars[k].close - 1.0);
        }
        assert!(d.x.as_slice().iter().all(|v| v.is_finite()));
    }
}

#[test]
fn value_and_monthly_series() {
    // VIX: values, no bars or volume; missing dates are absent rows.
    let vix = bundled::load("vix").unwrap();
    let d = build_dataset(&vix, &FeatureSpec::default(), 1).unwrap();
    assert_eq!(d.feature_names.len(), 19);
    assert!(!d
        .feature_names
        .iter()
        .any(|n| n.starts_with("atr") || n.starts_with("volume")));
    assert_eq!(d.len(), vix.len() - 199 - 1);
    assert!(d.dates.iter().all(|date| !vix.missing().contains(date)));
    // Monthly stocks: the default is too long for 123 rows, and says which.
    let ibm = bundled::load("ibm_monthly").unwrap();
    match build_dataset(&ibm, &FeatureSpec::default(), 1) {
        Err(FeatureError::TooShort {
            rows,
            needed,
            too_long,
            ..
        }) => {
            assert_eq!((rows, needed), (123, 201));
            assert_eq!(too_long, vec!["sma_ratio_200".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    let spec = FeatureSpec::for_series(&ibm);
    assert_eq!(spec, FeatureSpec::monthly());
    let d = build_dataset(&ibm, &spec, 1).unwrap();
    assert_eq!(d.periods_per_year, 12.0);
    assert_eq!(d.len(), 123 - 12 - 1);
    let goog = bundled::load("goog_monthly").unwrap();
    let d = build_dataset(&goog, &FeatureSpec::for_series(&goog), 3).unwrap();
    assert_eq!(d.len(), 68 - 12 - 3);
    // for_rows keeps what fits.
    assert!(!FeatureSpec::for_rows(400)
        .names()
        .contains(&"sma_ratio_200".to_string()));
    assert_eq!(FeatureSpec::for_rows(1000), FeatureSpec::default());
}

#[test]
fn refuses_what_it_cannot_do() {
    let sp = bundled::load("sp500").unwrap();
    assert_eq!(
        build_dataset(&sp, &FeatureSpec::default(), 0),
        Err(FeatureError::HorizonZero)
    );
    assert!(matches!(
        build_dataset(&sp, &FeatureSpec { features: vec![] }, 1),
        Err(FeatureError::NoFeatures { requested: 0 })
    ));
    assert!(matches!(
        build_dataset(&sp, &FeatureSpec::default(), 5000),
        Err(FeatureError::TooShort { .. })
    ));
    assert!(matches!(
        build_dataset(&sp, &FeatureSpec::default(), usize::MAX),
        Err(FeatureError::TooShort { .. })
    ));
    let bad = FeatureSpec {
        features: vec![Feature::SmaRatio { period: 0 }],
    };
    assert!(matches!(
        build_dataset(&sp, &bad, 1),
        Err(FeatureError::BadParameter { .. })
    ));
    // Factor returns go negative: no ratios of them.
    let ff = bundled::load("ff_mkt_rf").unwrap();
    assert!(matches!(
        build_dataset(&ff, &FeatureSpec::monthly(), 1),
        Err(FeatureError::NotPositive { .. })
    ));
    // Only volume features, on a value series.
    let vix = bundled::load("vix").unwrap();
    let volume_only = FeatureSpec {
        features: vec![Feature::VolumeRatio { period: 5 }],
    };
    assert!(matches!(
        build_dataset(&vix, &volume_only, 1),
        Err(FeatureError::NoFeatures { requested: 1 })
    ));
}

/// Every feature kind with short windows.
fn short_spec() -> FeatureSpec {
    use Feature::*;
    FeatureSpec {
        features: vec![
            LogReturn { period: 2 },
            SmaRatio { period: 4 },
            EmaRatio { period: 3 },
            Rsi { period: 3 },
            MacdHist {
                fast: 3,
                slow: 5,
                signal: 2,
            },
            BollingerB { period: 4, k: 2.0 },
            BollingerWidth { period: 4, k: 1.5 },
            AtrRatio { period: 3 },
            Volatility { period: 3 },
            Momentum { period: 2 },
            ZScore { period: 4 },
            VolumeZScore { period: 4 },
            VolumeRatio { period: 3 },
            DayOfWeek,
            DayOfMonth,
            Month,
            MonthSin,
            MonthCos,
        ],
    }
}

fn random_series(closes: &[f64], us: &[f64]) -> Series {
    let start = shared::calendar::Date::new(2020, 1, 1)
        .unwrap()
        .days_since_epoch();
    let bars = closes
        .iter()
        .zip(us)
        .enumerate()
        .map(|(i, (c, u))| {
            let date = shared::calendar::Date::from_days_since_epoch(start + i as i64).unwrap();
            bar_at(date, *c, *u)
        })
        .collect();
    Series::from_bars(Source::UserUpload, "proptest", "R", bars).unwrap()
}

proptest! {
    #[test]
    fn a_row_never_depends_on_later_rows(
        closes in prop::collection::vec(1.0f64..1000.0, 12..80),
        later in prop::collection::vec(1.0f64..1000.0, 80),
        us in prop::collection::vec(0.0f64..1.0, 80),
        cut in 0.0f64..1.0,
    ) {
        let n = closes.len();
        let t = ((n - 1) as f64 * cut) as usize;
        let a = random_series(&closes, &us);
        let mut changed = closes.clone();
        changed[t + 1..].copy_from_slice(&later[t + 1..n]);
        let mut us2 = us.clone();
        us2[t + 1..].iter_mut().for_each(|u| *u = 1.0 - *u);
        let b = random_series(&changed, &us2);
        let spec = short_spec();
        match (build_dataset(&a, &spec, 1), build_dataset(&b, &spec, 1)) {
            (Ok(da), Ok(db)) => {
                prop_assert_eq!(da.len(), n - 5 - 1);
                let last = a.dates()[t];
                same_rows_until(&da, &db, last);
            }
            (Err(FeatureError::TooShort { .. }), Err(FeatureError::TooShort { .. })) => {
                prop_assert!(n < 7);
            }
            (x, y) => prop_assert!(false, "{:?} / {:?}", x, y),
        }
        // A value series built from the closes: the same holds.
        let points = |c: &[f64]| -> Series {
            let pts = a.dates().iter().zip(c).map(|(d, v)| Point { date: *d, value: *v }).collect();
            Series::from_points(Source::UserUpload, "proptest", "V", pts).unwrap()
        };
        let (va, vb) = (points(&closes), points(&changed));
        if let (Ok(da), Ok(db)) = (build_dataset(&va, &spec, 2), build_dataset(&vb, &spec, 2)) {
            same_rows_until(&da, &db, a.dates()[t]);
        }
    }
}
