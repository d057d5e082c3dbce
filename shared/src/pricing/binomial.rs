//! Cox-Ross-Rubinstein binomial trees for European and American options.
//!
//! Delta, gamma and theta are read off the first two levels of the tree;
//! vega and rho come from central differences of repriced trees, so all
//! Greeks are consistent with the tree's own price.

use super::bsm::Greeks;
use super::inputs::{Field, InputError, OptionKind, OptionParams};
use serde::{Deserialize, Serialize};

/// Exercise style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Exercise {
    /// Exercise only at expiry.
    European,
    /// Exercise at any time up to expiry.
    American,
}

/// A binomial valuation with the step count it used.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BinomialResult {
    /// Present value.
    pub price: f64,
    /// Sensitivities (delta, gamma, theta from the tree; vega, rho by bumping).
    pub greeks: Greeks,
    /// Time steps in the tree.
    pub steps: usize,
}

/// Why a tree cannot be built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BinomialError {
    /// The step count is outside its range.
    #[error(transparent)]
    Steps(#[from] InputError),
    /// With so few steps the up-move probability leaves [0, 1]
    /// (carry is large against volatility); more steps fix it.
    #[error("binomial steps: {steps} steps give a risk-neutral probability of {probability:.4}, outside [0, 1]; use more steps")]
    Probability {
        /// Steps requested.
        steps: usize,
        /// The offending probability.
        probability: f64,
    },
}

/// CRR tree parameters for one step size.
struct Lattice {
    up: f64,
    down: f64,
    p_up: f64,
    step_discount: f64,
}

impl Lattice {
    fn new(p: &OptionParams, steps: usize) -> Result<Lattice, BinomialError> {
        Field::Steps.check(steps as f64)?;
        let dt = p.years / steps as f64;
        let up = (p.volatility * dt.sqrt()).exp();
        let down = 1.0 / up;
        let growth = ((p.rate - p.dividend_yield) * dt).exp();
        let p_up = (growth - down) / (up - down);
        if !(0.0..=1.0).contains(&p_up) || !p_up.is_finite() {
            return Err(BinomialError::Probability {
                steps,
                probability: p_up,
            });
        }
        Ok(Lattice {
            up,
            down,
            p_up,
            step_discount: (-p.rate * dt).exp(),
        })
    }
}

/// Option values at the nodes of levels 0, 1 and 2 of a rolled-back tree.
struct EarlyLevels {
    /// Up and down factors of the tree.
    up: f64,
    down: f64,
    root: f64,
    level1: [f64; 2],
    level2: [f64; 3],
}

fn roll_back(
    p: &OptionParams,
    steps: usize,
    exercise: Exercise,
) -> Result<EarlyLevels, BinomialError> {
    let lattice = Lattice::new(p, steps)?;
    let weight_up = lattice.step_discount * lattice.p_up;
    let weight_down = lattice.step_discount * (1.0 - lattice.p_up);
    // Node (level i, j up-moves) has spot S u^(2j - i). Exercise values of
    // every power u^(k - steps), k = 0..=2 steps, split by parity of k so
    // each level reads one contiguous run: k = steps - i + 2j.
    let mut even = Vec::with_capacity(steps + 1);
    let mut odd = Vec::with_capacity(steps + 1);
    let mut node_spot = p.spot * lattice.down.powi(steps as i32);
    for k in 0..=2 * steps {
        let value = p.kind.payoff(node_spot, p.strike);
        if k.is_multiple_of(2) {
            even.push(value);
        } else {
            odd.push(value);
        }
        node_spot *= lattice.up;
    }
    let exercise_row = |level: usize| -> &[f64] {
        let base = steps - level;
        let row = if base.is_multiple_of(2) {
            &even[base / 2..]
        } else {
            &odd[base / 2..]
        };
        &row[..=level]
    };
    // values[j] holds the node with j up-moves at the current level.
    let mut values = exercise_row(steps).to_vec();
    let mut next = vec![0.0; steps + 1];
    let american = exercise == Exercise::American;
    let mut level1 = [0.0; 2];
    let mut level2 = [0.0; 3];
    for level in (0..steps).rev() {
        let out = &mut next[..=level];
        let (down, up) = (&values[..=level], &values[1..=level + 1]);
        if american {
            for ((slot, (d, u)), ex) in out
                .iter_mut()
                .zip(down.iter().zip(up))
                .zip(exercise_row(level))
            {
                *slot = (weight_up * u + weight_down * d).max(*ex);
            }
        } else {
            for (slot, (d, u)) in out.iter_mut().zip(down.iter().zip(up)) {
                *slot = weight_up * u + weight_down * d;
            }
        }
        std::mem::swap(&mut values, &mut next);
        if level == 2 {
            level2.copy_from_slice(&values[..3]);
        } else if level == 1 {
            level1.copy_from_slice(&values[..2]);
        }
    }
    Ok(EarlyLevels {
        up: lattice.up,
        down: lattice.down,
        root: values[0],
        level1,
        level2,
    })
}

/// Price alone, `steps` time steps.
pub fn price(p: &OptionParams, exercise: Exercise, steps: usize) -> Result<f64, BinomialError> {
    Ok(roll_back(p, steps, exercise)?.root)
}

/// Price and Greeks, `steps` time steps (at least 3, so that gamma and theta
/// can be read from the tree).
pub fn valuation(
    p: &OptionParams,
    exercise: Exercise,
    steps: usize,
) -> Result<BinomialResult, BinomialError> {
    let steps = steps.max(3);
    let levels = roll_back(p, steps, exercise)?;
    let (u, d) = (levels.up, levels.down);
    let s = p.spot;
    let delta = (levels.level1[1] - levels.level1[0]) / (s * u - s * d);
    let (s_uu, s_ud, s_dd) = (s * u * u, s, s * d * d);
    let delta_up = (levels.level2[2] - levels.level2[1]) / (s_uu - s_ud);
    let delta_down = (levels.level2[1] - levels.level2[0]) / (s_ud - s_dd);
    let gamma = (delta_up - delta_down) / (0.5 * (s_uu - s_dd));
    let dt = p.years / steps as f64;
    // The middle node two steps on has the same spot as today.
    let theta = (levels.level2[1] - levels.root) / (2.0 * dt);
    let bumped = |change: &dyn Fn(&mut OptionParams)| -> Result<f64, BinomialError> {
        let mut q = *p;
        change(&mut q);
        price(&q, exercise, steps)
    };
    let dv = (p.volatility * 1e-3).max(1e-5);
    let vega = (bumped(&|q| q.volatility += dv)? - bumped(&|q| q.volatility -= dv)?) / (2.0 * dv);
    let dr = 1e-4;
    let rho = (bumped(&|q| q.rate += dr)? - bumped(&|q| q.rate -= dr)?) / (2.0 * dr);
    Ok(BinomialResult {
        price: levels.root,
        greeks: Greeks {
            delta,
            gamma,
            vega,
            theta,
            rho,
        },
        steps,
    })
}

/// Early-exercise premium: American minus European price on the same tree,
/// so that the tree's discretisation error cancels.
pub fn early_exercise_premium(p: &OptionParams, steps: usize) -> Result<f64, BinomialError> {
    premium_over_european(price(p, Exercise::American, steps)?, p, steps)
}

/// Early-exercise premium when the American price on a `steps`-step tree is
/// already known (e.g. from [`valuation`]): only the European tree is rolled.
pub fn premium_over_european(
    american: f64,
    p: &OptionParams,
    steps: usize,
) -> Result<f64, BinomialError> {
    let european = price(p, Exercise::European, steps)?;
    Ok((american - european).max(0.0))
}

/// Whether a given kind ever gains from early exercise with these carry terms
/// (an American call on a non-dividend asset with r >= 0 never does).
pub fn early_exercise_possible(p: &OptionParams) -> bool {
    match p.kind {
        OptionKind::Call => p.dividend_yield > 0.0 || p.rate < 0.0,
        OptionKind::Put => p.rate > 0.0 || p.dividend_yield < 0.0,
    }
}

/// Implied volatility of an American option from its market price, by
/// bisection on the tree price (monotone in volatility) over (0.01%, 500%].
pub fn implied_volatility(
    market_price: f64,
    p: &OptionParams,
    steps: usize,
) -> Result<f64, super::ImpliedVolError> {
    use super::ImpliedVolError;
    if Field::MarketPrice.check(market_price).is_err() {
        return Err(ImpliedVolError::InvalidPrice);
    }
    let intrinsic = p.kind.payoff(p.spot, p.strike);
    let upper = match p.kind {
        OptionKind::Call => p.spot,
        OptionKind::Put => p.strike,
    };
    if market_price >= upper {
        return Err(ImpliedVolError::AboveUpperBound {
            price: market_price,
            bound: upper,
        });
    }
    let at = |vol: f64| price(&p.with_volatility(vol), Exercise::American, steps);
    let price_error = |_| ImpliedVolError::OutOfRange {
        price: market_price,
    };
    // The smallest volatility whose tree keeps the up-probability in [0, 1].
    let dt = p.years / steps.max(1) as f64;
    let floor = 1.01 * (p.rate - p.dividend_yield).abs() * dt.sqrt();
    let (mut lo, mut hi) = (floor.max(1e-4), Field::Volatility.range().max);
    let lowest = at(lo).map_err(price_error)?.max(intrinsic);
    if market_price <= lowest {
        return Err(ImpliedVolError::BelowLowerBound {
            price: market_price,
            bound: lowest,
        });
    }
    if at(hi).map_err(price_error)? < market_price {
        return Err(ImpliedVolError::OutOfRange {
            price: market_price,
        });
    }
    // 60 halvings of a 5.0-wide bracket reach below 1e-17: far past the tree's accuracy.
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if at(mid).map_err(price_error)? < market_price {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-10 {
            break;
        }
    }
    Ok(0.5 * (lo + hi))
}

#[cfg(test)]
mod tests {
    #[test]
    fn american_implied_vol_round_trips() {
        let p = OptionParams::new(100.0, 110.0, 0.5, 0.05, 0.0, 0.3, OptionKind::Put).unwrap();
        let target = price(&p, Exercise::American, 300).unwrap();
        let vol = implied_volatility(target, &p.with_volatility(0.9), 300).unwrap();
        assert!((vol - 0.3).abs() < 1e-8, "vol {vol}");
        // Below intrinsic (10) is impossible for an American put.
        assert!(implied_volatility(9.5, &p, 300).is_err());
    }

    use super::*;
    use crate::pricing::bsm;

    #[test]
    fn european_tree_converges_to_black_scholes() {
        let p = OptionParams::new(100.0, 105.0, 0.5, 0.03, 0.01, 0.25, OptionKind::Put).unwrap();
        let exact = bsm::price(&p);
        let coarse = (price(&p, Exercise::European, 100).unwrap() - exact).abs();
        let fine = (price(&p, Exercise::European, 2000).unwrap() - exact).abs();
        assert!(fine < 2e-3, "error {fine}");
        assert!(fine < coarse);
    }

    #[test]
    fn tree_greeks_close_to_analytic() {
        let p = OptionParams::new(100.0, 100.0, 1.0, 0.05, 0.0, 0.2, OptionKind::Call).unwrap();
        let tree = valuation(&p, Exercise::European, 2000).unwrap().greeks;
        let exact = bsm::valuation(&p).greeks;
        assert!((tree.delta - exact.delta).abs() < 1e-3);
        assert!((tree.gamma - exact.gamma).abs() < 1e-3);
        assert!((tree.vega - exact.vega).abs() < 0.05);
        assert!((tree.theta - exact.theta).abs() < 0.05);
        assert!((tree.rho - exact.rho).abs() < 0.05);
    }

    #[test]
    fn bad_steps_are_reported() {
        let p = OptionParams::new(100.0, 100.0, 1.0, 0.05, 0.0, 0.2, OptionKind::Call).unwrap();
        assert!(matches!(
            price(&p, Exercise::American, 0),
            Err(BinomialError::Steps(_))
        ));
        // Huge carry against tiny volatility: p_up > 1 with one step.
        let q = OptionParams::new(100.0, 100.0, 10.0, 0.9, 0.0, 0.01, OptionKind::Call).unwrap();
        assert!(matches!(
            price(&q, Exercise::American, 1),
            Err(BinomialError::Probability { .. })
        ));
    }
}
