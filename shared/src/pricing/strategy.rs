//! Multi-leg strategies: long and short calls, puts and the underlying,
//! valued together under one set of market inputs, with the combined payoff
//! at expiry, value today, Greeks, break-even points and the extremes of the
//! profit and loss.

use super::binomial::BinomialError;
use super::bsm::{Greeks, Valuation};
use super::inputs::{Field, InputError, OptionKind, OptionParams};
use super::Model;
use serde::{Deserialize, Serialize};

/// What one leg holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Instrument {
    /// A call option at the leg's strike.
    Call,
    /// A put option at the leg's strike.
    Put,
    /// The underlying itself (strike ignored).
    Underlying,
}

/// One position: an instrument and a signed quantity (negative = short).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Leg {
    /// What is held.
    pub instrument: Instrument,
    /// Strike of an option leg.
    pub strike: f64,
    /// Units held; negative for a short position.
    pub quantity: f64,
}

impl Leg {
    /// Checks the strike and quantity ranges (a zero quantity is rejected).
    pub fn validate(&self) -> Result<(), InputError> {
        if self.instrument != Instrument::Underlying {
            Field::Strike.check(self.strike)?;
        }
        Field::Quantity.check(self.quantity)?;
        if self.quantity == 0.0 {
            return Err(InputError::new(Field::Quantity, "must not be zero"));
        }
        Ok(())
    }

    /// Value at expiry of the whole leg when the underlying ends at `spot`.
    pub fn payoff(&self, spot: f64) -> f64 {
        self.quantity
            * match self.instrument {
                Instrument::Call => OptionKind::Call.payoff(spot, self.strike),
                Instrument::Put => OptionKind::Put.payoff(spot, self.strike),
                Instrument::Underlying => spot,
            }
    }
}

/// A named set of legs, as saved by the user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Strategy {
    /// Display name.
    pub name: String,
    /// The positions.
    pub legs: Vec<Leg>,
}

/// Value of one unit of `leg`'s instrument under `market` (a template whose
/// strike and kind are replaced by the leg's).
pub fn unit_valuation(
    leg: &Leg,
    market: &OptionParams,
    model: &Model,
) -> Result<Valuation, BinomialError> {
    let kind = match leg.instrument {
        Instrument::Underlying => {
            return Ok(Valuation {
                price: market.spot,
                greeks: Greeks {
                    delta: 1.0,
                    ..Greeks::default()
                },
            })
        }
        Instrument::Call => OptionKind::Call,
        Instrument::Put => OptionKind::Put,
    };
    let p = OptionParams {
        strike: leg.strike,
        kind,
        ..*market
    };
    super::valuation(&p, model)
}

/// Value and Greeks of the whole strategy (a net debit is positive).
pub fn valuation(
    legs: &[Leg],
    market: &OptionParams,
    model: &Model,
) -> Result<Valuation, BinomialError> {
    let mut total = Valuation::default();
    for leg in legs {
        let unit = unit_valuation(leg, market, model)?;
        total.price += leg.quantity * unit.price;
        total.greeks = total.greeks.plus(&unit.greeks.scaled(leg.quantity));
    }
    Ok(total)
}

/// Combined value at expiry (before subtracting the cost of entry).
pub fn payoff(legs: &[Leg], spot: f64) -> f64 {
    legs.iter().map(|leg| leg.payoff(spot)).sum()
}

/// The shape of the profit and loss at expiry, net of `cost`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PayoffProfile {
    /// Underlying prices at which the profit and loss crosses zero, ascending.
    pub break_evens: Vec<f64>,
    /// Largest profit, or `None` if unbounded as the underlying rises.
    pub max_profit: Option<f64>,
    /// Largest loss (as a negative number), or `None` if unbounded.
    pub max_loss: Option<f64>,
}

/// Break-evens and extremes of the expiry profit and loss. The payoff is
/// piecewise linear with kinks at the strikes, so it is exact: evaluate at 0,
/// at each strike, and read the slope beyond the highest strike.
pub fn profile(legs: &[Leg], cost: f64) -> PayoffProfile {
    let mut knots: Vec<f64> = legs
        .iter()
        .filter(|leg| leg.instrument != Instrument::Underlying)
        .map(|leg| leg.strike)
        .collect();
    knots.push(0.0);
    knots.sort_by(f64::total_cmp);
    knots.dedup();
    let pnl = |s: f64| payoff(legs, s) - cost;
    let last = *knots.last().unwrap_or(&0.0);
    let far_slope = pnl(last + 1.0) - pnl(last);
    let mut break_evens = Vec::new();
    for pair in knots.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (pa, pb) = (pnl(a), pnl(b));
        if pa == 0.0 && a > 0.0 {
            break_evens.push(a);
        }
        if (pa < 0.0 && pb > 0.0) || (pa > 0.0 && pb < 0.0) {
            break_evens.push(a + (b - a) * pa / (pa - pb));
        }
    }
    let p_last = pnl(last);
    if p_last == 0.0 && last > 0.0 {
        break_evens.push(last);
    } else if far_slope != 0.0 && (p_last < 0.0) == (far_slope > 0.0) {
        break_evens.push(last - p_last / far_slope);
    }
    let values: Vec<f64> = knots.iter().map(|&s| pnl(s)).collect();
    let best = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let worst = values.iter().copied().fold(f64::INFINITY, f64::min);
    PayoffProfile {
        break_evens,
        max_profit: (far_slope <= 1e-12).then_some(best),
        max_loss: (far_slope >= -1e-12).then_some(worst),
    }
}

/// Well-known strategies built around `spot`, with strikes on a grid of
/// `step` (for example 5 for a 100 underlying).
pub fn presets(spot: f64, step: f64) -> Vec<Strategy> {
    let atm = (spot / step).round() * step;
    let call = |strike: f64, quantity: f64| Leg {
        instrument: Instrument::Call,
        strike,
        quantity,
    };
    let put = |strike: f64, quantity: f64| Leg {
        instrument: Instrument::Put,
        strike,
        quantity,
    };
    let stock = |quantity: f64| Leg {
        instrument: Instrument::Underlying,
        strike: 0.0,
        quantity,
    };
    let named = |name: &str, legs: Vec<Leg>| Strategy {
        name: name.to_string(),
        legs,
    };
    vec![
        named("Covered call", vec![stock(1.0), call(atm + step, -1.0)]),
        named("Protective put", vec![stock(1.0), put(atm - step, 1.0)]),
        named("Long straddle", vec![call(atm, 1.0), put(atm, 1.0)]),
        named(
            "Long strangle",
            vec![call(atm + step, 1.0), put(atm - step, 1.0)],
        ),
        named(
            "Bull call spread",
            vec![call(atm, 1.0), call(atm + 2.0 * step, -1.0)],
        ),
        named(
            "Bear put spread",
            vec![put(atm, 1.0), put(atm - 2.0 * step, -1.0)],
        ),
        named(
            "Iron condor",
            vec![
                put(atm - 2.0 * step, 1.0),
                put(atm - step, -1.0),
                call(atm + step, -1.0),
                call(atm + 2.0 * step, 1.0),
            ],
        ),
        named(
            "Long butterfly",
            vec![
                call(atm - step, 1.0),
                call(atm, -2.0),
                call(atm + step, 1.0),
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::binomial::Exercise;
    use crate::pricing::bsm;

    fn market() -> OptionParams {
        OptionParams::new(100.0, 100.0, 0.25, 0.03, 0.0, 0.25, OptionKind::Call).unwrap()
    }

    const EUROPEAN: Model = Model {
        exercise: Exercise::European,
        steps: 200,
    };

    #[test]
    fn straddle_break_evens_are_strike_plus_minus_cost() {
        let legs = &presets(100.0, 5.0)[2].legs;
        let cost = valuation(legs, &market(), &EUROPEAN).unwrap().price;
        let profile = profile(legs, cost);
        assert_eq!(profile.break_evens.len(), 2);
        assert!((profile.break_evens[0] - (100.0 - cost)).abs() < 1e-9);
        assert!((profile.break_evens[1] - (100.0 + cost)).abs() < 1e-9);
        assert_eq!(profile.max_profit, None);
        assert!((profile.max_loss.unwrap() + cost).abs() < 1e-9);
    }

    #[test]
    fn iron_condor_is_bounded_both_ways() {
        let legs = &presets(100.0, 5.0)[6].legs;
        let credit = -valuation(legs, &market(), &EUROPEAN).unwrap().price;
        assert!(credit > 0.0, "an iron condor is opened for a credit");
        let profile = profile(legs, -credit);
        assert!((profile.max_profit.unwrap() - credit).abs() < 1e-9);
        assert!((profile.max_loss.unwrap() - (credit - 5.0)).abs() < 1e-9);
        assert_eq!(profile.break_evens.len(), 2);
    }

    #[test]
    fn covered_call_delta_is_one_minus_call_delta() {
        let legs = &presets(100.0, 5.0)[0].legs;
        let total = valuation(legs, &market(), &EUROPEAN).unwrap();
        let call = bsm::valuation(&OptionParams {
            strike: 105.0,
            ..market()
        });
        assert!((total.greeks.delta - (1.0 - call.greeks.delta)).abs() < 1e-12);
        assert!((total.price - (100.0 - call.price)).abs() < 1e-12);
    }

    #[test]
    fn zero_quantity_is_rejected() {
        let leg = Leg {
            instrument: Instrument::Call,
            strike: 100.0,
            quantity: 0.0,
        };
        assert_eq!(leg.validate().unwrap_err().field, Field::Quantity);
    }
}
