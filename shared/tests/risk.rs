//! `shared::risk` against published values, hand-worked examples and
//! invariants. Where each reference comes from is said at the test.

use rand::SeedableRng;
use rand_distr::{Distribution as _, StandardNormal, StudentT};
use rand_xoshiro::Xoshiro256PlusPlus;
use shared::calendar::Date;
use shared::data::bundled;
use shared::pricing::inputs::{OptionKind, OptionParams};
use shared::pricing::strategy::{Instrument, Leg};
use shared::pricing::{bsm, Exercise, Model};
use shared::risk::var::{normal_var_es, student_t_var_es};
use shared::risk::var_backtest::{independence_statistic, kupiec_statistic};
use shared::risk::*;
use statrs::distribution::{ContinuousCDF, StudentsT};

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs {b}");
}

fn d(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// Seeded normal returns with mean `mu` and std `sigma`.
fn normal_sample(n: usize, mu: f64, sigma: f64, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let z: f64 = StandardNormal.sample(&mut rng);
            mu + sigma * z
        })
        .collect()
}

fn sample_moments(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v.sqrt())
}

#[test]
fn normal_var_and_es_match_published_multipliers() {
    // Standard normal: z_0.95 = 1.6448536, ES_0.95 = φ(z)/0.05 = 2.0627128;
    // z_0.99 = 2.3263479, ES_0.99 = 2.6652142 (e.g. McNeil, Frey &
    // Embrechts 2005, Example 2.14; values from Python's math module).
    let (v, e) = normal_var_es(0.0, 1.0, 0.95, 1).unwrap();
    close(v, 1.6448536269514722, 1e-9, "VaR 95%");
    close(e, 2.0627128075074275, 1e-9, "ES 95%");
    let (v, e) = normal_var_es(0.0, 1.0, 0.99, 1).unwrap();
    close(v, 2.3263478740408408, 1e-9, "VaR 99%");
    close(e, 2.665214220345808, 1e-9, "ES 99%");
    // VaR = 1.6449 σ − μ, scaled by the square-root-of-time rule.
    let (v, e) = normal_var_es(0.001, 0.02, 0.95, 10).unwrap();
    close(
        v,
        1.6448536269514722 * 0.02 * 10f64.sqrt() - 0.01,
        1e-12,
        "10-day VaR",
    );
    close(
        e,
        2.0627128075074275 * 0.02 * 10f64.sqrt() - 0.01,
        1e-9,
        "10-day ES",
    );
    // From returns: the sample mean and std (ddof 1) feed the formula.
    let r = normal_sample(500, 0.0005, 0.01, 1);
    let (m, s) = sample_moments(&r);
    let est = parametric(&r, 0.95, 1, Distribution::Normal).unwrap();
    assert_eq!(est.method, VarMethod::Normal);
    close(est.var, 1.6448536269514722 * s - m, 1e-12, "sample VaR");
    close(est.es, 2.0627128075074275 * s - m, 1e-9, "sample ES");
}

#[test]
fn student_t_quantiles_match_tables_and_es_matches_the_quantile_integral() {
    // Critical values from standard t tables: t_{5, 0.95} = 2.015,
    // t_{10, 0.99} = 2.764, t_{4, 0.975} = 2.776.
    for (dof, a, table) in [(5.0, 0.95, 2.015), (10.0, 0.99, 2.764), (4.0, 0.975, 2.776)] {
        let (v, _) = student_t_var_es(0.0, 1.0, dof, a, 1).unwrap();
        let s = ((dof - 2.0) / dof).sqrt();
        close(v / s, table, 5e-4, "t quantile");
    }
    // ES is the average of the VaRs beyond α: (1/(1−α)) ∫_α^1 q(u) du,
    // integrated numerically (midpoint rule, 200k cells) as an independent
    // check of the closed form (McNeil, Frey & Embrechts 2005, Ex. 2.19).
    for (dof, a) in [(5.0, 0.95), (4.0, 0.99), (30.0, 0.975)] {
        let t = StudentsT::new(0.0, 1.0, dof).unwrap();
        let cells = 200_000;
        let width = (1.0 - a) / cells as f64;
        let integral: f64 = (0..cells)
            .map(|i| t.inverse_cdf(a + (i as f64 + 0.5) * width) * width)
            .sum();
        let s = ((dof - 2.0) / dof).sqrt();
        let (v, e) = student_t_var_es(0.0, 1.0, dof, a, 1).unwrap();
        close(e, s * integral / (1.0 - a), 2e-3 * e, "t ES vs integral");
        assert!(e > v);
    }
}

#[test]
fn student_t_fit_recovers_the_degrees_of_freedom() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let t = StudentT::new(5.0).unwrap();
    let heavy: Vec<f64> = (0..20_000)
        .map(|_| {
            let z: f64 = t.sample(&mut rng);
            0.01 * z
        })
        .collect();
    let fit = fit_student_t(&heavy).unwrap();
    assert!((4.0..6.5).contains(&fit.dof), "fitted ν {}", fit.dof);
    let light = normal_sample(20_000, 0.0, 0.01, 8);
    let fit = fit_student_t(&light).unwrap();
    assert!(fit.dof > 30.0, "normal data fitted ν {}", fit.dof);
    // Heavy tails: at 99% the t VaR exceeds the normal VaR with the same σ.
    let t99 = parametric(&heavy, 0.99, 1, Distribution::StudentT).unwrap();
    let n99 = parametric(&heavy, 0.99, 1, Distribution::Normal).unwrap();
    assert!(t99.var > n99.var && t99.dof.is_some());
}

#[test]
fn historical_var_is_the_documented_order_statistic() {
    // Losses 0.01..=0.20 in scrambled order.
    let returns: Vec<f64> = (0..20)
        .map(|i| -(((i * 7) % 20 + 1) as f64) / 100.0)
        .collect();
    let est = historical(&returns, 0.95, 1).unwrap();
    // ⌈20 × 0.95⌉ = 19th smallest loss; ES = mean(0.19, 0.20).
    close(est.var, 0.19, 1e-15, "VaR");
    close(est.es, 0.195, 1e-15, "ES");
    // 100 losses at 0.99: the 99th, and ES = mean(0.99, 1.00).
    let returns: Vec<f64> = (1..=100).rev().map(|i| -(i as f64) / 100.0).collect();
    let est = historical(&returns, 0.99, 1).unwrap();
    close(est.var, 0.99, 1e-15, "VaR 99");
    close(est.es, 0.995, 1e-15, "ES 99");
    // Two-day overlapping compounded windows.
    let r = [0.1, -0.1, 0.1, -0.1, 0.05];
    let est = historical(&[r.as_slice(); 5].concat(), 0.95, 2).unwrap();
    assert_eq!(est.observations, 24);
    close(est.var, 1.0 - 0.9 * 1.05, 1e-12, "2-day VaR"); // worst window
}

#[test]
fn cvar_is_at_least_var_everywhere() {
    let r = normal_sample(2_000, 0.0003, 0.012, 3);
    for a in [0.9, 0.95, 0.975, 0.99] {
        for h in [1, 5, 10] {
            let h_est = historical(&r, a, h).unwrap();
            assert!(h_est.es >= h_est.var);
            for dist in [Distribution::Normal, Distribution::StudentT] {
                let p = parametric(&r, a, h, dist).unwrap();
                assert!(p.es >= p.var, "{dist:?} {a} {h}");
            }
        }
    }
}

#[test]
fn monte_carlo_converges_to_parametric_and_is_labelled_a_simulation() {
    let r = normal_sample(1_000, 0.0004, 0.011, 4);
    for dist in [Distribution::Normal, Distribution::StudentT] {
        let exact = parametric(&r, 0.99, 1, dist).unwrap();
        let mc = monte_carlo(&r, 0.99, 1, dist, 200_000, 42).unwrap();
        assert_eq!(mc.label, "Monte Carlo simulation");
        assert_eq!(mc.estimate.method, VarMethod::MonteCarlo);
        // Standard error of the 99% quantile with 200k draws is ~0.6% of σ.
        close(mc.estimate.var, exact.var, 0.02 * exact.var, "MC VaR");
        close(mc.estimate.es, exact.es, 0.03 * exact.es, "MC ES");
        // The same seed gives the same bits.
        let again = monte_carlo(&r, 0.99, 1, dist, 200_000, 42).unwrap();
        assert_eq!(mc, again);
    }
    // Horizon: sums of 10 daily draws follow the √h rule.
    let exact = parametric(&r, 0.95, 10, Distribution::Normal).unwrap();
    let mc = monte_carlo(&r, 0.95, 10, Distribution::Normal, 100_000, 9).unwrap();
    close(
        mc.estimate.var,
        exact.var,
        0.03 * exact.var,
        "10-day MC VaR",
    );
}

#[test]
fn kupiec_and_christoffersen_match_hand_computation() {
    // Kupiec: 5 breaches in 250 days at 99%, worked by hand with Python's
    // math module: LR = −2[245 ln 0.99 + 5 ln 0.01] + 2[245 ln 0.98 + 5 ln
    // 0.02] = 1.956810, p = erfc(√(LR/2)) = 0.161855.
    close(
        kupiec_statistic(250, 5, 0.01),
        1.956809788230622,
        1e-9,
        "LR_pof",
    );
    let mut returns = vec![0.0; 250];
    for i in [10, 60, 110, 160, 210] {
        returns[i] = -0.05;
    }
    let bt = backtest_var(&returns, &vec![0.03; 250], 0.99).unwrap();
    assert_eq!(bt.breaches, 5);
    close(bt.expected, 2.5, 1e-12, "expected breaches");
    close(bt.kupiec.p_value, 0.16185491719604272, 1e-7, "Kupiec p");
    // Christoffersen on 0 0 0 0 1 1 1 0 0 0: n00 = 5, n01 = 1, n10 = 1,
    // n11 = 2; π = 1/3, π01 = 1/6, π11 = 2/3. LR = −2[6 ln(2/3) + 3
    // ln(1/3)] + 2[5 ln(5/6) + ln(1/6) + ln(1/3) + 2 ln(2/3)] = 2.231436.
    let hits = [
        false, false, false, false, true, true, true, false, false, false,
    ];
    close(
        independence_statistic(&hits),
        2.231435513142097,
        1e-9,
        "LR_ind",
    );
    let returns: Vec<f64> = hits.iter().map(|&h| if h { -0.1 } else { 0.0 }).collect();
    let bt = backtest_var(&returns, &[0.05; 10], 0.9).unwrap();
    close(
        bt.independence.p_value,
        0.13522815768706664,
        1e-7,
        "LR_ind p",
    );
    close(
        bt.conditional_coverage.statistic,
        bt.kupiec.statistic + bt.independence.statistic,
        1e-12,
        "LR_cc",
    );
    assert_eq!(bt.conditional_coverage.dof, 2);
    // Breaches spread evenly (π01 = π11 = π): no evidence of clustering.
    let even = [
        false, false, true, true, false, false, false, true, false, false,
    ];
    close(independence_statistic(&even), 0.0, 1e-12, "even LR_ind");
}

#[test]
fn drawdown_by_hand() {
    let dates: Vec<Date> = [
        "2020-01-01",
        "2020-01-02",
        "2020-01-03",
        "2020-01-06",
        "2020-01-07",
        "2020-01-08",
    ]
    .iter()
    .map(|s| d(s))
    .collect();
    let values = [100.0, 120.0, 90.0, 110.0, 125.0, 100.0];
    let curve = drawdown_curve(&values).unwrap();
    for (a, b) in curve.iter().zip([0.0, 0.0, 0.25, 10.0 / 120.0, 0.0, 0.2]) {
        close(*a, b, 1e-15, "curve");
    }
    let m = max_drawdown(&dates, &values).unwrap();
    close(m.depth, 0.25, 1e-15, "depth");
    assert_eq!(m.peak_date, d("2020-01-02"));
    assert_eq!(m.trough_date, d("2020-01-03"));
    assert_eq!(m.recovery_date, Some(d("2020-01-07")));
    assert_eq!(
        (m.bars_to_trough, m.duration_bars, m.duration_days),
        (1, 3, 5)
    );
    // Not recovered: the duration runs to the last date.
    let m = max_drawdown(&dates[..4], &values[..4]).unwrap();
    assert_eq!(m.recovery_date, None);
    assert_eq!(m.duration_bars, 2);
}

#[test]
fn rolling_beta_and_volatility() {
    let market = normal_sample(300, 0.0, 0.01, 5);
    let beta = rolling_beta(&market, &market, 60).unwrap();
    assert!(beta[..59].iter().all(|b| b.is_nan()));
    for b in &beta[59..] {
        close(*b, 1.0, 1e-12, "self beta");
    }
    let doubled: Vec<f64> = market.iter().map(|r| 2.0 * r + 0.001).collect();
    for b in &rolling_beta(&doubled, &market, 60).unwrap()[59..] {
        close(*b, 2.0, 1e-12, "2x beta");
    }
    let vol = rolling_volatility(&market, 20, 252.0).unwrap();
    let (_, s) = sample_moments(&market[80..100]);
    close(vol[99], s * 252f64.sqrt(), 1e-12, "rolling vol");
}

#[test]
fn stress_replays_real_episodes_on_bundled_data() {
    let sp = bundled::load("sp500").unwrap();
    let nq = bundled::load("nasdaq").unwrap();
    let aligned = AlignedPrices::new(&[&sp, &nq]).unwrap();
    assert_eq!(aligned.dates.len(), 5031);
    let episodes = historical_episodes();
    assert_eq!(episodes.len(), 4);
    for e in &episodes {
        let r = replay(&aligned, &[0.6, 0.4], e).unwrap();
        assert!(r.total_return < 0.0, "{}: {}", e.name, r.total_return);
        assert!(r.max_drawdown >= -r.total_return - 1e-12);
        assert!(r.worst_day_return < 0.0);
    }
    // The 2008-2009 window runs from the S&P 500's close high (1565.15 on
    // 2007-10-09) to its low (676.53 on 2009-03-09): a 56.8% fall, and the
    // episode's drawdown is that whole fall.
    let gfc = replay(&aligned, &[1.0, 0.0], &episodes[1]).unwrap();
    close(gfc.total_return, 676.53 / 1565.15 - 1.0, 1e-4, "GFC return");
    close(gfc.max_drawdown, -gfc.total_return, 1e-12, "GFC drawdown");
    // A user-picked range; and one outside the data is refused, naming it.
    let custom = Episode::custom("2015", d("2015-01-01"), d("2015-12-31")).unwrap();
    let r = replay(&aligned, &[1.0, 0.0], &custom).unwrap();
    let closes = sp
        .between(Some(d("2015-01-01")), Some(d("2015-12-31")))
        .unwrap()
        .values();
    close(
        r.total_return,
        closes[closes.len() - 1] / closes[0] - 1.0,
        1e-12,
        "2015",
    );
    let early = Episode::custom("1987", d("1987-10-01"), d("1987-10-31")).unwrap();
    assert!(matches!(
        replay(&aligned, &[1.0, 0.0], &early),
        Err(RiskError::TooFew {
            field: "episode",
            ..
        })
    ));
}

#[test]
fn shocks_reprice_option_legs_with_the_pricing_library() {
    let market = OptionParams::new(100.0, 100.0, 0.5, 0.03, 0.0, 0.2, OptionKind::Call).unwrap();
    let model = Model {
        exercise: Exercise::European,
        steps: 200,
    };
    let book = OptionBook {
        legs: vec![
            Leg {
                instrument: Instrument::Underlying,
                strike: 0.0,
                quantity: 1.0,
            },
            Leg {
                instrument: Instrument::Put,
                strike: 95.0,
                quantity: 1.0,
            },
        ],
        market,
        model,
    };
    let s = Shock {
        price_change: -0.2,
        vol_change_points: 10.0,
        rate_change_bp: -50.0,
    };
    let linear = [LinearHolding {
        name: "bonds".into(),
        value: 1000.0,
        beta: -0.1,
    }];
    let r = shock(Some(&book), &linear, &s).unwrap();
    let put = |spot: f64, vol: f64, rate: f64| {
        bsm::valuation(
            &OptionParams::new(spot, 95.0, 0.5, rate, 0.0, vol, OptionKind::Put).unwrap(),
        )
        .price
    };
    let expected_options = (80.0 + put(80.0, 0.3, 0.025)) - (100.0 + put(100.0, 0.2, 0.03));
    close(r.option_pnl, expected_options, 1e-9, "option P&L");
    close(r.linear_pnl, 20.0, 1e-12, "linear P&L");
    close(r.pnl, expected_options + 20.0, 1e-9, "total");
    // The protective put limits the loss to less than the 20 of the stock.
    assert!(r.option_pnl > -20.0);
    // A shock that leaves no volatility is refused, naming the shock's field.
    let bad = Shock {
        price_change: 0.0,
        vol_change_points: -25.0,
        rate_change_bp: 0.0,
    };
    assert!(matches!(
        shock(Some(&book), &[], &bad),
        Err(RiskError::Pricing {
            field: "vol_change_points",
            ..
        })
    ));
    let bad = Shock {
        price_change: -1.5,
        vol_change_points: 0.0,
        rate_change_bp: 0.0,
    };
    assert!(matches!(
        shock(None, &[], &bad),
        Err(RiskError::Invalid {
            field: "price_change",
            ..
        })
    ));
}

#[test]
fn bad_input_names_the_field() {
    let r = normal_sample(200, 0.0, 0.01, 6);
    let mut nan = r.clone();
    nan[3] = f64::NAN;
    assert!(matches!(
        historical(&nan, 0.95, 1),
        Err(RiskError::NotFinite {
            field: "returns",
            index: 3,
            ..
        })
    ));
    assert!(matches!(
        parametric(&nan, 0.95, 1, Distribution::Normal),
        Err(RiskError::NotFinite {
            field: "returns",
            ..
        })
    ));
    for a in [0.0, 1.0, 1.5, f64::NAN] {
        let e = historical(&r, a, 1).unwrap_err();
        assert!(
            matches!(
                e,
                RiskError::Invalid {
                    field: "confidence",
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().starts_with("confidence"));
    }
    let e = historical(&r[..50], 0.99, 1).unwrap_err();
    assert!(
        matches!(
            e,
            RiskError::TooFew {
                field: "returns",
                got: 50,
                needed: 100,
                ..
            }
        ),
        "{e}"
    );
    assert!(matches!(
        parametric(&r[..5], 0.95, 1, Distribution::StudentT),
        Err(RiskError::TooFew {
            field: "returns",
            ..
        })
    ));
    assert!(matches!(
        parametric(&[0.01; 30], 0.95, 1, Distribution::Normal),
        Err(RiskError::Invalid {
            field: "returns",
            ..
        })
    ));
    assert!(matches!(
        historical(&r, 0.95, 0),
        Err(RiskError::Invalid {
            field: "horizon_days",
            ..
        })
    ));
    assert!(matches!(
        monte_carlo(&r, 0.95, 1, Distribution::Normal, 10, 1),
        Err(RiskError::Invalid {
            field: "scenarios",
            ..
        })
    ));
    assert!(matches!(
        rolling_beta(&r, &r[1..], 20),
        Err(RiskError::Length { field: "asset", .. })
    ));
    assert!(matches!(
        rolling_volatility(&r, 1, 252.0),
        Err(RiskError::Invalid {
            field: "window",
            ..
        })
    ));
    assert!(matches!(
        backtest_var(&r, &r[1..], 0.99),
        Err(RiskError::Length { field: "var", .. })
    ));
    assert!(matches!(
        drawdown_curve(&[1.0, -1.0]),
        Err(RiskError::Invalid {
            field: "values",
            ..
        })
    ));
}

#[test]
fn rolling_forecasts_backtest_an_honest_and_a_dishonest_model() {
    // Normal returns: a normal VaR fitted on the past is roughly honest at
    // 95%; a VaR that ignores the volatility doubling half way is not.
    let mut r = normal_sample(1_500, 0.0, 0.01, 11);
    let calm = rolling_forecasts(&r, 250, 0.95, VarMethod::Normal).unwrap();
    assert_eq!(calm.len(), 1_250);
    let honest = backtest_var(&r[250..], &calm, 0.95).unwrap();
    assert!(honest.kupiec.p_value > 0.01, "{honest:?}");
    // The forecast for period t uses only returns before t.
    r[1_000] = -0.5;
    let changed = rolling_forecasts(&r, 250, 0.95, VarMethod::Normal).unwrap();
    assert_eq!(calm[..=750], changed[..=750]);
    assert_ne!(calm[751], changed[751]);
    let stormy: Vec<f64> = r[250..].iter().map(|x| 3.0 * x).collect();
    let dishonest = backtest_var(&stormy, &calm, 0.95).unwrap();
    assert!(dishonest.breaches as f64 > 3.0 * dishonest.expected);
    assert!(dishonest.kupiec.p_value < 1e-6);
    assert!(matches!(
        rolling_forecasts(&r[..100], 10, 0.99, VarMethod::Historical),
        Err(RiskError::TooFew {
            field: "window",
            ..
        })
    ));
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// CVaR is never below VaR, for any sample, method and level.
        #[test]
        fn cvar_never_below_var(
            r in proptest::collection::vec(-0.2..0.2f64, 100..300),
            a in 0.5..0.99f64,
            h in 1usize..5,
        ) {
            let e = historical(&r, a, h).unwrap();
            prop_assert!(e.es >= e.var);
            if r.iter().any(|x| *x != r[0]) {
                for dist in [Distribution::Normal, Distribution::StudentT] {
                    let e = parametric(&r, a, h, dist).unwrap();
                    prop_assert!(e.es >= e.var, "{:?}", dist);
                }
            }
        }
    }
}
