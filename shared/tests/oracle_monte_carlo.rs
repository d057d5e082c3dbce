//! Monte Carlo estimates against exact prices and QuantLib, and the
//! behaviour of their standard errors.
//!
//! References:
//! * European: the crate's Black-Scholes-Merton price, itself pinned to
//!   QuantLib and to a 50-digit closed form in `oracle_bsm.rs`.
//! * Discrete geometric Asian: QuantLib 1.44's
//!   `AnalyticDiscreteGeometricAveragePriceAsianEngine`, which also checks our
//!   own closed form `geometric_asian_price` to 1e-10.
//! * Discrete arithmetic Asian: QuantLib 1.44's `MCDiscreteArithmeticAPEngine`
//!   (pseudo-random, antithetic, geometric control variate, 2,000,000
//!   samples, seed 20250115) with its reported error estimate.
//!
//! Both Asian tables come from `tests/reference/quantlib_reference.py`
//! (`tests/reference/asian_quantlib.rs`): fixings every `fixing_gap_days`
//! calendar days, the last at expiry, Actual365Fixed, so our equally spaced
//! fixings at T/m, 2T/m, ..., T are exactly QuantLib's.
//!
//! Every simulation uses a fixed seed, so each assertion is deterministic;
//! the 3.5 standard-error bands would be crossed by chance with probability
//! 5e-4 per estimate for a correct simulator, while a wrong drift, variance
//! or discounting moves the estimate by tens of standard errors.

use shared::pricing::monte_carlo::{self, geometric_asian_price, McConfig, McEstimate, McPayoff};
use shared::pricing::{bsm, OptionKind, OptionParams};

/// One discrete Asian option and QuantLib's values for it.
struct AsianCase {
    name: &'static str,
    kind: OptionKind,
    spot: f64,
    strike: f64,
    fixing_gap_days: u32,
    fixings: usize,
    rate: f64,
    dividend_yield: f64,
    volatility: f64,
    /// AnalyticDiscreteGeometricAveragePriceAsianEngine.
    geometric: f64,
    /// MCDiscreteArithmeticAPEngine estimate.
    arithmetic: f64,
    /// Its error estimate (one standard error).
    arithmetic_error: f64,
}

include!("reference/asian_quantlib.rs");

const PATHS: usize = 1_000_000;
const BAND: f64 = 3.5;

fn params(c: &AsianCase) -> OptionParams {
    let days = c.fixing_gap_days as usize * c.fixings;
    OptionParams::new(
        c.spot,
        c.strike,
        days as f64 / 365.0,
        c.rate,
        c.dividend_yield,
        c.volatility,
        c.kind,
    )
    .unwrap()
}

fn simulate(
    p: &OptionParams,
    payoff: McPayoff,
    paths: usize,
    seed: u64,
    antithetic: bool,
) -> McEstimate {
    monte_carlo::price(
        p,
        payoff,
        &McConfig {
            paths,
            seed,
            antithetic,
        },
    )
    .unwrap()
}

fn assert_within_band(what: &str, estimate: &McEstimate, exact: f64, extra_error: f64) {
    let error = estimate.std_error.hypot(extra_error);
    let z = (estimate.price - exact) / error;
    println!("{what}: {} vs {exact}: z = {z:.2}", estimate.price);
    assert!(
        z.abs() <= BAND,
        "{what}: estimate {} vs {exact}, {z:.2} standard errors (se {:e})",
        estimate.price,
        error
    );
}

#[test]
fn geometric_asian_closed_form_matches_quantlib() {
    for c in QUANTLIB_ASIAN {
        let ours = geometric_asian_price(&params(c), c.fixings);
        assert!(
            (ours / c.geometric - 1.0).abs() < 1e-10,
            "{}: {ours} vs QuantLib {}",
            c.name,
            c.geometric
        );
    }
}

#[test]
fn european_estimate_within_band_of_black_scholes() {
    let cases = [
        (100.0, 100.0, 1.0, 0.05, 0.0, 0.2, OptionKind::Call),
        (100.0, 110.0, 0.5, 0.03, 0.01, 0.3, OptionKind::Put),
        (100.0, 130.0, 0.25, 0.02, 0.0, 0.25, OptionKind::Call),
        (50.0, 40.0, 2.0, -0.01, 0.02, 0.45, OptionKind::Put),
    ];
    for (i, &(s, k, t, r, q, v, kind)) in cases.iter().enumerate() {
        let p = OptionParams::new(s, k, t, r, q, v, kind).unwrap();
        let estimate = simulate(&p, McPayoff::European, PATHS, 1000 + i as u64, true);
        assert_eq!(estimate.paths, PATHS);
        assert_within_band(&format!("{p:?}"), &estimate, bsm::price(&p), 0.0);
    }
}

#[test]
fn geometric_asian_estimate_within_band_of_closed_form() {
    for (i, c) in QUANTLIB_ASIAN.iter().enumerate() {
        let payoff = McPayoff::GeometricAsian { fixings: c.fixings };
        let estimate = simulate(&params(c), payoff, PATHS, 2000 + i as u64, true);
        assert_within_band(c.name, &estimate, c.geometric, 0.0);
    }
}

#[test]
fn arithmetic_asian_estimate_within_band_of_quantlib() {
    for (i, c) in QUANTLIB_ASIAN.iter().enumerate() {
        let payoff = McPayoff::ArithmeticAsian { fixings: c.fixings };
        let estimate = simulate(&params(c), payoff, PATHS, 3000 + i as u64, true);
        // Independent estimates: their errors add in quadrature.
        assert_within_band(c.name, &estimate, c.arithmetic, c.arithmetic_error);
        // The arithmetic mean dominates the geometric one (AM-GM), so a call
        // on it is worth more and a put less.
        match c.kind {
            OptionKind::Call => assert!(c.arithmetic > c.geometric),
            OptionKind::Put => assert!(c.arithmetic < c.geometric),
        }
    }
}

/// Antithetic pairs average f(Z) and f(-Z): the standard error at a given
/// path count is sqrt(1 + rho) times the plain one, rho = corr(f(Z), f(-Z)).
/// For payoffs that are nearly linear in Z (in the money) rho is close to
/// -1 and the error at least halves (measured ratios 0.13-0.34).
#[test]
fn antithetic_at_least_halves_error_in_the_money() {
    let itm = [
        (80.0, OptionKind::Call, McPayoff::European),
        (120.0, OptionKind::Put, McPayoff::European),
        (
            80.0,
            OptionKind::Call,
            McPayoff::ArithmeticAsian { fixings: 12 },
        ),
        (
            120.0,
            OptionKind::Put,
            McPayoff::GeometricAsian { fixings: 12 },
        ),
    ];
    for (strike, kind, payoff) in itm {
        let p = OptionParams::new(100.0, strike, 1.0, 0.05, 0.0, 0.2, kind).unwrap();
        let anti = simulate(&p, payoff, 200_000, 7, true);
        let plain = simulate(&p, payoff, 200_000, 7, false);
        let ratio = anti.std_error / plain.std_error;
        println!("{kind:?} K={strike} {payoff:?}: antithetic/plain = {ratio:.3}");
        assert!(
            ratio <= 0.5,
            "{kind:?} K={strike} {payoff:?}: ratio {ratio}"
        );
    }
}

/// At the money the payoff is far from linear and rho is only about -0.5, so
/// the gain is about 1/sqrt(2) (measured 0.70), not a half; but for a
/// monotone payoff rho <= 0 always, so antithetic pairs never do worse.
#[test]
fn antithetic_helps_at_the_money_too() {
    for kind in [OptionKind::Call, OptionKind::Put] {
        let p = OptionParams::new(100.0, 100.0, 1.0, 0.05, 0.0, 0.2, kind).unwrap();
        let anti = simulate(&p, McPayoff::European, 200_000, 11, true);
        let plain = simulate(&p, McPayoff::European, 200_000, 11, false);
        let ratio = anti.std_error / plain.std_error;
        assert!(ratio < 0.8, "{kind:?}: ratio {ratio}");
    }
}

#[test]
fn standard_error_shrinks_like_inverse_square_root_of_paths() {
    let p = OptionParams::new(100.0, 105.0, 0.5, 0.03, 0.0, 0.25, OptionKind::Call).unwrap();
    for antithetic in [false, true] {
        let se = |paths: usize| simulate(&p, McPayoff::European, paths, 5, antithetic).std_error;
        let (n, n4, n16) = (se(25_000), se(100_000), se(400_000));
        // Each quadrupling halves the error; the sample standard deviation
        // itself is estimated to about 1%, so 10% bands are generous.
        assert!((n4 / n - 0.5).abs() < 0.05, "{n4} / {n}");
        assert!((n16 / n4 - 0.5).abs() < 0.05, "{n16} / {n4}");
    }
}

/// The reported standard error is the true spread of the estimator: across
/// 40 seeds, the z-scores against the exact price have mean square close to
/// 1 (chi-square with 40 degrees of freedom / 40: mean 1, sd 0.22) and the
/// 95% intervals cover the exact price in about 38 of 40 runs.
#[test]
fn standard_error_is_calibrated_across_seeds() {
    let p = OptionParams::new(100.0, 95.0, 0.75, 0.04, 0.01, 0.3, OptionKind::Put).unwrap();
    let exact = bsm::price(&p);
    let mut sum_z2 = 0.0;
    let mut covered = 0;
    for seed in 0..40 {
        let e = simulate(&p, McPayoff::European, 20_000, seed, true);
        let z = (e.price - exact) / e.std_error;
        sum_z2 += z * z;
        if e.ci_low <= exact && exact <= e.ci_high {
            covered += 1;
        }
        assert!(((e.ci_high - e.price) / e.std_error - 1.959_963_984_540_054).abs() < 1e-9);
    }
    let mean_z2 = sum_z2 / 40.0;
    println!("mean z^2 {mean_z2:.3}, {covered} of 40 intervals cover");
    assert!((0.5..=1.6).contains(&mean_z2), "mean z^2 = {mean_z2}");
    assert!(
        covered >= 34,
        "95% intervals covered the price {covered} times of 40"
    );
}
