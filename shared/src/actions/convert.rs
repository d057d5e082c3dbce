//! Turns the fetch, goal and pricing actions into the requests and
//! parameters that already run today (the data proxy, the goal route, the
//! pricing code). Pure conversions; nothing here executes them.

use super::{ExerciseStyle, FetchData, OptionRight, PriceOption, SetGoal};
use crate::api::{DataRequest, GoalRequest};
use crate::pricing::binomial::Exercise;
use crate::pricing::inputs::{InputError, OptionKind, OptionParams, DAYS_PER_YEAR};

impl FetchData {
    /// The data proxy request (multiplier 1).
    pub fn data_request(&self) -> DataRequest {
        DataRequest {
            source: self.source.clone(),
            symbol: self.symbol.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            timespan: self.timespan.clone(),
            multiplier: None,
        }
    }
}

impl SetGoal {
    /// The goal route's request.
    pub fn goal_request(&self) -> GoalRequest {
        GoalRequest {
            text: self.text.clone(),
            sources: self.sources.clone(),
        }
    }
}

impl PriceOption {
    /// Validated pricing parameters: days become years as `days / 365`;
    /// the error names the field and its allowed range.
    pub fn params(&self) -> Result<OptionParams, InputError> {
        let kind = match self.right {
            OptionRight::Call => OptionKind::Call,
            OptionRight::Put => OptionKind::Put,
        };
        OptionParams::new(
            self.spot,
            self.strike,
            self.days / DAYS_PER_YEAR,
            self.rate,
            self.dividend_yield,
            self.volatility,
            kind,
        )
    }

    /// European (Black-Scholes-Merton) or American (binomial tree).
    pub fn exercise(&self) -> Exercise {
        match self.exercise {
            ExerciseStyle::European => Exercise::European,
            ExerciseStyle::American => Exercise::American,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::inputs::Field;

    fn option() -> PriceOption {
        PriceOption {
            right: OptionRight::Put,
            exercise: ExerciseStyle::American,
            spot: 100.0,
            strike: 95.0,
            days: 73.0,
            volatility: 0.25,
            rate: 0.05,
            dividend_yield: 0.0,
        }
    }

    #[test]
    fn pricing_params_convert_days_to_years() {
        let params = option().params().unwrap();
        assert_eq!(params.kind, OptionKind::Put);
        assert!((params.years - 0.2).abs() < 1e-15);
        assert_eq!(
            (params.spot, params.strike, params.volatility),
            (100.0, 95.0, 0.25)
        );
        assert_eq!(option().exercise(), Exercise::American);
        let mut bad = option();
        bad.volatility = f64::NAN;
        assert_eq!(bad.params().unwrap_err().field, Field::Volatility);
        let mut bad = option();
        bad.days = 0.0;
        assert_eq!(bad.params().unwrap_err().field, Field::ExpiryDays);
    }

    #[test]
    fn requests_carry_every_field() {
        let fetch = FetchData {
            source: "polygon".into(),
            symbol: "AAPL".into(),
            from: Some("2024-01-01".into()),
            to: Some("2024-06-30".into()),
            timespan: Some("day".into()),
        };
        let request = fetch.data_request();
        assert_eq!(request.symbol, "AAPL");
        assert_eq!(request.from.as_deref(), Some("2024-01-01"));
        assert_eq!(request.to.as_deref(), Some("2024-06-30"));
        assert_eq!(request.timespan.as_deref(), Some("day"));
        let goal = SetGoal {
            text: "Beat buy-and-hold".into(),
            sources: vec!["bundled".into()],
        };
        assert_eq!(goal.goal_request().sources, vec!["bundled".to_string()]);
    }
}
