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

/// When the two terms of the price formula cancel to less than this fraction
/// of the larger one, the subtraction would magnify the CDFs' rounding
/// (about 3e-16 relative) past 3e-12, so the price is recomputed
/// analytically (see [`difference_of_terms`]).
pub(crate) const CANCELLATION_LIMIT: f64 = 256.0;

/// The terms shared by the price and the Greeks, with the call/put choice
/// folded into `sign` so there is no branch on the kind.
struct Terms {
    /// +1 for a call, -1 for a put.
    sign: f64,
    sqrt_t: f64,
    vol_sqrt_t: f64,
    div_factor: f64,
    discount: f64,
    spot_pv: f64,
    strike_pv: f64,
    /// N(sign d1).
    n1: f64,
    /// N(sign d2).
    n2: f64,
    d1: f64,
}

#[inline(always)]
fn terms(p: &OptionParams) -> Terms {
    let sign = match p.kind {
        OptionKind::Call => 1.0,
        OptionKind::Put => -1.0,
    };
    let sqrt_t = p.years.sqrt();
    let vol_sqrt_t = p.volatility * sqrt_t;
    let d1 = ((p.spot / p.strike).ln()
        + (p.rate - p.dividend_yield + 0.5 * p.volatility * p.volatility) * p.years)
        / vol_sqrt_t;
    let d2 = d1 - vol_sqrt_t;
    let div_factor = p.dividend_discount();
    let discount = p.discount();
    Terms {
        sign,
        sqrt_t,
        vol_sqrt_t,
        div_factor,
        discount,
        spot_pv: p.spot * div_factor,
        strike_pv: p.strike * discount,
        n1: cdf(sign * d1),
        n2: cdf(sign * d2),
        d1,
    }
}

impl Terms {
    /// `sign (S e^-qT N(sign d1) - K e^-rT N(sign d2))`, guarded against
    /// cancellation.
    #[inline(always)]
    fn price(&self, p: &OptionParams) -> f64 {
        let spot_term = self.spot_pv * self.n1;
        let strike_term = self.strike_pv * self.n2;
        let price = self.sign * (spot_term - strike_term);
        let leading = if self.sign > 0.0 {
            spot_term
        } else {
            strike_term
        };
        if price * CANCELLATION_LIMIT >= leading {
            price
        } else {
            difference_of_terms(p, price)
        }
    }
}

/// Black-Scholes-Merton price of a European option.
#[inline]
pub fn price(p: &OptionParams) -> f64 {
    terms(p).price(p)
}

/// The price when the two terms of the formula nearly cancel (far out of the
/// money): recomputed with Jaeckel's normalised Black formula from the
/// `implied-vol` crate, which evaluates the difference analytically and
/// stays within about 1e-11 relative everywhere. Kept out of line: it is the
/// rare path.
#[cold]
#[inline(never)]
fn difference_of_terms(p: &OptionParams, naive: f64) -> f64 {
    PriceBlackScholes::builder()
        .forward(p.forward())
        .strike(p.strike)
        .volatility(p.volatility)
        .expiry(p.years)
        .is_call(p.kind == OptionKind::Call)
        .build()
        .map_or(naive, |black| {
            p.discount() * black.calculate::<DefaultSpecialFn>()
        })
}

/// Black-Scholes-Merton price and all Greeks of a European option, sharing
/// the common terms (one log, three exponentials, two CDFs).
#[inline]
pub fn valuation(p: &OptionParams) -> Valuation {
    let t = terms(p);
    let density = pdf(t.d1);
    let sign = t.sign;
    let decay = -t.spot_pv * density * p.volatility / (2.0 * t.sqrt_t);
    Valuation {
        price: t.price(p),
        greeks: Greeks {
            delta: sign * t.div_factor * t.n1,
            gamma: t.div_factor * density / (p.spot * t.vol_sqrt_t),
            vega: t.spot_pv * density * t.sqrt_t,
            theta: decay - sign * p.rate * t.strike_pv * t.n2
                + sign * p.dividend_yield * t.spot_pv * t.n1,
            rho: sign * p.strike * p.years * t.discount * t.n2,
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
