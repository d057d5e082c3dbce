//! Model-free properties of European prices, Greeks and implied volatility,
//! checked with proptest over wide random inputs, plus a deterministic grid
//! of implied-volatility round trips, plus "never panics" fuzzing of every
//! entry point that takes user input.
//!
//! The reference for each property is a theorem, not a number:
//! * put-call parity C - P = S e^-qT - K e^-rT and the no-arbitrage bounds
//!   of `bsm::price_bounds` (Merton 1973; Hull, OFOD, ch. 11);
//! * monotonicity: calls rise with spot and fall with strike, puts the
//!   reverse, both rise with volatility, and calls rise with time to expiry
//!   when q = 0 and r >= 0 (Merton 1973);
//! * Greek signs: call delta in [0, e^-qT], put delta in [-e^-qT, 0],
//!   gamma >= 0, vega >= 0;
//! * implied volatility inverts the price: price -> vol -> price and
//!   vol -> price -> vol agree to 1e-10 relative.
//!
//! Implied-volatility round trips (measured on the grid test below, which
//! prints them: 13,000 options within 3 standard deviations of the forward
//! and 60,000 far out of the money, 1 day to 10 years, vols 1% to 300%):
//! price -> vol -> price worst 3.6e-13 near the money and 4.4e-11 far out of
//! the money; vol -> price -> vol worst 2.9e-11 and 5.2e-14. Before
//! `bsm::price` fell back to Jaeckel's formula where its two terms cancel,
//! the far out-of-the-money price round trip was off by up to 1.0e-8.
//!
//! Cases skipped, and why:
//! * prices below 1e-250: a few more orders and the price underflows to
//!   subnormals and zero, where no volatility can be recovered;
//! * prices equal to a no-arbitrage bound in floating point (the time value
//!   is below the rounding of the intrinsic value): `implied_volatility`
//!   rightly reports the bound, and no round trip exists;
//! * vol -> price -> vol only: when eps * price / (vega * sigma) > 1e-11, a
//!   double-precision price does not determine sigma to 1e-10 whatever the
//!   solver (the price is within about 1e-8 of its upper bound S e^-qT: in
//!   the money with sigma sqrt(T) above about 2.5). The price -> vol -> price
//!   direction is still checked there;
//! * (grid only) prices above 1e9, the cap on market prices: a put with a
//!   strike near the 1e9 cap on strikes and a negative rate is worth more
//!   than that, and `implied_volatility` rejects such a price as
//!   `InvalidPrice`.

use proptest::prelude::*;
use shared::pricing::{bsm, implied_volatility, Field, ImpliedVolError, OptionKind, OptionParams};

/// `cases` random cases per property (or `PROPTEST_CASES` if set, for a
/// longer hunt), fresh inputs on every run. Failures
/// are not persisted to a file (integration tests have no lib.rs for
/// proptest to sit a regressions directory beside); the failure message
/// carries the shrunk input.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn kind() -> impl Strategy<Value = OptionKind> {
    prop_oneof![Just(OptionKind::Call), Just(OptionKind::Put)]
}

/// Log-uniform on [lo, hi].
fn log_uniform(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (lo.ln()..hi.ln()).prop_map(f64::exp)
}

prop_compose! {
    /// Any valid option: spot 1..10,000, strike within e^+-1.5 of spot,
    /// 1 day to 10 years, rates -5%..15%, yields -5%..10%, vols 1%..300%.
    fn option()(
        spot in log_uniform(1.0, 1e4),
        log_moneyness in -1.5f64..1.5,
        days in log_uniform(1.0, 3650.0),
        rate in -0.05f64..0.15,
        dividend_yield in -0.05f64..0.10,
        volatility in log_uniform(0.01, 3.0),
        kind in kind(),
    ) -> OptionParams {
        OptionParams::new(
            spot,
            spot * log_moneyness.exp(),
            days / 365.0,
            rate,
            dividend_yield,
            volatility,
            kind,
        )
        .unwrap()
    }
}

prop_compose! {
    /// An option whose strike is `z` standard deviations from the forward:
    /// K = F exp(z sigma sqrt(T)), spot 100; `z` is pulled in where that
    /// strike would leave [1e-6, 1e8] (so prices stay below the 1e9 cap on
    /// market prices, see `round_trip`).
    fn option_at_z(z_range: std::ops::Range<f64>)(
        z in z_range,
        days in log_uniform(1.0, 3650.0),
        rate in -0.05f64..0.15,
        dividend_yield in -0.05f64..0.10,
        volatility in log_uniform(0.01, 3.0),
        kind in kind(),
    ) -> OptionParams {
        strike_at_z(z, days / 365.0, rate, dividend_yield, volatility, kind)
    }
}

fn strike_at_z(
    z: f64,
    years: f64,
    rate: f64,
    dividend_yield: f64,
    volatility: f64,
    kind: OptionKind,
) -> OptionParams {
    let forward = 100.0 * ((rate - dividend_yield) * years).exp();
    let deviation = volatility * years.sqrt();
    let z = z.clamp(
        (1e-6 / forward).ln() / deviation,
        (1e8 / forward).ln() / deviation,
    );
    let strike = forward * (z * deviation).exp();
    OptionParams::new(100.0, strike, years, rate, dividend_yield, volatility, kind).unwrap()
}

/// `b >= a` up to the last few bits of `a` (prices carry ~1e-12 relative
/// rounding, so an exact comparison of two nearly equal prices would test
/// rounding, not the model), and up to 1e-300 absolute: prices that small
/// are subnormal or about to be, with too few bits to order (a found case:
/// 5e-324 at one volatility, 0 at 1.001 times it).
fn not_below(b: f64, a: f64) -> bool {
    b >= a - 1e-12 * a.abs() - 1e-300
}

fn call(p: &OptionParams) -> f64 {
    bsm::price(&p.with_kind(OptionKind::Call))
}

fn put(p: &OptionParams) -> f64 {
    bsm::price(&p.with_kind(OptionKind::Put))
}

/// Both round trips for one option; `Err` describes a failure, `Ok(None)` a
/// documented skip, `Ok(Some((price error, vol error)))` the relative errors
/// (vol error `None` where the vol is not determined to 1e-10).
fn round_trip(p: &OptionParams) -> Result<Option<(f64, Option<f64>)>, String> {
    let price = bsm::price(p);
    let (lower, upper) = bsm::price_bounds(p);
    if price < 1e-250 || price <= lower || price >= upper {
        return Ok(None);
    }
    let vol = implied_volatility(price, p).map_err(|e| format!("{p:?}: price {price:e}: {e}"))?;
    let price_error = (bsm::price(&p.with_volatility(vol)) / price - 1.0).abs();
    let vega = bsm::valuation(p).greeks.vega;
    let determined = f64::EPSILON * price / (vega * p.volatility) <= 1e-11;
    let vol_error = determined.then(|| (vol / p.volatility - 1.0).abs());
    Ok(Some((price_error, vol_error)))
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn put_call_parity_holds(p in option()) {
        let forward_value = p.spot * p.dividend_discount() - p.strike * p.discount();
        let gap = call(&p) - put(&p) - forward_value;
        prop_assert!(gap.abs() <= 1e-9 * p.spot, "gap {gap:e} for {p:?}");
    }

    #[test]
    fn price_within_no_arbitrage_bounds(p in option()) {
        let (lower, upper) = bsm::price_bounds(&p);
        let price = bsm::price(&p);
        // The bounds and the price round differently; allow a few ulps of
        // the upper bound.
        let slack = 4.0 * f64::EPSILON * upper;
        prop_assert!(lower - slack <= price && price <= upper + slack,
            "{price} outside [{lower}, {upper}] for {p:?}");
        prop_assert!(price >= 0.0);
    }

    #[test]
    fn call_rises_and_put_falls_with_spot(p in option(), bump in 1.0001f64..1.5) {
        let up = p.with_spot(p.spot * bump);
        prop_assert!(not_below(call(&up), call(&p)), "{p:?}");
        prop_assert!(not_below(put(&p), put(&up)), "{p:?}");
    }

    #[test]
    fn call_falls_and_put_rises_with_strike(p in option(), bump in 1.0001f64..1.5) {
        let higher = OptionParams { strike: p.strike * bump, ..p };
        prop_assert!(not_below(call(&p), call(&higher)), "{p:?}");
        prop_assert!(not_below(put(&higher), put(&p)), "{p:?}");
    }

    #[test]
    fn both_rise_with_volatility(p in option(), bump in 1.0001f64..1.5) {
        let up = p.with_volatility(p.volatility * bump);
        prop_assert!(not_below(call(&up), call(&p)), "{p:?}");
        prop_assert!(not_below(put(&up), put(&p)), "{p:?}");
    }

    /// With q = 0 and r >= 0 a longer call is worth more (with r < 0 it is
    /// not: see `call_can_lose_value_with_time_when_rates_are_negative`).
    #[test]
    fn call_without_dividends_rises_with_time(
        p in option(), rate in 0.0f64..0.15, bump in 1.0001f64..1.5,
    ) {
        let p = OptionParams { rate, dividend_yield: 0.0, ..p };
        let longer = OptionParams { years: p.years * bump, ..p };
        prop_assert!(not_below(call(&longer), call(&p)), "{p:?}");
    }

    #[test]
    fn greeks_have_model_free_signs(p in option()) {
        let g = bsm::valuation(&p).greeks;
        let cap = p.dividend_discount();
        match p.kind {
            OptionKind::Call => prop_assert!((0.0..=cap).contains(&g.delta), "delta {} {p:?}", g.delta),
            OptionKind::Put => prop_assert!((-cap..=0.0).contains(&g.delta), "delta {} {p:?}", g.delta),
        }
        prop_assert!(g.gamma >= 0.0, "gamma {} {p:?}", g.gamma);
        prop_assert!(g.vega >= 0.0, "vega {} {p:?}", g.vega);
    }

    #[test]
    fn implied_vol_round_trips_near_the_money(p in option_at_z(-3.0..3.0)) {
        if let Some((price_error, vol_error)) = round_trip(&p).map_err(TestCaseError::fail)? {
            prop_assert!(price_error < 1e-10, "price error {price_error:e} for {p:?}");
            if let Some(vol_error) = vol_error {
                prop_assert!(vol_error < 1e-10, "vol error {vol_error:e} for {p:?}");
            }
        }
    }

    /// 3 to 38 standard deviations out of the money (prices down to 1e-250).
    #[test]
    fn implied_vol_round_trips_far_out_of_the_money(
        z in 3.0f64..38.0,
        days in log_uniform(1.0, 3650.0),
        rate in -0.05f64..0.15,
        dividend_yield in -0.05f64..0.10,
        volatility in log_uniform(0.01, 3.0),
        kind in kind(),
    ) {
        let z = if kind == OptionKind::Call { z } else { -z };
        let p = strike_at_z(z, days / 365.0, rate, dividend_yield, volatility, kind);
        if let Some((price_error, vol_error)) = round_trip(&p).map_err(TestCaseError::fail)? {
            prop_assert!(price_error < 1e-10, "price error {price_error:e} for {p:?}");
            if let Some(vol_error) = vol_error {
                prop_assert!(vol_error < 1e-10, "vol error {vol_error:e} for {p:?}");
            }
        }
    }
}

/// The deterministic counterpart of the two round-trip properties: every
/// combination of 8 expiries (1 day to 10 years), 9 vols (1% to 300%), 3
/// carry settings and strikes every 0.2 standard deviations from -40 to 40,
/// near the money (|z| <= 3) and on the out-of-the-money side beyond.
#[test]
fn implied_vol_round_trip_grid() {
    let mut worst_price: [f64; 2] = [0.0; 2];
    let mut worst_vol: [f64; 2] = [0.0; 2];
    let mut checked = [0usize; 2];
    for kind in [OptionKind::Call, OptionKind::Put] {
        for days in [1.0, 2.0, 7.0, 30.0, 91.0, 365.0, 1095.0, 3650.0] {
            for vol in [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0] {
                for (rate, dividend_yield) in [(0.05, 0.0), (-0.01, 0.03), (0.1, -0.02)] {
                    for i in 0..=400 {
                        let z = -40.0 + f64::from(i) * 0.2;
                        let far_otm = if kind == OptionKind::Call {
                            z > 3.0
                        } else {
                            z < -3.0
                        };
                        let region = if z.abs() <= 3.0 + 1e-9 {
                            0
                        } else if far_otm {
                            1
                        } else {
                            continue;
                        };
                        let years: f64 = days / 365.0;
                        let forward = 100.0 * ((rate - dividend_yield) * years).exp();
                        let strike = forward * (z * vol * years.sqrt()).exp();
                        let Ok(p) = OptionParams::new(
                            100.0,
                            strike,
                            years,
                            rate,
                            dividend_yield,
                            vol,
                            kind,
                        ) else {
                            continue; // strike beyond 1e9
                        };
                        // Put prices above 1e9 are not valid market prices.
                        if bsm::price(&p) > 1e9 {
                            continue;
                        }
                        let Some((price_error, vol_error)) = round_trip(&p).unwrap() else {
                            continue;
                        };
                        checked[region] += 1;
                        worst_price[region] = worst_price[region].max(price_error);
                        worst_vol[region] = worst_vol[region].max(vol_error.unwrap_or(0.0));
                        assert!(price_error < 1e-10, "price error {price_error:e} for {p:?}");
                        assert!(
                            vol_error.unwrap_or(0.0) < 1e-10,
                            "vol error {vol_error:?} for {p:?}"
                        );
                    }
                }
            }
        }
    }
    println!(
        "near the money: {} options, worst price {:e}, vol {:e}; far OTM: {} options, worst price {:e}, vol {:e}",
        checked[0], worst_price[0], worst_vol[0], checked[1], worst_price[1], worst_vol[1]
    );
    assert!(checked[0] > 12_000 && checked[1] > 50_000, "{checked:?}");
}

/// Why time monotonicity needs r >= 0: deep in the money a call is close to
/// S - K e^-rT, which falls with T when r < 0.
#[test]
fn call_can_lose_value_with_time_when_rates_are_negative() {
    let short = OptionParams::new(100.0, 50.0, 1.0, -0.05, 0.0, 0.1, OptionKind::Call).unwrap();
    let long = OptionParams {
        years: 5.0,
        ..short
    };
    assert!(bsm::price(&long) < bsm::price(&short));
}

proptest! {
    #![proptest_config(config(2000))]

    /// Any text: never a panic; a success is a finite number in range.
    #[test]
    fn field_parse_never_panics_on_text(text in ".{0,40}") {
        for field in [Field::Spot, Field::Strike, Field::ExpiryDays, Field::Rate,
                      Field::DividendYield, Field::Volatility, Field::MarketPrice,
                      Field::Steps, Field::Paths, Field::Fixings, Field::Quantity] {
            if let Ok(v) = field.parse(&text) {
                prop_assert!(v.is_finite() && field.range().contains(v));
            }
        }
    }

    /// Any f64 written out (NaN, infinities, subnormals, huge): accepted
    /// exactly when finite and in range.
    #[test]
    fn field_parse_accepts_exactly_the_range(x in proptest::num::f64::ANY) {
        for field in [Field::Spot, Field::ExpiryDays, Field::Rate, Field::Volatility,
                      Field::MarketPrice, Field::Quantity] {
            let parsed = field.parse(&x.to_string());
            prop_assert_eq!(parsed.is_ok(), x.is_finite() && field.range().contains(x));
            if let Ok(v) = parsed {
                prop_assert_eq!(v, x);
            }
        }
    }

    #[test]
    fn option_params_new_never_panics(
        spot in proptest::num::f64::ANY,
        strike in proptest::num::f64::ANY,
        years in proptest::num::f64::ANY,
        rate in proptest::num::f64::ANY,
        dividend_yield in proptest::num::f64::ANY,
        volatility in proptest::num::f64::ANY,
        kind in kind(),
    ) {
        if let Ok(p) = OptionParams::new(spot, strike, years, rate, dividend_yield, volatility, kind) {
            prop_assert_eq!(p.validated(), Ok(p));
            prop_assert!(bsm::price(&p).is_finite());
        }
    }

    /// Any f64 as the market price of a valid option: never a panic, never
    /// NaN; invalid prices are named as such, and a returned vol reprices.
    #[test]
    fn implied_vol_never_panics_on_any_price(p in option(), price in proptest::num::f64::ANY) {
        match implied_volatility(price, &p) {
            Ok(vol) => {
                prop_assert!(vol > 0.0 && vol <= 5.0);
                let back = bsm::price(&p.with_volatility(vol));
                prop_assert!((back / price - 1.0).abs() < 1e-8, "{price} -> {vol} -> {back}");
            }
            Err(ImpliedVolError::InvalidPrice) => {
                prop_assert!(!(price.is_finite() && price > 0.0 && price <= 1e9));
            }
            Err(_) => prop_assert!(price.is_finite() && price > 0.0),
        }
    }

    /// Even parameters that bypassed validation (the fields are public)
    /// make pricing and implied volatility return, not panic.
    #[test]
    fn unvalidated_params_never_panic(
        spot in proptest::num::f64::ANY,
        strike in proptest::num::f64::ANY,
        years in proptest::num::f64::ANY,
        rate in proptest::num::f64::ANY,
        dividend_yield in proptest::num::f64::ANY,
        volatility in proptest::num::f64::ANY,
        price in proptest::num::f64::ANY,
        kind in kind(),
    ) {
        let p = OptionParams { spot, strike, years, rate, dividend_yield, volatility, kind };
        let _ = bsm::price(&p);
        let _ = bsm::valuation(&p);
        let _ = bsm::price_bounds(&p);
        let _ = implied_volatility(price, &p);
    }
}
