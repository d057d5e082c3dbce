//! Black-Scholes-Merton prices and Greeks for European options on an asset
//! with a continuous dividend yield.

use super::inputs::{OptionKind, OptionParams, DAYS_PER_YEAR};
use super::normal::{cdf, pdf};
use implied_vol::{DefaultSpecialFn, PriceBlackScholes};
use serde::{Deserialize, Serialize};

/// First-order and gamma sensitivities of an option's value, in raw units:
/// per 1.00 change of spot, volatility or rate and per year of time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Greeks {
    /// dV/dS.
    pub delta: f64,
    /// d2V/dS2.
    pub gamma: f64,
    /// dV/dsigma, per 1.00 (100 percentage points) of volatility.
    pub vega: f64,
    /// dV/dt as calendar time passes, per year (negative for decay).
    pub theta: f64,
    /// dV/dr, per 1.00 (100 percentage points) of rate.
    pub rho: f64,
}

impl Greeks {
    /// Theta per calendar day.
    pub fn theta_per_day(&self) -> f64 {
        self.theta / DAYS_PER_YEAR
    }

    /// Vega per one volatility point (0.01).
    pub fn vega_per_point(&self) -> f64 {
        self.vega / 100.0
    }

    /// Rho per one rate point (0.01).
    pub fn rho_per_point(&self) -> f64 {
        self.rho / 100.0
    }

    /// The Greeks of `quantity` units.
    pub fn scaled(&self, quantity: f64) -> Greeks {
        Greeks {
            delta: self.delta * quantity,
            gamma: self.gamma * quantity,
            vega: self.vega * quantity,
            theta: self.theta * quantity,
            rho: self.rho * quantity,
        }
    }

    /// Sum of two sets of Greeks (for portfolios of legs).
    pub fn plus(&self, other: &Greeks) -> Greeks {
        Greeks {
            delta: self.delta + other.delta,
            gamma: self.gamma + other.gamma,
            vega: self.vega + other.vega,
            theta: self.theta + other.theta,
            rho: self.rho + other.rho,
        }
    }
}

/// A price together with its Greeks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Valuation {
    /// Present value of one option.
    pub price: f64,
    /// Sensitivities of `price`.
    pub greeks: Greeks,
}

/// Black-Scholes-Merton price of a European option.
#[inline]
pub fn price(p: &OptionParams) -> f64 {
    let sqrt_t = p.years.sqrt();
    let vol_sqrt_t = p.volatility * sqrt_t;
    let d1 = ((p.spot / p.strike).ln()
        + (p.rate - p.dividend_yield + 0.5 * p.volatility * p.volatility) * p.years)
        / vol_sqrt_t;
    let d2 = d1 - vol_sqrt_t;
    let spot_pv = p.spot * p.dividend_discount();
    let strike_pv = p.strike * p.discount();
    match p.kind {
        OptionKind::Call => difference_of_terms(p, spot_pv * cdf(d1), strike_pv * cdf(d2)),
        OptionKind::Put => difference_of_terms(p, strike_pv * cdf(-d2), spot_pv * cdf(-d1)),
    }
}

/// `leading - subtracted`, the two terms of the price formula, unless they
/// nearly cancel (the difference is under 1/16 of the leading term: far out
/// of the money, or close to intrinsic value). There the subtraction would
/// magnify the CDFs' rounding errors (relative error up to 1e-8 for prices
/// near 1e-250), so the price is recomputed with Jaeckel's normalised Black
/// formula from the `implied-vol` crate, which evaluates the difference
/// analytically and stays within about 1e-11 relative everywhere.
#[inline]
fn difference_of_terms(p: &OptionParams, leading: f64, subtracted: f64) -> f64 {
    let price = leading - subtracted;
    if 16.0 * price >= leading {
        return price;
    }
    PriceBlackScholes::builder()
        .forward(p.forward())
        .strike(p.strike)
        .volatility(p.volatility)
        .expiry(p.years)
        .is_call(p.kind == OptionKind::Call)
        .build()
        .map_or(price, |black| {
            p.discount() * black.calculate::<DefaultSpecialFn>()
        })
}

/// Black-Scholes-Merton price and all Greeks of a European option, sharing
/// the common terms (one log, two exponentials, two CDFs, one density).
#[inline]
pub fn valuation(p: &OptionParams) -> Valuation {
    let sqrt_t = p.years.sqrt();
    let vol_sqrt_t = p.volatility * sqrt_t;
    let d1 = ((p.spot / p.strike).ln()
        + (p.rate - p.dividend_yield + 0.5 * p.volatility * p.volatility) * p.years)
        / vol_sqrt_t;
    let d2 = d1 - vol_sqrt_t;
    let div_factor = p.dividend_discount();
    let discount = p.discount();
    let spot_pv = p.spot * div_factor;
    let strike_pv = p.strike * discount;
    let density = pdf(d1);
    // Sign convention: calls use N(d), puts N(-d) with flipped signs.
    let (sign, n1, n2) = match p.kind {
        OptionKind::Call => (1.0, cdf(d1), cdf(d2)),
        OptionKind::Put => (-1.0, cdf(-d1), cdf(-d2)),
    };
    let price = match p.kind {
        OptionKind::Call => difference_of_terms(p, spot_pv * n1, strike_pv * n2),
        OptionKind::Put => difference_of_terms(p, strike_pv * n2, spot_pv * n1),
    };
    let decay = -spot_pv * density * p.volatility / (2.0 * sqrt_t);
    Valuation {
        price,
        greeks: Greeks {
            delta: sign * div_factor * n1,
            gamma: div_factor * density / (p.spot * vol_sqrt_t),
            vega: spot_pv * density * sqrt_t,
            theta: decay - sign * p.rate * strike_pv * n2 + sign * p.dividend_yield * spot_pv * n1,
            rho: sign * p.strike * p.years * discount * n2,
        },
    }
}

/// The no-arbitrage bounds of a European option's price: `(lower, upper)`.
/// A call lies in `[max(S e^-qT - K e^-rT, 0), S e^-qT]`, a put in
/// `[max(K e^-rT - S e^-qT, 0), K e^-rT]`.
pub fn price_bounds(p: &OptionParams) -> (f64, f64) {
    let spot_pv = p.spot * p.dividend_discount();
    let strike_pv = p.strike * p.discount();
    match p.kind {
        OptionKind::Call => ((spot_pv - strike_pv).max(0.0), spot_pv),
        OptionKind::Put => ((strike_pv - spot_pv).max(0.0), strike_pv),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(kind: OptionKind) -> OptionParams {
        OptionParams::new(100.0, 95.0, 0.75, 0.04, 0.015, 0.28, kind).unwrap()
    }

    #[test]
    fn valuation_price_equals_price() {
        for kind in [OptionKind::Call, OptionKind::Put] {
            let p = params(kind);
            assert!((valuation(&p).price - price(&p)).abs() < 1e-13);
        }
    }

    /// Each analytic Greek agrees with a central finite difference of the price.
    #[test]
    fn greeks_match_finite_differences() {
        for kind in [OptionKind::Call, OptionKind::Put] {
            let p = params(kind);
            let g = valuation(&p).greeks;
            let h = 1e-4;
            let bump = |f: &dyn Fn(&mut OptionParams, f64)| {
                let (mut up, mut down) = (p, p);
                f(&mut up, h);
                f(&mut down, -h);
                (price(&up) - price(&down)) / (2.0 * h)
            };
            assert!((g.delta - bump(&|q, d| q.spot += d)).abs() < 1e-7);
            assert!((g.vega - bump(&|q, d| q.volatility += d)).abs() < 1e-6);
            assert!((g.rho - bump(&|q, d| q.rate += d)).abs() < 1e-6);
            assert!((g.theta + bump(&|q, d| q.years += d)).abs() < 1e-6);
            let (mut up, mut down) = (p, p);
            up.spot += 1e-2;
            down.spot -= 1e-2;
            let gamma_fd = (price(&up) - 2.0 * price(&p) + price(&down)) / 1e-4;
            assert!((g.gamma - gamma_fd).abs() < 1e-6);
        }
    }
}
