//! Tests of `shared::portfolio` on the real bundled data: alignment and its
//! report, the estimators against independent references, the optimisers'
//! invariants and closed forms, and clear errors on bad input.
//!
//! Reference numbers come from `shared/tools/portfolio_reference.py`
//! (scikit-learn 1.9.1 `sklearn.covariance.ledoit_wolf`, PyPortfolioOpt
//! 1.6.0 `CovarianceShrinkage.ledoit_wolf("constant_correlation")` and
//! `EfficientFrontier` solved by OSQP), run on the same bundled files; the
//! constants below are its output, pasted unchanged.

use proptest::prelude::*;
use shared::data::bundled;
use shared::data::Series;
use shared::portfolio::*;

// STOCKS: 67 returns, sklearn 1.9.1 ledoit_wolf
const STOCKS_LW_IDENTITY_COV: [f64; 25] = [
    0.014763194986426986,
    0.0039537295477810475,
    0.006707449115502632,
    0.0024622479126125644,
    0.003312365475047226,
    0.0039537295477810475,
    0.017976854794739944,
    0.003433532955445848,
    0.0035021649935501422,
    0.0029765750978255285,
    0.006707449115502632,
    0.003433532955445848,
    0.013650185805707801,
    0.0013296599158522035,
    0.002844316355728697,
    0.0024622479126125644,
    0.0035021649935501422,
    0.0013296599158522035,
    0.0050663761838546035,
    0.0009780092904358873,
    0.003312365475047226,
    0.0029765750978255285,
    0.002844316355728697,
    0.0009780092904358873,
    0.00606284252554304,
];
const STOCKS_LW_IDENTITY_SHRINKAGE: f64 = 0.17574203871607802;
// STOCKS: PyPortfolioOpt constant_correlation with S = 1/T sample covariance
const STOCKS_LW_CC_COV: [f64; 25] = [
    0.015458119123056247,
    0.006448243568415723,
    0.005504937833537442,
    0.0028168289993527797,
    0.003245206334406729,
    0.006448243568415723,
    0.019356971132088875,
    0.006160171387758225,
    0.00315210633266502,
    0.0036314719281285617,
    0.005504937833537442,
    0.006160171387758225,
    0.01410780255591568,
    0.002690988518332892,
    0.003100228301936755,
    0.0028168289993527797,
    0.00315210633266502,
    0.002690988518332892,
    0.003693818069211479,
    0.001586359964377295,
    0.003245206334406729,
    0.0036314719281285617,
    0.003100228301936755,
    0.001586359964377295,
    0.004902743416000088,
];
const STOCKS_LW_CC_SHRINKAGE: f64 = 1.0;
// INDICES: 5030 returns, sklearn 1.9.1 ledoit_wolf
const INDICES_LW_IDENTITY_COV: [f64; 4] = [
    0.00014491734329101448,
    0.00016945997830369012,
    0.00016945997830369012,
    0.0002539086631574914,
];
const INDICES_LW_IDENTITY_SHRINKAGE: f64 = 0.0037917708287908813;
// INDICES: PyPortfolioOpt constant_correlation with S = 1/T sample covariance
const INDICES_LW_CC_COV: [f64; 4] = [
    0.00014470992174240666,
    0.00017010497739480788,
    0.00017010497739480788,
    0.0002541160847060992,
];
// INDICES_LW_CC_SHRINKAGE = 1.0: two assets have one correlation, so F = S and δ is arbitrary.
// DAILY4: 1252 returns, sklearn 1.9.1 ledoit_wolf
const DAILY4_LW_IDENTITY_COV: [f64; 16] = [
    0.00013163671334672685,
    7.426124754461148e-05,
    4.7511289229505776e-05,
    -0.0005607905457034251,
    7.426124754461148e-05,
    0.00016168993049398635,
    3.956148362282415e-05,
    -0.0006444524006922218,
    4.7511289229505776e-05,
    3.956148362282415e-05,
    0.0005960638965796024,
    -0.00041059258235219396,
    -0.0005607905457034251,
    -0.0006444524006922218,
    -0.00041059258235219396,
    0.007629540251503821,
];
const DAILY4_LW_IDENTITY_SHRINKAGE: f64 = 0.03122331461064433;
// DAILY4: PyPortfolioOpt constant_correlation with S = 1/T sample covariance
const DAILY4_LW_CC_COV: [f64; 16] = [
    6.723881805114752e-05,
    7.562608743367685e-05,
    4.827088230402315e-05,
    -0.0005721855682708707,
    7.562608743367685e-05,
    9.826063928250898e-05,
    4.013532904215015e-05,
    -0.0006575825603262671,
    4.827088230402315e-05,
    4.013532904215015e-05,
    0.000546634317795467,
    -0.00042018414602674976,
    -0.0005721855682708707,
    -0.0006575825603262671,
    -0.00042018414602674976,
    0.007806797016795012,
];
const DAILY4_LW_CC_SHRINKAGE: f64 = 0.012555981549756887;
// PyPortfolioOpt min_volatility, long-only, OSQP
const STOCKS_MIN_VOL_WEIGHTS: [f64; 5] = [
    0.0,
    0.0,
    0.0286101092129056,
    0.5884897290584565,
    0.3829001617286378,
];
// PyPortfolioOpt max_sharpe(risk_free_rate=0.02), long-only, OSQP
const STOCKS_MAX_SHARPE_WEIGHTS: [f64; 5] = [
    0.6678290743907656,
    0.1692070060784922,
    0.1629639195307424,
    0.0,
    0.0,
];

const STOCKS: [&str; 5] = ["AAPL", "AMZN", "GOOG", "IBM", "MSFT"];

fn load(id: &str) -> Series {
    bundled::load(id).expect("bundled series")
}

fn align(ids: &[(&str, &str, ValueKind)], options: AlignOptions) -> (ReturnMatrix, AlignReport) {
    let series: Vec<(String, Series, bundled::Frequency)> = ids
        .iter()
        .map(|(id, name, _)| {
            (
                name.to_string(),
                load(id),
                bundled::info(id).unwrap().frequency,
            )
        })
        .collect();
    let assets: Vec<AssetSeries<'_>> = series
        .iter()
        .zip(ids)
        .map(|((name, s, f), (_, _, kind))| AssetSeries {
            name,
            series: s,
            values: *kind,
            frequency: Some(*f),
        })
        .collect();
    align_returns(&assets, &options).expect("aligned")
}

fn stocks() -> (ReturnMatrix, AlignReport) {
    align(
        &[
            ("aapl_monthly", "AAPL", ValueKind::Prices),
            ("amzn_monthly", "AMZN", ValueKind::Prices),
            ("goog_monthly", "GOOG", ValueKind::Prices),
            ("ibm_monthly", "IBM", ValueKind::Prices),
            ("msft_monthly", "MSFT", ValueKind::Prices),
        ],
        AlignOptions::default(),
    )
}

fn daily_four() -> (ReturnMatrix, AlignReport) {
    align(
        &[
            ("sp500", "SP500", ValueKind::Prices),
            ("nasdaq", "NASDAQ", ValueKind::Prices),
            ("wti", "WTI", ValueKind::Prices),
            ("vix", "VIX", ValueKind::Prices),
        ],
        AlignOptions::default(),
    )
}

fn indices() -> ReturnMatrix {
    align(
        &[
            ("sp500", "SP500", ValueKind::Prices),
            ("nasdaq", "NASDAQ", ValueKind::Prices),
        ],
        AlignOptions::default(),
    )
    .0
}

fn stock_estimates() -> Estimates {
    estimate(
        &stocks().0,
        &ReturnEstimator::Mean,
        CovarianceEstimator::Sample,
    )
    .unwrap()
}

fn assert_close(got: &[f64], want: &[f64], rel: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= rel * scale,
            "{what}[{i}]: got {g}, want {w} (tolerance {rel} x {scale})"
        );
    }
}

fn variance(est: &Estimates, w: &[f64]) -> f64 {
    let n = est.n();
    let mut v = 0.0;
    for i in 0..n {
        for j in 0..n {
            v += w[i] * w[j] * est.cov(i, j);
        }
    }
    v
}

fn check_budget_and_bounds(p: &Portfolio, lower: f64, upper: f64) {
    let sum: f64 = p.weights.iter().sum();
    assert!((sum - 1.0).abs() < 1e-9, "weights sum to {sum}");
    for (a, w) in p.assets.iter().zip(&p.weights) {
        assert!(
            *w >= lower - 1e-9 && *w <= upper + 1e-9,
            "{a}: {w} outside [{lower}, {upper}]"
        );
    }
    let rc: f64 = p.risk_contributions.iter().sum();
    assert!(
        (rc - p.volatility).abs() < 1e-9 * p.volatility.max(1.0),
        "contributions {rc} vs vol {}",
        p.volatility
    );
}

// ---------------------------------------------------------------- alignment

#[test]
fn five_stocks_align_on_googs_span_and_report_what_was_dropped() {
    let (r, report) = stocks();
    assert_eq!(r.assets(), STOCKS);
    assert_eq!(r.frequency(), PortfolioFrequency::Monthly);
    assert_eq!(r.kind(), ReturnKind::Simple);
    assert!(!r.resampled());
    let goog = bundled::info("goog_monthly").unwrap();
    assert_eq!(report.common_first, goog.first);
    assert_eq!(report.kept_dates, goog.rows);
    assert_eq!(r.n_dates(), goog.rows - 1);
    assert!(report.dropped_inside.is_empty());
    assert_eq!(report.resampled, None);
    for (k, id) in [
        "aapl_monthly",
        "amzn_monthly",
        "goog_monthly",
        "ibm_monthly",
        "msft_monthly",
    ]
    .iter()
    .enumerate()
    {
        let info = bundled::info(id).unwrap();
        let before = load(id).dates().iter().filter(|d| **d < goog.first).count();
        assert_eq!(report.dropped_before[k], before, "{id}");
        assert_eq!(report.dropped_after[k], 0, "{id}");
        assert_eq!(before + report.kept_dates, info.rows, "{id}");
    }
    // Simple returns from the closes, by hand.
    let aapl = load("aapl_monthly");
    let (dates, closes) = (aapl.dates(), aapl.values());
    let k = dates.iter().position(|d| *d == r.dates()[0]).unwrap();
    assert!((r.row(0)[0] - (closes[k] / closes[k - 1] - 1.0)).abs() < 1e-15);
}

#[test]
fn daily_alignment_lists_each_dropped_date_with_the_assets_missing_it() {
    let (r, report) = daily_four();
    assert_eq!(r.frequency(), PortfolioFrequency::Daily);
    let ids = ["sp500", "nasdaq", "wti", "vix"];
    let names = ["SP500", "NASDAQ", "WTI", "VIX"];
    let all: Vec<Vec<shared::calendar::Date>> = ids.iter().map(|id| load(id).dates()).collect();
    assert!(
        !report.dropped_inside.is_empty(),
        "WTI and VIX miss some trading days"
    );
    for dropped in &report.dropped_inside {
        assert!(!dropped.missing_in.is_empty());
        for (k, name) in names.iter().enumerate() {
            let has = all[k].binary_search(&dropped.date).is_ok();
            assert_eq!(
                !has,
                dropped.missing_in.iter().any(|m| m == name),
                "{} {name}",
                dropped.date
            );
        }
    }
    // Every observation is either kept or accounted for as dropped.
    for (k, name) in names.iter().enumerate() {
        let inside_present = report
            .dropped_inside
            .iter()
            .filter(|d| !d.missing_in.iter().any(|m| m == name))
            .count();
        assert_eq!(
            report.dropped_before[k] + report.dropped_after[k] + inside_present + report.kept_dates,
            all[k].len(),
            "{name}"
        );
    }
    let total: usize = report.dropped_before.iter().sum::<usize>()
        + report.dropped_after.iter().sum::<usize>()
        + report
            .dropped_inside
            .iter()
            .map(|d| names.len() - d.missing_in.len())
            .sum::<usize>();
    assert_eq!(report.dropped_total, total);
    assert_eq!(r.n_dates() + 1, report.kept_dates);
}

#[test]
fn mixed_frequencies_are_refused_unless_resampling_is_asked_for() {
    let sp = load("sp500");
    let aapl = load("aapl_monthly");
    let assets = [
        AssetSeries {
            name: "SP500",
            series: &sp,
            values: ValueKind::Prices,
            frequency: None,
        },
        AssetSeries {
            name: "AAPL",
            series: &aapl,
            values: ValueKind::Prices,
            frequency: None,
        },
    ];
    let err = align_returns(&assets, &AlignOptions::default()).unwrap_err();
    assert!(
        matches!(&err, PortfolioError::MixedFrequencies { first_asset, asset, first_frequency: PortfolioFrequency::Daily, frequency: PortfolioFrequency::Monthly } if first_asset == "SP500" && asset == "AAPL"),
        "{err}"
    );
    assert!(err.to_string().contains("resample"), "{err}");
    let (r, report) = align_returns(
        &assets,
        &AlignOptions {
            resample_monthly: true,
            ..AlignOptions::default()
        },
    )
    .unwrap();
    assert!(r.resampled());
    assert!(report.resampled.unwrap().contains("monthly"));
    assert_eq!(r.frequency(), PortfolioFrequency::Monthly);
    assert_eq!(report.common_first, aapl.dates()[0]);
    // Declared daily but dated monthly: refused.
    let wrong = [AssetSeries {
        name: "AAPL",
        series: &aapl,
        values: ValueKind::Prices,
        frequency: Some(bundled::Frequency::Daily),
    }];
    assert!(matches!(
        align_returns(&wrong, &AlignOptions::default()),
        Err(PortfolioError::FrequencyDisagrees { .. })
    ));
}

#[test]
fn log_returns_are_the_log_of_one_plus_simple_returns() {
    let ids = [
        ("sp500", "SP500", ValueKind::Prices),
        ("nasdaq", "NASDAQ", ValueKind::Prices),
    ];
    let simple = align(&ids, AlignOptions::default()).0;
    let log = align(
        &ids,
        AlignOptions {
            kind: ReturnKind::Log,
            ..AlignOptions::default()
        },
    )
    .0;
    assert_eq!(log.kind(), ReturnKind::Log);
    for t in [0, 100, simple.n_dates() - 1] {
        for j in 0..2 {
            assert!((log.row(t)[j] - simple.row(t)[j].ln_1p()).abs() < 1e-15);
        }
    }
}

#[test]
fn fama_french_percent_returns_are_used_as_given() {
    let (r, _) = align(
        &[
            ("ff_mkt_rf", "MKT", ValueKind::PercentReturns),
            ("ff_smb", "SMB", ValueKind::PercentReturns),
        ],
        AlignOptions::default(),
    );
    let mkt = load("ff_mkt_rf");
    let (dates, values) = (mkt.dates(), mkt.values());
    let k = dates.iter().position(|d| *d == r.dates()[0]).unwrap();
    assert_eq!(r.row(0)[0], values[k] / 100.0);
}

// --------------------------------------------------------------- estimators

#[test]
fn ledoit_wolf_identity_matches_scikit_learn() {
    for (r, cov, shrink, what) in [
        (
            stocks().0,
            &STOCKS_LW_IDENTITY_COV[..],
            STOCKS_LW_IDENTITY_SHRINKAGE,
            "stocks",
        ),
        (
            indices(),
            &INDICES_LW_IDENTITY_COV[..],
            INDICES_LW_IDENTITY_SHRINKAGE,
            "indices",
        ),
        (
            daily_four().0,
            &DAILY4_LW_IDENTITY_COV[..],
            DAILY4_LW_IDENTITY_SHRINKAGE,
            "daily four",
        ),
    ] {
        let s = ledoit_wolf_identity(&r).unwrap();
        let ppy = r.frequency().periods_per_year();
        let per_period: Vec<f64> = s.covariance.iter().map(|v| v / ppy).collect();
        assert_close(&per_period, cov, 1e-10, what);
        assert!(
            (s.shrinkage - shrink).abs() < 1e-10,
            "{what}: {} vs {shrink}",
            s.shrinkage
        );
    }
}

#[test]
fn ledoit_wolf_constant_correlation_matches_pyportfolioopt() {
    for (r, cov, shrink, what) in [
        (
            stocks().0,
            &STOCKS_LW_CC_COV[..],
            Some(STOCKS_LW_CC_SHRINKAGE),
            "stocks",
        ),
        (
            indices(),
            &INDICES_LW_CC_COV[..],
            None,
            "indices (two assets: F = S, δ arbitrary)",
        ),
        (
            daily_four().0,
            &DAILY4_LW_CC_COV[..],
            Some(DAILY4_LW_CC_SHRINKAGE),
            "daily four",
        ),
    ] {
        let s = ledoit_wolf_constant_correlation(&r).unwrap();
        let ppy = r.frequency().periods_per_year();
        let per_period: Vec<f64> = s.covariance.iter().map(|v| v / ppy).collect();
        assert_close(&per_period, cov, 1e-10, what);
        if let Some(shrink) = shrink {
            assert!(
                (s.shrinkage - shrink).abs() < 1e-10,
                "{what}: {} vs {shrink}",
                s.shrinkage
            );
        }
    }
    // A shrinkage strictly inside (0, 1) exercises the whole formula.
    const { assert!(DAILY4_LW_CC_SHRINKAGE > 0.0 && DAILY4_LW_CC_SHRINKAGE < 1.0) };
}

#[test]
fn sample_covariance_and_means_are_annualised_by_frequency() {
    let (r, _) = stocks();
    let mu = mean_returns(&r).unwrap();
    let cov = sample_covariance(&r).unwrap();
    let t = r.n_dates() as f64;
    let col = r.column(3);
    let m = col.iter().sum::<f64>() / t;
    assert!((mu[3] - 12.0 * m).abs() < 1e-14);
    let v = col.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (t - 1.0);
    assert!((cov[3 * 5 + 3] - 12.0 * v).abs() < 1e-14);
    let d = indices();
    let mu_d = mean_returns(&d).unwrap();
    let m0 = d.column(0).iter().sum::<f64>() / d.n_dates() as f64;
    assert!((mu_d[0] - 252.0 * m0).abs() < 1e-14);
}

#[test]
fn ewma_with_a_huge_half_life_is_the_plain_mean_and_a_short_one_follows_recent_data() {
    let (r, _) = stocks();
    let mean = mean_returns(&r).unwrap();
    let flat = ewma_returns(&r, 1e15).unwrap();
    assert_close(&flat, &mean, 1e-9, "ewma mean");
    let sample = sample_covariance(&r).unwrap();
    let t = r.n_dates() as f64;
    let biased: Vec<f64> = sample.iter().map(|v| v * (t - 1.0) / t).collect();
    assert_close(
        &ewma_covariance(&r, 1e15).unwrap(),
        &biased,
        1e-9,
        "ewma cov",
    );
    // Half-life of a tenth of a period: the last return dominates.
    let last = ewma_returns(&r, 0.02).unwrap();
    let want: Vec<f64> = r.row(r.n_dates() - 1).iter().map(|x| 12.0 * x).collect();
    assert_close(&last, &want, 1e-12, "ewma short");
    assert!(matches!(
        ewma_returns(&r, 0.0),
        Err(PortfolioError::Parameter {
            field: "half_life",
            ..
        })
    ));
}

#[test]
fn capm_gives_the_market_its_own_mean_and_others_beta_times_the_premium() {
    let r = indices();
    let market = r.column(0);
    let rf = 0.02;
    let mu = capm_returns(&r, &market, rf).unwrap();
    let mean = mean_returns(&r).unwrap();
    assert!((mu[0] - mean[0]).abs() < 1e-14, "beta of the market is 1");
    let cov = sample_covariance(&r).unwrap();
    let beta = cov[1] / cov[0];
    assert!((mu[1] - (rf + beta * (mean[0] - rf))).abs() < 1e-12);
    // The market as a separate column: drop it from the matrix.
    let rest = r.without_asset(0).unwrap();
    assert_eq!(rest.assets(), ["NASDAQ"]);
    assert!((capm_returns(&rest, &market, rf).unwrap()[0] - mu[1]).abs() < 1e-14);
    assert!(matches!(
        capm_returns(&r, &market[1..], rf),
        Err(PortfolioError::Length { .. })
    ));
}

// --------------------------------------------------------------- optimisers

#[test]
fn min_variance_and_max_sharpe_match_pyportfolioopt_on_the_five_stocks() {
    let est = stock_estimates();
    let mv = min_variance(&est, &Constraints::long_only(), 0.02).unwrap();
    assert_close(&mv.weights, &STOCKS_MIN_VOL_WEIGHTS, 1e-5, "min variance");
    let ms = max_sharpe(&est, &Constraints::long_only(), 0.02).unwrap();
    assert_close(&ms.weights, &STOCKS_MAX_SHARPE_WEIGHTS, 1e-5, "max Sharpe");
    assert!(matches!(
        mv.status,
        SolveStatus::Solved { .. } | SolveStatus::AlmostSolved { .. }
    ));
}

#[test]
fn frontier_invariants_on_real_data() {
    for est in [
        stock_estimates(),
        estimate(
            &daily_four().0,
            &ReturnEstimator::Mean,
            CovarianceEstimator::LedoitWolfConstantCorrelation,
        )
        .unwrap(),
    ] {
        let c = Constraints::long_only();
        let rf = 0.01;
        let mv = min_variance(&est, &c, rf).unwrap();
        check_budget_and_bounds(&mv, 0.0, 1.0);
        let ms = max_sharpe(&est, &c, rf).unwrap();
        check_budget_and_bounds(&ms, 0.0, 1.0);
        let frontier = efficient_frontier(&est, &c, 12, rf).unwrap();
        assert_eq!(frontier.len(), 12);
        let n = est.n();
        let equal = vec![1.0 / n as f64; n];
        assert!(variance(&est, &mv.weights) <= variance(&est, &equal) + 1e-12);
        for (k, p) in frontier.iter().enumerate() {
            check_budget_and_bounds(p, 0.0, 1.0);
            assert!(
                mv.volatility <= p.volatility + 1e-7,
                "point {k}: {} < min var {}",
                p.volatility,
                mv.volatility
            );
            assert!(
                ms.sharpe >= p.sharpe - 1e-6,
                "point {k}: Sharpe {} > max {}",
                p.sharpe,
                ms.sharpe
            );
        }
        // Increasing in both return and volatility, and concave: the slope
        // of return against volatility falls along the frontier.
        for w in frontier.windows(2) {
            assert!(w[1].expected_return > w[0].expected_return - 1e-12);
            assert!(w[1].volatility >= w[0].volatility - 1e-7);
        }
        for w in frontier.windows(3) {
            let s1 = (w[1].expected_return - w[0].expected_return)
                / (w[1].volatility - w[0].volatility).max(1e-15);
            let s2 = (w[2].expected_return - w[1].expected_return)
                / (w[2].volatility - w[1].volatility).max(1e-15);
            assert!(s2 <= s1 * (1.0 + 1e-4) + 1e-6, "slopes {s1} then {s2}");
        }
        let top = est
            .expected_returns()
            .iter()
            .cloned()
            .fold(f64::NEG_INFINITY, f64::max);
        assert!((frontier.last().unwrap().expected_return - top).abs() < 1e-6 * top.abs().max(1.0));
    }
}

#[test]
fn target_return_and_target_risk_land_on_the_frontier() {
    let est = stock_estimates();
    let c = Constraints::long_only();
    let mv = min_variance(&est, &c, 0.0).unwrap();
    let top = est
        .expected_returns()
        .iter()
        .cloned()
        .fold(f64::NEG_INFINITY, f64::max);
    let target = 0.5 * (mv.expected_return + top);
    let p = target_return(&est, &c, target, 0.0).unwrap();
    check_budget_and_bounds(&p, 0.0, 1.0);
    assert!((p.expected_return - target).abs() < 1e-7);
    // Target risk at that volatility gives back the same portfolio.
    let q = target_risk(&est, &c, p.volatility, 0.0).unwrap();
    check_budget_and_bounds(&q, 0.0, 1.0);
    assert!(q.volatility <= p.volatility * (1.0 + 1e-7));
    assert!(
        (q.expected_return - p.expected_return).abs() < 1e-5,
        "{} vs {}",
        q.expected_return,
        p.expected_return
    );
    assert_close(&q.weights, &p.weights, 1e-4, "target risk vs target return");
    // Unreachable targets name the reachable range.
    match target_return(&est, &c, top + 0.1, 0.0) {
        Err(PortfolioError::UnreachableTarget {
            field: "return",
            max,
            ..
        }) => assert!((max - top).abs() < 1e-7),
        other => panic!("{other:?}"),
    }
    match target_risk(&est, &c, mv.volatility * 0.5, 0.0) {
        Err(PortfolioError::UnreachableTarget {
            field: "volatility",
            min,
            ..
        }) => assert!((min - mv.volatility).abs() < 1e-7),
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_asset_min_variance_matches_the_closed_form() {
    let (s1, s2, rho) = (0.2, 0.3, 0.4);
    let cov = vec![vec![s1 * s1, rho * s1 * s2], vec![rho * s1 * s2, s2 * s2]];
    let est = Estimates::new(vec!["A".into(), "B".into()], vec![0.05, 0.08], &cov).unwrap();
    let w1 = (s2 * s2 - rho * s1 * s2) / (s1 * s1 + s2 * s2 - 2.0 * rho * s1 * s2);
    for c in [Constraints::long_only(), Constraints::with_shorts(None)] {
        let p = min_variance(&est, &c, 0.0).unwrap();
        assert!((p.weights[0] - w1).abs() < 1e-7, "{} vs {w1}", p.weights[0]);
    }
}

/// Inverse of a small matrix by Gauss-Jordan with partial pivoting.
fn inverse(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for c in 0..n {
        let p = (c..n)
            .max_by(|&x, &y| m[x][c].abs().total_cmp(&m[y][c].abs()))
            .unwrap();
        m.swap(c, p);
        let d = m[c][c];
        m[c].iter_mut().for_each(|v| *v /= d);
        for r in 0..n {
            if r != c {
                let f = m[r][c];
                let pivot = m[c].clone();
                m[r].iter_mut().zip(&pivot).for_each(|(v, p)| *v -= f * p);
            }
        }
    }
    m.into_iter().map(|r| r[n..].to_vec()).collect()
}

#[test]
fn unconstrained_min_variance_is_sigma_inverse_one_normalised() {
    let est = stock_estimates();
    let n = est.n();
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| est.cov(i, j)).collect())
        .collect();
    let inv = inverse(&rows);
    let raw: Vec<f64> = inv.iter().map(|r| r.iter().sum()).collect();
    let total: f64 = raw.iter().sum();
    let want: Vec<f64> = raw.iter().map(|v| v / total).collect();
    assert!(
        want.iter().any(|w| *w < 0.0),
        "the closed form shorts something here"
    );
    let p = min_variance(&est, &Constraints::with_shorts(None), 0.0).unwrap();
    assert_close(&p.weights, &want, 1e-6, "Σ⁻¹1 / 1'Σ⁻¹1");
}

#[test]
fn bounds_and_leverage_are_respected() {
    let est = stock_estimates();
    let c = Constraints {
        long_only: true,
        lower: Some(vec![0.05; 5]),
        upper: Some(vec![0.3; 5]),
        max_leverage: None,
    };
    for p in [
        min_variance(&est, &c, 0.0).unwrap(),
        max_sharpe(&est, &c, 0.0).unwrap(),
        target_return(&est, &c, 0.1, 0.0).unwrap(),
    ] {
        check_budget_and_bounds(&p, 0.05, 0.3);
    }
    let shorts = Constraints {
        long_only: false,
        lower: Some(vec![-0.5; 5]),
        upper: Some(vec![1.0; 5]),
        max_leverage: Some(1.4),
    };
    let ms = max_sharpe(&est, &shorts, 0.0).unwrap();
    let gross: f64 = ms.weights.iter().map(|w| w.abs()).sum();
    assert!(gross <= 1.4 + 1e-7, "gross {gross}");
    assert!((ms.weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(
        ms.weights.iter().any(|w| *w < -1e-4),
        "some short position: {:?}",
        ms.weights
    );
    let long = max_sharpe(&est, &Constraints::long_only(), 0.0).unwrap();
    assert!(ms.sharpe >= long.sharpe - 1e-9, "shorting can only help");
    let frontier = efficient_frontier(&est, &shorts, 5, 0.0).unwrap();
    for p in &frontier {
        assert!(p.weights.iter().map(|w| w.abs()).sum::<f64>() <= 1.4 + 1e-7);
    }
}

#[test]
fn risk_parity_equalises_contributions() {
    for est in [
        stock_estimates(),
        estimate(
            &daily_four().0,
            &ReturnEstimator::Mean,
            CovarianceEstimator::LedoitWolfIdentity,
        )
        .unwrap(),
    ] {
        let p = risk_parity(&est, None, 0.0).unwrap();
        check_budget_and_bounds(&p, 0.0, 1.0);
        let target = p.volatility / est.n() as f64;
        for rc in &p.risk_contributions {
            assert!((rc / target - 1.0).abs() < 1e-8, "{rc} vs {target}");
        }
        assert!(p.weights.iter().all(|w| *w > 0.0));
        assert!(matches!(p.status, SolveStatus::Converged { residual, .. } if residual <= 1e-10));
    }
    // Budgets: contributions in proportion 1:2:3:4:5.
    let est = stock_estimates();
    let budgets = [1.0, 2.0, 3.0, 4.0, 5.0];
    let p = risk_parity(&est, Some(&budgets), 0.0).unwrap();
    for (rc, b) in p.risk_contributions.iter().zip(budgets) {
        assert!((rc / p.volatility - b / 15.0).abs() < 1e-8);
    }
}

#[test]
fn hrp_weights_are_positive_and_sum_to_one() {
    let est = estimate(
        &daily_four().0,
        &ReturnEstimator::Mean,
        CovarianceEstimator::Sample,
    )
    .unwrap();
    let p = hierarchical_risk_parity(&est, 0.0).unwrap();
    assert!(p.weights.iter().all(|w| *w > 0.0));
    assert!((p.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert_eq!(p.status, SolveStatus::Direct);
    // Two uncorrelated assets: HRP is inverse variance.
    let est = Estimates::new(
        vec!["A".into(), "B".into()],
        vec![0.0, 0.0],
        &[vec![0.04, 0.0], vec![0.0, 0.01]],
    )
    .unwrap();
    let p = hierarchical_risk_parity(&est, 0.0).unwrap();
    assert!((p.weights[0] - 0.2).abs() < 1e-12 && (p.weights[1] - 0.8).abs() < 1e-12);
}

#[test]
fn min_cvar_beats_equal_weights_on_real_scenarios() {
    let (r, _) = daily_four();
    let est = estimate(&r, &ReturnEstimator::Mean, CovarianceEstimator::Sample).unwrap();
    let res = min_cvar(&r, &est, &Constraints::long_only(), 0.95, 0.0).unwrap();
    check_budget_and_bounds(&res.portfolio, 0.0, 1.0);
    let equal = vec![0.25; 4];
    let (var_eq, cvar_eq) = historical_var_cvar(&r, &equal, 0.95).unwrap();
    assert!(res.cvar <= cvar_eq + 1e-9, "{} vs {cvar_eq}", res.cvar);
    assert!(res.cvar >= res.var && cvar_eq >= var_eq);
    // Every single asset is worse too (each is a feasible portfolio).
    for j in 0..4 {
        let mut w = vec![0.0; 4];
        w[j] = 1.0;
        assert!(res.cvar <= historical_var_cvar(&r, &w, 0.95).unwrap().1 + 1e-9);
    }
    assert!(matches!(
        min_cvar(&r, &est, &Constraints::long_only(), 0.9999, 0.0),
        Err(PortfolioError::TooFewDates { .. })
    ));
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_input_gets_a_clear_error_not_a_panic() {
    let est = stock_estimates();
    let n = est.n();
    let c = Constraints::long_only();
    // One asset.
    let one = Estimates::new(vec!["A".into()], vec![0.1], &[vec![0.04]]).unwrap();
    assert!(matches!(
        min_variance(&one, &c, 0.0),
        Err(PortfolioError::TooFewAssets { count: 1, min: 2 })
    ));
    // NaN expected return.
    let bad = Estimates::new(
        vec!["A".into(), "B".into()],
        vec![f64::NAN, 0.1],
        &[vec![0.04, 0.0], vec![0.0, 0.04]],
    );
    assert!(matches!(bad, Err(PortfolioError::NotFinite { .. })));
    // Singular covariance: an asset twice under two names.
    let rows = vec![vec![0.04, 0.04], vec![0.04, 0.04]];
    let singular = Estimates::new(vec!["A".into(), "A2".into()], vec![0.1, 0.1], &rows).unwrap();
    let err = min_variance(&singular, &c, 0.0).unwrap_err();
    assert!(
        matches!(err, PortfolioError::Singular { .. }) && err.to_string().contains("Ledoit-Wolf"),
        "{err}"
    );
    assert!(matches!(
        max_sharpe(&singular, &c, 0.0),
        Err(PortfolioError::Singular { .. })
    ));
    assert!(matches!(
        risk_parity(&singular, None, 0.0),
        Err(PortfolioError::Singular { .. })
    ));
    // Infeasible bounds.
    let tight = Constraints {
        upper: Some(vec![0.1; n]),
        ..Constraints::long_only()
    };
    assert!(matches!(
        min_variance(&est, &tight, 0.0),
        Err(PortfolioError::Infeasible { .. })
    ));
    let crossed = Constraints {
        lower: Some(vec![0.3; n]),
        upper: Some(vec![0.2; n]),
        ..Constraints::long_only()
    };
    assert!(matches!(
        min_variance(&est, &crossed, 0.0),
        Err(PortfolioError::Infeasible { .. })
    ));
    let short_bounds = Constraints {
        upper: Some(vec![0.5; 3]),
        ..Constraints::long_only()
    };
    assert!(matches!(
        min_variance(&est, &short_bounds, 0.0),
        Err(PortfolioError::Length { .. })
    ));
    // No asset beats the risk-free rate.
    let err = max_sharpe(&est, &c, 10.0).unwrap_err();
    assert!(
        matches!(&err, PortfolioError::NoAssetBeatsRiskFree { best_asset, .. } if best_asset == "AAPL"),
        "{err}"
    );
    // Unbounded frontier with free shorts.
    let unbounded = efficient_frontier(&est, &Constraints::with_shorts(None), 5, 0.0);
    assert!(
        matches!(unbounded, Err(PortfolioError::Unbounded { .. })),
        "{unbounded:?}"
    );
    assert!(matches!(
        efficient_frontier(&est, &c, 1, 0.0),
        Err(PortfolioError::Parameter {
            field: "points",
            ..
        })
    ));
    assert!(matches!(
        min_variance(&est, &c, f64::NAN),
        Err(PortfolioError::NotFinite { .. })
    ));
    assert!(matches!(
        min_variance(&est, &Constraints::with_shorts(Some(0.5)), 0.0),
        Err(PortfolioError::Parameter {
            field: "max_leverage",
            ..
        })
    ));
}

#[test]
fn constant_series_and_too_few_dates_are_refused() {
    let d = |m: u32| shared::calendar::Date::new(2020, m, 1).unwrap();
    let r = ReturnMatrix::new(
        vec!["A".into(), "FLAT".into()],
        vec![d(1), d(2), d(3), d(4)],
        &[
            vec![0.01, 0.0],
            vec![-0.02, 0.0],
            vec![0.03, 0.0],
            vec![0.0, 0.0],
        ],
        PortfolioFrequency::Monthly,
        ReturnKind::Simple,
    )
    .unwrap();
    for err in [
        sample_covariance(&r).unwrap_err(),
        ledoit_wolf_identity(&r).unwrap_err(),
        ledoit_wolf_constant_correlation(&r).unwrap_err(),
    ] {
        assert!(
            matches!(&err, PortfolioError::ConstantSeries { asset, .. } if asset == "FLAT"),
            "{err}"
        );
    }
    let short = ReturnMatrix::new(
        vec!["A".into()],
        vec![d(1)],
        &[vec![0.01]],
        PortfolioFrequency::Monthly,
        ReturnKind::Simple,
    )
    .unwrap();
    assert!(matches!(
        sample_covariance(&short),
        Err(PortfolioError::TooFewDates { .. })
    ));
    let nan = ReturnMatrix::new(
        vec!["A".into()],
        vec![d(1)],
        &[vec![f64::NAN]],
        PortfolioFrequency::Monthly,
        ReturnKind::Simple,
    );
    assert!(matches!(nan, Err(PortfolioError::NotFinite { .. })));
    let dup = ReturnMatrix::new(
        vec!["A".into(), "A".into()],
        vec![d(1)],
        &[vec![0.0, 0.0]],
        PortfolioFrequency::Monthly,
        ReturnKind::Simple,
    );
    assert!(matches!(dup, Err(PortfolioError::DuplicateAsset { .. })));
}

// ------------------------------------------------------------ property tests

/// A positive definite covariance from a random factor loading plus a
/// diagonal, with random expected returns.
fn random_estimates(n: usize, seed: &[f64]) -> Estimates {
    let f = |i: usize| seed[i % seed.len()];
    let cov: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    let common: f64 = (0..3).map(|k| 0.04 * f(i * 3 + k) * f(j * 3 + k)).sum();
                    common
                        + if i == j {
                            0.01 + 0.05 * f(i + 7).abs()
                        } else {
                            0.0
                        }
                })
                .collect()
        })
        .collect();
    let mu = (0..n).map(|i| 0.02 + 0.1 * f(i + 11).abs()).collect();
    Estimates::new((0..n).map(|i| format!("A{i}")).collect(), mu, &cov).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn optimiser_invariants_hold_on_random_covariances(
        n in 2usize..8,
        seed in proptest::collection::vec(-1.0f64..1.0, 30),
        cap in 0.3f64..1.0,
    ) {
        let est = random_estimates(n, &seed);
        let upper = cap.max(1.0 / n as f64 + 0.01);
        let c = Constraints { upper: Some(vec![upper; n]), ..Constraints::long_only() };
        let mv = min_variance(&est, &c, 0.0).unwrap();
        let equal = vec![1.0 / n as f64; n];
        prop_assert!(variance(&est, &mv.weights) <= variance(&est, &equal) + 1e-10);
        check_budget_and_bounds(&mv, 0.0, upper);
        let ms = max_sharpe(&est, &c, 0.0).unwrap();
        check_budget_and_bounds(&ms, 0.0, upper);
        prop_assert!(ms.sharpe >= mv.sharpe - 1e-7);
        let rp = risk_parity(&est, None, 0.0).unwrap();
        let target = rp.volatility / n as f64;
        for rc in &rp.risk_contributions {
            prop_assert!((rc / target - 1.0).abs() < 1e-8);
        }
        let hrp = hierarchical_risk_parity(&est, 0.0).unwrap();
        prop_assert!(hrp.weights.iter().all(|w| *w > 0.0));
        prop_assert!((hrp.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
