//! Implied volatility: the volatility at which the Black-Scholes-Merton price
//! equals an observed market price, by Jaeckel's "Let's Be Rational" (the
//! `implied-vol` crate), after checking the no-arbitrage bounds ourselves so
//! that the user learns which bound was crossed. Never NaN, never a loop
//! without an end.

use super::bsm::price_bounds;
use super::inputs::{Field, OptionParams};
use implied_vol::{DefaultSpecialFn, ImpliedBlackVolatility};
use serde::{Deserialize, Serialize};

/// Why no implied volatility exists for a price.
#[derive(Clone, Debug, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum ImpliedVolError {
    /// The price is not a positive finite number within the field's range.
    #[error("market price: must be a positive finite number no larger than 1e9")]
    InvalidPrice,
    /// The price is at or below the option's lower no-arbitrage bound
    /// (its discounted intrinsic value).
    #[error("market price {price} is at or below the no-arbitrage lower bound {bound:.6} (discounted intrinsic value); no volatility can produce it")]
    BelowLowerBound {
        /// The price given.
        price: f64,
        /// The lower bound.
        bound: f64,
    },
    /// The price is at or above the upper no-arbitrage bound.
    #[error("market price {price} is at or above the no-arbitrage upper bound {bound:.6}; no volatility can produce it")]
    AboveUpperBound {
        /// The price given.
        price: f64,
        /// The upper bound.
        bound: f64,
    },
    /// The solver found no volatility in the supported range.
    #[error("no implied volatility in the supported range (0, 500%] for market price {price}")]
    OutOfRange {
        /// The price given.
        price: f64,
    },
}

/// Implied volatility of a European option (the `volatility` field of `p`
/// is ignored) from its present-value market price.
pub fn implied_volatility(market_price: f64, p: &OptionParams) -> Result<f64, ImpliedVolError> {
    if Field::MarketPrice.check(market_price).is_err() {
        return Err(ImpliedVolError::InvalidPrice);
    }
    let (lower, upper) = price_bounds(p);
    if market_price <= lower {
        return Err(ImpliedVolError::BelowLowerBound {
            price: market_price,
            bound: lower,
        });
    }
    if market_price >= upper {
        return Err(ImpliedVolError::AboveUpperBound {
            price: market_price,
            bound: upper,
        });
    }
    let discount = p.discount();
    let sigma = ImpliedBlackVolatility::builder()
        .option_price(market_price / discount)
        .forward(p.forward())
        .strike(p.strike)
        .expiry(p.years)
        .is_call(p.kind == super::OptionKind::Call)
        .build()
        .and_then(|solver| solver.calculate::<DefaultSpecialFn>());
    match sigma {
        Some(s) if s.is_finite() && Field::Volatility.range().contains(s) => Ok(s),
        _ => Err(ImpliedVolError::OutOfRange {
            price: market_price,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::{bsm, OptionKind};

    #[test]
    fn reports_which_bound_is_crossed() {
        let p = OptionParams::new(100.0, 90.0, 0.5, 0.05, 0.0, 0.2, OptionKind::Call).unwrap();
        let (lower, upper) = price_bounds(&p);
        assert!(matches!(
            implied_volatility(lower * 0.99, &p),
            Err(ImpliedVolError::BelowLowerBound { .. })
        ));
        assert!(matches!(
            implied_volatility(upper + 1.0, &p),
            Err(ImpliedVolError::AboveUpperBound { .. })
        ));
        assert_eq!(
            implied_volatility(f64::NAN, &p),
            Err(ImpliedVolError::InvalidPrice)
        );
        assert_eq!(
            implied_volatility(-1.0, &p),
            Err(ImpliedVolError::InvalidPrice)
        );
        let fair = bsm::price(&p);
        assert!((implied_volatility(fair, &p).unwrap() - 0.2).abs() < 1e-12);
    }
}
