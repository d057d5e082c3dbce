//! Multi-leg strategies: the preset strategies' expiry payoffs against
//! payoffs worked out by hand, strategy values and Greeks against the
//! quantity-weighted sum of independently priced legs, and the profit and
//! loss extremes of vertical spreads and protective positions against their
//! textbook formulas (Hull, OFOD, ch. 12: a bull spread's profit is capped
//! at the strike width less its cost and its loss at the cost; a covered
//! call's at the upper strike less the net cost; a protective put's loss at
//! spot plus premium less the put's strike).

use proptest::prelude::*;
use shared::pricing::binomial::{self, Exercise};
use shared::pricing::strategy::{self, presets, profile, Instrument, Leg};
use shared::pricing::{bsm, Greeks, Model, OptionKind, OptionParams, Valuation};

const EUROPEAN: Model = Model {
    exercise: Exercise::European,
    steps: 0,
};

fn market() -> OptionParams {
    OptionParams::new(100.0, 100.0, 0.5, 0.04, 0.01, 0.3, OptionKind::Call).unwrap()
}

fn preset(name: &str) -> Vec<Leg> {
    presets(100.0, 5.0)
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no preset named {name}"))
        .legs
}

/// Expiry payoffs at spots 0, 80, 90, 95, 97, 100, 103, 105, 110, 120, 200,
/// worked out by hand from each preset's definition around spot 100 with
/// strikes every 5.
#[test]
fn preset_payoffs_equal_hand_computed_values() {
    let spots = [
        0.0, 80.0, 90.0, 95.0, 97.0, 100.0, 103.0, 105.0, 110.0, 120.0, 200.0,
    ];
    let table: [(&str, [f64; 11]); 8] = [
        // S - max(S - 105, 0)
        (
            "Covered call",
            [
                0.0, 80.0, 90.0, 95.0, 97.0, 100.0, 103.0, 105.0, 105.0, 105.0, 105.0,
            ],
        ),
        // S + max(95 - S, 0)
        (
            "Protective put",
            [
                95.0, 95.0, 95.0, 95.0, 97.0, 100.0, 103.0, 105.0, 110.0, 120.0, 200.0,
            ],
        ),
        // |S - 100|
        (
            "Long straddle",
            [
                100.0, 20.0, 10.0, 5.0, 3.0, 0.0, 3.0, 5.0, 10.0, 20.0, 100.0,
            ],
        ),
        // max(95 - S, 0) + max(S - 105, 0)
        (
            "Long strangle",
            [95.0, 15.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 15.0, 95.0],
        ),
        // max(S - 100, 0) - max(S - 110, 0)
        (
            "Bull call spread",
            [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 5.0, 10.0, 10.0, 10.0],
        ),
        // max(100 - S, 0) - max(90 - S, 0)
        (
            "Bear put spread",
            [10.0, 10.0, 10.0, 5.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ),
        // max(90 - S, 0) - max(95 - S, 0) - max(S - 105, 0) + max(S - 110, 0)
        (
            "Iron condor",
            [-5.0, -5.0, -5.0, 0.0, 0.0, 0.0, 0.0, 0.0, -5.0, -5.0, -5.0],
        ),
        // max(S - 95, 0) - 2 max(S - 100, 0) + max(S - 105, 0)
        (
            "Long butterfly",
            [0.0, 0.0, 0.0, 0.0, 2.0, 5.0, 2.0, 0.0, 0.0, 0.0, 0.0],
        ),
    ];
    assert_eq!(presets(100.0, 5.0).len(), table.len());
    for (name, expected) in table {
        let legs = preset(name);
        for (&spot, &want) in spots.iter().zip(&expected) {
            let got = strategy::payoff(&legs, spot);
            assert!(
                (got - want).abs() < 1e-12,
                "{name} at {spot}: {got}, by hand {want}"
            );
            // And it is the sum of its legs' own payoffs.
            let sum: f64 = legs.iter().map(|leg| leg.payoff(spot)).sum();
            assert_eq!(got, sum);
        }
    }
}

/// Each leg priced on its own, straight from `bsm::valuation` (or the tree),
/// times its quantity.
fn sum_of_legs(legs: &[Leg], market: &OptionParams, american: Option<usize>) -> Valuation {
    let mut total = Valuation::default();
    for leg in legs {
        let unit = match leg.instrument {
            Instrument::Underlying => Valuation {
                price: market.spot,
                greeks: Greeks {
                    delta: 1.0,
                    ..Greeks::default()
                },
            },
            Instrument::Call | Instrument::Put => {
                let kind = if leg.instrument == Instrument::Call {
                    OptionKind::Call
                } else {
                    OptionKind::Put
                };
                let p = OptionParams {
                    strike: leg.strike,
                    kind,
                    ..*market
                };
                match american {
                    None => bsm::valuation(&p),
                    Some(steps) => {
                        let r = binomial::valuation(&p, Exercise::American, steps).unwrap();
                        Valuation {
                            price: r.price,
                            greeks: r.greeks,
                        }
                    }
                }
            }
        };
        total.price += leg.quantity * unit.price;
        let g = &mut total.greeks;
        g.delta += leg.quantity * unit.greeks.delta;
        g.gamma += leg.quantity * unit.greeks.gamma;
        g.vega += leg.quantity * unit.greeks.vega;
        g.theta += leg.quantity * unit.greeks.theta;
        g.rho += leg.quantity * unit.greeks.rho;
    }
    total
}

fn assert_same_valuation(what: &str, got: &Valuation, want: &Valuation) {
    let pairs = [
        ("price", got.price, want.price),
        ("delta", got.greeks.delta, want.greeks.delta),
        ("gamma", got.greeks.gamma, want.greeks.gamma),
        ("vega", got.greeks.vega, want.greeks.vega),
        ("theta", got.greeks.theta, want.greeks.theta),
        ("rho", got.greeks.rho, want.greeks.rho),
    ];
    for (name, a, b) in pairs {
        assert!(
            (a - b).abs() <= 1e-12 * b.abs().max(1.0),
            "{what}: {name} {a} vs sum of legs {b}"
        );
    }
}

#[test]
fn preset_values_and_greeks_are_sums_of_leg_values() {
    let market = market();
    for s in presets(100.0, 5.0) {
        let got = strategy::valuation(&s.legs, &market, &EUROPEAN).unwrap();
        assert_same_valuation(&s.name, &got, &sum_of_legs(&s.legs, &market, None));
    }
}

#[test]
fn american_preset_greeks_are_sums_of_tree_leg_greeks() {
    let market = market();
    let model = Model {
        exercise: Exercise::American,
        steps: 200,
    };
    for s in presets(100.0, 5.0) {
        let got = strategy::valuation(&s.legs, &market, &model).unwrap();
        assert_same_valuation(&s.name, &got, &sum_of_legs(&s.legs, &market, Some(200)));
    }
}

/// A straddle's delta is N(d1) e^-qT + (N(d1) - 1) e^-qT and its gamma and
/// vega twice a single option's: the sum rule seen on known closed forms.
#[test]
fn straddle_greeks_are_call_plus_put() {
    let market = market();
    let got = strategy::valuation(&preset("Long straddle"), &market, &EUROPEAN)
        .unwrap()
        .greeks;
    let call = bsm::valuation(&market).greeks;
    let carry = market.dividend_discount();
    assert!((got.delta - (2.0 * call.delta - carry)).abs() < 1e-14);
    assert!((got.gamma - 2.0 * call.gamma).abs() < 1e-14);
    assert!((got.vega - 2.0 * call.vega).abs() < 1e-12);
}

#[test]
fn bull_call_spread_profit_capped_at_width_less_cost() {
    let legs = preset("Bull call spread");
    let market = market();
    let cost = strategy::valuation(&legs, &market, &EUROPEAN)
        .unwrap()
        .price;
    // A debit below the discounted width (no-arbitrage).
    assert!(cost > 0.0 && cost < 10.0 * market.discount(), "cost {cost}");
    let pnl = profile(&legs, cost);
    assert!((pnl.max_profit.unwrap() - (10.0 - cost)).abs() < 1e-12);
    assert!((pnl.max_loss.unwrap() + cost).abs() < 1e-12);
    assert_eq!(pnl.break_evens.len(), 1);
    assert!((pnl.break_evens[0] - (100.0 + cost)).abs() < 1e-9);
}

#[test]
fn bear_put_spread_profit_capped_at_width_less_cost() {
    let legs = preset("Bear put spread");
    let market = market();
    let cost = strategy::valuation(&legs, &market, &EUROPEAN)
        .unwrap()
        .price;
    assert!(cost > 0.0 && cost < 10.0 * market.discount(), "cost {cost}");
    let pnl = profile(&legs, cost);
    assert!((pnl.max_profit.unwrap() - (10.0 - cost)).abs() < 1e-12);
    assert!((pnl.max_loss.unwrap() + cost).abs() < 1e-12);
    assert_eq!(pnl.break_evens.len(), 1);
    assert!((pnl.break_evens[0] - (100.0 - cost)).abs() < 1e-9);
}

#[test]
fn covered_call_and_protective_put_extremes() {
    let market = market();
    let covered = preset("Covered call");
    let cost = strategy::valuation(&covered, &market, &EUROPEAN)
        .unwrap()
        .price;
    let pnl = profile(&covered, cost);
    // Capped at the call's strike less the net cost; lose it all at zero.
    assert!((pnl.max_profit.unwrap() - (105.0 - cost)).abs() < 1e-12);
    assert!((pnl.max_loss.unwrap() + cost).abs() < 1e-12);
    assert!((pnl.break_evens[0] - cost).abs() < 1e-9);

    let protective = preset("Protective put");
    let cost = strategy::valuation(&protective, &market, &EUROPEAN)
        .unwrap()
        .price;
    let pnl = profile(&protective, cost);
    // Unbounded upside; the loss floor is the put's strike less the cost.
    assert_eq!(pnl.max_profit, None);
    assert!((pnl.max_loss.unwrap() - (95.0 - cost)).abs() < 1e-12);
}

fn instrument() -> impl Strategy<Value = Instrument> {
    prop_oneof![
        Just(Instrument::Call),
        Just(Instrument::Put),
        Just(Instrument::Underlying)
    ]
}

fn leg() -> impl Strategy<Value = Leg> {
    (instrument(), 50.0f64..150.0, -5.0f64..5.0).prop_map(|(instrument, strike, quantity)| Leg {
        instrument,
        strike,
        quantity,
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any set of up to six legs: payoff, value and Greeks add up leg by leg.
    #[test]
    fn arbitrary_strategies_add_up(
        legs in proptest::collection::vec(leg(), 1..6),
        spot in 0.0f64..300.0,
        vol in 0.05f64..1.0,
        years in 0.01f64..3.0,
    ) {
        let hand: f64 = legs
            .iter()
            .map(|leg| {
                leg.quantity
                    * match leg.instrument {
                        Instrument::Call => (spot - leg.strike).max(0.0),
                        Instrument::Put => (leg.strike - spot).max(0.0),
                        Instrument::Underlying => spot,
                    }
            })
            .sum();
        prop_assert!((strategy::payoff(&legs, spot) - hand).abs() <= 1e-9);
        let market = OptionParams::new(100.0, 100.0, years, 0.03, 0.01, vol, OptionKind::Call).unwrap();
        let got = strategy::valuation(&legs, &market, &EUROPEAN).unwrap();
        assert_same_valuation("random legs", &got, &sum_of_legs(&legs, &market, None));
    }
}
