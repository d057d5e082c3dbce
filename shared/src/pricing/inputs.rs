//! Validated pricing inputs. Every numeric field has one allowed range,
//! defined here once and used by the library, the app's inline messages and
//! the tests, so a bad value is always reported with the field's name and the
//! range it must lie in.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Call or put.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OptionKind {
    /// The right to buy at the strike.
    Call,
    /// The right to sell at the strike.
    Put,
}

impl OptionKind {
    /// Payoff at expiry for one unit at underlying price `spot`.
    pub fn payoff(self, spot: f64, strike: f64) -> f64 {
        match self {
            OptionKind::Call => (spot - strike).max(0.0),
            OptionKind::Put => (strike - spot).max(0.0),
        }
    }
}

/// The user-editable numeric inputs, each with its allowed range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    /// Price of the underlying today.
    Spot,
    /// Strike price.
    Strike,
    /// Time to expiry in calendar days.
    ExpiryDays,
    /// Continuously compounded risk-free rate, as a decimal (0.05 = 5%).
    Rate,
    /// Continuous dividend yield, as a decimal.
    DividendYield,
    /// Annualised volatility, as a decimal.
    Volatility,
    /// An observed option price, for implied volatility.
    MarketPrice,
    /// Number of binomial time steps.
    Steps,
    /// Number of Monte Carlo paths.
    Paths,
    /// Number of averaging dates of an Asian option.
    Fixings,
    /// Quantity of a strategy leg (negative for short).
    Quantity,
}

/// An inclusive or exclusive bound of a [`Field`]'s range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Smallest allowed value.
    pub min: f64,
    /// Whether `min` itself is allowed.
    pub min_inclusive: bool,
    /// Largest allowed value (inclusive).
    pub max: f64,
}

impl Range {
    /// Whether `value` lies in this range (NaN never does).
    pub fn contains(&self, value: f64) -> bool {
        let above_min = if self.min_inclusive {
            value >= self.min
        } else {
            value > self.min
        };
        above_min && value <= self.max
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let open = if self.min_inclusive { '[' } else { '(' };
        write!(f, "{open}{}, {}]", self.min, self.max)
    }
}

impl Field {
    /// Human-readable name used in error messages and labels.
    pub fn label(self) -> &'static str {
        match self {
            Field::Spot => "spot",
            Field::Strike => "strike",
            Field::ExpiryDays => "days to expiry",
            Field::Rate => "risk-free rate",
            Field::DividendYield => "dividend yield",
            Field::Volatility => "volatility",
            Field::MarketPrice => "market price",
            Field::Steps => "binomial steps",
            Field::Paths => "Monte Carlo paths",
            Field::Fixings => "averaging dates",
            Field::Quantity => "quantity",
        }
    }

    /// The allowed range of the field, in library units (decimals, days).
    pub fn range(self) -> Range {
        let (min, min_inclusive, max) = match self {
            Field::Spot | Field::Strike => (0.0, false, 1e9),
            // Expiry today is not a pricing problem; one minute is the floor.
            Field::ExpiryDays => (1.0 / 1440.0, true, 365.0 * 50.0),
            Field::Rate => (-0.2, true, 1.0),
            Field::DividendYield => (-0.2, true, 1.0),
            Field::Volatility => (0.0, false, 5.0),
            Field::MarketPrice => (0.0, false, 1e9),
            Field::Steps => (1.0, true, 20_000.0),
            Field::Paths => (2.0, true, 10_000_000.0),
            Field::Fixings => (1.0, true, 1000.0),
            Field::Quantity => (-1e6, true, 1e6),
        };
        Range {
            min,
            min_inclusive,
            max,
        }
    }

    /// Checks `value` against the field's range.
    pub fn check(self, value: f64) -> Result<f64, InputError> {
        if !value.is_finite() {
            return Err(InputError::new(self, "must be a finite number"));
        }
        let range = self.range();
        if range.contains(value) {
            Ok(value)
        } else {
            Err(InputError::new(
                self,
                format!("{value} is outside the allowed range {range}"),
            ))
        }
    }

    /// Parses user text (trimmed; `_` and `,` thousands separators allowed)
    /// and checks the result against the field's range.
    pub fn parse(self, text: &str) -> Result<f64, InputError> {
        self.check(parse_number(self, text)?)
    }

    /// Parses a percentage typed by the user ("5" means 0.05) and checks it
    /// against the field's range, reporting the range in percent.
    pub fn parse_percent(self, text: &str) -> Result<f64, InputError> {
        let percent = parse_number(self, text)?;
        let range = self.range();
        if range.contains(percent / 100.0) {
            Ok(percent / 100.0)
        } else {
            let open = if range.min_inclusive { '[' } else { '(' };
            Err(InputError::new(
                self,
                format!(
                    "{percent}% is outside the allowed range {open}{}%, {}%]",
                    range.min * 100.0,
                    range.max * 100.0
                ),
            ))
        }
    }
}

/// Reads a finite number from user text, naming `field` on failure.
fn parse_number(field: Field, text: &str) -> Result<f64, InputError> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| *c != '_' && *c != ',')
        .collect();
    if cleaned.is_empty() {
        return Err(InputError::new(field, "is required"));
    }
    let value: f64 = cleaned
        .parse()
        .map_err(|_| InputError::new(field, format!("\"{}\" is not a number", text.trim())))?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(InputError::new(field, "must be a finite number"))
    }
}

/// A rejected input: which field, and why.
#[derive(Clone, Debug, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[error("{}: {message}", field.label())]
pub struct InputError {
    /// The offending field.
    pub field: Field,
    /// What was wrong, including the allowed range where relevant.
    pub message: String,
}

impl InputError {
    /// Builds an error for `field`.
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        InputError {
            field,
            message: message.into(),
        }
    }
}

/// Market and contract inputs of one vanilla option, validated on
/// construction. Rates, yield and volatility are decimals; time is in years
/// (calendar days / 365).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptionParams {
    /// Underlying price today.
    pub spot: f64,
    /// Strike price.
    pub strike: f64,
    /// Time to expiry in years.
    pub years: f64,
    /// Continuously compounded risk-free rate.
    pub rate: f64,
    /// Continuous dividend yield.
    pub dividend_yield: f64,
    /// Annualised volatility.
    pub volatility: f64,
    /// Call or put.
    pub kind: OptionKind,
}

/// Calendar days per year used to turn days to expiry into years.
pub const DAYS_PER_YEAR: f64 = 365.0;

impl OptionParams {
    /// Validates every field and builds the parameters; time is given in years.
    pub fn new(
        spot: f64,
        strike: f64,
        years: f64,
        rate: f64,
        dividend_yield: f64,
        volatility: f64,
        kind: OptionKind,
    ) -> Result<Self, InputError> {
        Field::ExpiryDays.check(years * DAYS_PER_YEAR)?;
        Ok(OptionParams {
            spot: Field::Spot.check(spot)?,
            strike: Field::Strike.check(strike)?,
            years,
            rate: Field::Rate.check(rate)?,
            dividend_yield: Field::DividendYield.check(dividend_yield)?,
            volatility: Field::Volatility.check(volatility)?,
            kind,
        })
    }

    /// Re-validates parameters that may have been built or edited field by
    /// field (for example after deserialising or bumping one input).
    pub fn validated(self) -> Result<Self, InputError> {
        OptionParams::new(
            self.spot,
            self.strike,
            self.years,
            self.rate,
            self.dividend_yield,
            self.volatility,
            self.kind,
        )
    }

    /// Discount factor `exp(-r T)`.
    pub fn discount(&self) -> f64 {
        (-self.rate * self.years).exp()
    }

    /// Dividend factor `exp(-q T)`.
    pub fn dividend_discount(&self) -> f64 {
        (-self.dividend_yield * self.years).exp()
    }

    /// Forward price `S exp((r - q) T)`.
    pub fn forward(&self) -> f64 {
        self.spot * ((self.rate - self.dividend_yield) * self.years).exp()
    }

    /// Copy with another spot (unchecked: callers pass positive values).
    pub fn with_spot(mut self, spot: f64) -> Self {
        self.spot = spot;
        self
    }

    /// Copy with another volatility (unchecked: callers pass positive values).
    pub fn with_volatility(mut self, volatility: f64) -> Self {
        self.volatility = volatility;
        self
    }

    /// Copy with another option kind.
    pub fn with_kind(mut self, kind: OptionKind) -> Self {
        self.kind = kind;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reports_field_and_range() {
        let err = Field::Volatility.parse("0").unwrap_err();
        assert_eq!(err.field, Field::Volatility);
        assert_eq!(
            err.to_string(),
            "volatility: 0 is outside the allowed range (0, 5]"
        );
        let err = Field::Spot.parse("abc").unwrap_err();
        assert_eq!(err.to_string(), "spot: \"abc\" is not a number");
        assert_eq!(
            Field::Strike.parse("  ").unwrap_err().message,
            "is required"
        );
        assert_eq!(Field::Spot.parse("1,250.5").unwrap(), 1250.5);
        assert_eq!(Field::Rate.parse_percent("5").unwrap(), 0.05);
        assert_eq!(
            Field::Volatility
                .parse_percent("0")
                .unwrap_err()
                .to_string(),
            "volatility: 0% is outside the allowed range (0%, 500%]"
        );
    }

    #[test]
    fn rejects_non_finite_and_negative() {
        assert!(Field::Spot.parse("NaN").is_err());
        assert!(Field::Spot.parse("inf").is_err());
        assert!(Field::Strike.parse("-5").is_err());
        assert!(Field::ExpiryDays.parse("-1").is_err());
        assert!(OptionParams::new(100.0, 100.0, 0.0, 0.0, 0.0, 0.2, OptionKind::Call).is_err());
        assert!(OptionParams::new(100.0, 100.0, 1.0, 0.0, 0.0, -0.2, OptionKind::Put).is_err());
    }
}
