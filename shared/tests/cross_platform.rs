//! Pricing and data checks that run twice: natively (`cargo test`) and compiled to
//! wasm32 inside headless Chromium (`wasm-bindgen-test-runner`, see
//! scripts/test.sh). The same assertions, including bit-for-bit equality of
//! a seeded Monte Carlo estimate, prove the browser computes what the
//! server computes.
//!
//! Reference values: QuantLib 1.44 (Python wheel), AnalyticEuropeanEngine
//! and FdBlackScholesVanillaEngine(2000 time steps, 4000 grid points), with
//! Actual365Fixed, a flat BlackConstantVol, evaluation date 2026-01-01 and
//! expiries of whole days (T = days / 365), computed once by hand with those
//! calls (the systematic tables live in `tests/reference/`, written by
//! `tests/reference/quantlib_reference.py`).

mod common;

use shared::models::{entry, evaluate, WalkForwardConfig, Window};
use shared::pricing::binomial::{self, Exercise};
use shared::pricing::monte_carlo::{self, McConfig, McPayoff};
use shared::pricing::{bsm, implied_volatility, OptionKind, OptionParams};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn call_case() -> OptionParams {
    OptionParams::new(
        100.0,
        95.0,
        146.0 / 365.0,
        0.04,
        0.015,
        0.28,
        OptionKind::Call,
    )
    .unwrap()
}

fn put_case() -> OptionParams {
    OptionParams::new(100.0, 110.0, 73.0 / 365.0, 0.05, 0.0, 0.3, OptionKind::Put).unwrap()
}

fn close(actual: f64, expected: f64, tol: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: {actual} vs {expected}"
    );
}

#[test]
fn bsm_matches_quantlib() {
    // (price, delta, gamma, vega, theta per year, rho) from QuantLib.
    let cases = [
        (
            call_case(),
            [
                10.162086525289391,
                0.6640996675309626,
                0.02037465877983254,
                22.819617833412458,
                -9.240631949510169,
                22.499152091122752,
            ],
        ),
        (
            put_case(),
            [
                11.129599647261943,
                -0.7152481232470296,
                0.02529436276473435,
                15.176617658840613,
                -7.249742645532256,
                -16.53088239439298,
            ],
        ),
    ];
    for (p, [price, delta, gamma, vega, theta, rho]) in cases {
        let v = bsm::valuation(&p);
        close(v.price, price, 1e-10, "price");
        close(v.greeks.delta, delta, 1e-10, "delta");
        close(v.greeks.gamma, gamma, 1e-10, "gamma");
        close(v.greeks.vega, vega, 1e-9, "vega");
        close(v.greeks.theta, theta, 1e-9, "theta");
        close(v.greeks.rho, rho, 1e-9, "rho");
    }
}

#[test]
fn implied_vol_round_trips() {
    for p in [call_case(), put_case()] {
        let price = bsm::price(&p);
        let vol = implied_volatility(price, &p).unwrap();
        assert!((vol / p.volatility - 1.0).abs() < 1e-12, "vol {vol}");
    }
}

#[test]
fn american_put_converges_to_finite_difference_reference() {
    // QuantLib FD reference for S=K=100, T=1, r=5%, q=2%, vol=20%: 6.660485988454642.
    let p = OptionParams::new(100.0, 100.0, 1.0, 0.05, 0.02, 0.2, OptionKind::Put).unwrap();
    let tree = binomial::price(&p, Exercise::American, 2000).unwrap();
    close(tree, 6.660485988454642, 2e-3, "american put");
}

/// The seeded estimate is bit-for-bit the same on every platform. The bits
/// were produced natively; a browser build that differs fails here.
#[test]
fn monte_carlo_is_bit_identical_across_platforms() {
    let p = call_case();
    let config = McConfig {
        paths: 100_000,
        seed: 42,
        antithetic: true,
    };
    let e = monte_carlo::price(&p, McPayoff::European, &config).unwrap();
    // Statistically right: within 4 standard errors of Black-Scholes.
    close(e.price, bsm::price(&p), 4.0 * e.std_error, "mc vs bsm");
    assert_eq!(e.price.to_bits(), EXPECTED_MC_BITS, "price {:?}", e.price);
    let asian = monte_carlo::price(
        &p,
        McPayoff::ArithmeticAsian { fixings: 12 },
        &McConfig {
            paths: 20_000,
            ..config
        },
    )
    .unwrap();
    assert_eq!(
        asian.price.to_bits(),
        EXPECTED_ASIAN_BITS,
        "asian {:?}",
        asian.price
    );
}

const EXPECTED_MC_BITS: u64 = 0x40244b23da0e0269;
const EXPECTED_ASIAN_BITS: u64 = 0x401dad0595650bf6;

/// The bundled S&P 500 gunzips, parses and hashes to the same series in the
/// browser as natively (tests/data.rs asserts the same hash, which a Python
/// script computed independently from the raw file).
#[test]
fn bundled_sp500_is_the_same_everywhere() {
    let s = shared::data::bundled::load("sp500").unwrap();
    assert_eq!(s.provenance().rows, 5031);
    assert_eq!(
        s.provenance().content_hash,
        "d7e4918a37b0ca6b3b64d3fe5f434131695f4aa383a2a74a7e5630976ae357f1"
    );
}

/// Seeded walk-forward evaluation of catalog entries on the hand-built S&P
/// 500 dataset (`common`): every metric must equal, bit for bit, the
/// constants the native run produced. After the model branches merge, add
/// a random forest and an MLP entry here (their seeded training is what most
/// needs proving identical in the browser).
#[test]
fn walk_forward_metrics_are_bit_identical_across_platforms() {
    let data = common::sp500_dataset(600);
    let config = WalkForwardConfig {
        train_rows: 300,
        test_rows: 100,
        gap: 0,
        window: Window::Expanding,
        seed: 7,
        cost_bps: 5.0,
    };
    let expected: &[(&str, &[(&str, f64)])] = &[
        (
            "baseline_majority_class",
            &[
                ("accuracy", 0.5266666666666666),
                ("baseline_cumulative_return", -0.022051068248498007),
                ("baseline_exposure", 1.0),
                ("baseline_hit_rate", 0.5266666666666666),
                ("baseline_max_drawdown", 0.19778210423952866),
                ("baseline_sharpe", -0.03961383906536565),
                ("baseline_trades", 1.0),
                ("buy_and_hold_cumulative_return", -0.022051068248498007),
                ("buy_and_hold_exposure", 1.0),
                ("buy_and_hold_hit_rate", 0.5266666666666666),
                ("buy_and_hold_max_drawdown", 0.19778210423952866),
                ("buy_and_hold_sharpe", -0.03961383906536565),
                ("buy_and_hold_trades", 1.0),
                ("cumulative_return", -0.022051068248498007),
                ("exposure", 1.0),
                ("f1", 0.6899563318777293),
                ("hit_rate", 0.5266666666666666),
                ("log_loss", 0.6936497164016328),
                ("max_drawdown", 0.19778210423952866),
                ("n_folds", 3.0),
                ("n_test_rows", 300.0),
                ("precision", 0.5266666666666666),
                ("recall", 1.0),
                ("roc_auc", 0.44651453021929044),
                ("sharpe", -0.03961383906536565),
                ("trades", 1.0),
            ],
        ),
        (
            "baseline_mean_return",
            &[
                ("baseline_cumulative_return", -0.022051068248498007),
                ("baseline_exposure", 1.0),
                ("baseline_hit_rate", 0.5266666666666666),
                ("baseline_max_drawdown", 0.19778210423952866),
                ("baseline_sharpe", -0.03961383906536565),
                ("baseline_trades", 1.0),
                ("buy_and_hold_cumulative_return", -0.022051068248498007),
                ("buy_and_hold_exposure", 1.0),
                ("buy_and_hold_hit_rate", 0.5266666666666666),
                ("buy_and_hold_max_drawdown", 0.19778210423952866),
                ("buy_and_hold_sharpe", -0.03961383906536565),
                ("buy_and_hold_trades", 1.0),
                ("cumulative_return", -0.022051068248498007),
                ("exposure", 1.0),
                ("hit_rate", 0.5266666666666666),
                ("mae", 0.00669652710501811),
                ("max_drawdown", 0.19778210423952866),
                ("n_folds", 3.0),
                ("n_test_rows", 300.0),
                ("r2", -0.003485681412706443),
                ("rmse", 0.009950105980456765),
                ("sharpe", -0.03961383906536565),
                ("trades", 1.0),
            ],
        ),
    ];
    for (name, metrics) in expected {
        let model = entry(name).expect("catalog entry");
        let report = evaluate(&model, &data, &config, &|| false).expect("evaluates");
        let got = report.metrics();
        let mut listing = String::new();
        for (metric, value) in &got {
            listing.push_str(&format!("(\"{metric}\", {value:?}),\n"));
        }
        assert_eq!(got.len(), metrics.len(), "{name}: metrics now:\n{listing}");
        for (metric, value) in metrics.iter() {
            assert_eq!(
                got.get(*metric).map(|v| v.to_bits()),
                Some(value.to_bits()),
                "{name} {metric}: {:?} vs {value:?}",
                got.get(*metric)
            );
        }
    }
}
