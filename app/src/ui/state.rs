//! The market and contract inputs shared by the Pricing and Strategies
//! screens: raw text signals (what the user typed), their parsed and
//! validated form, and persistence in local storage so a reload keeps them.

use crate::clock::today;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::pricing::binomial::Exercise;
use shared::pricing::dates::Date;
use shared::pricing::inputs::DAYS_PER_YEAR;
use shared::pricing::{Field, InputError, OptionKind, OptionParams};

/// Local-storage key of the saved inputs.
const STORAGE_KEY: &str = "mltrainer.pricing.inputs.v1";

/// How the user gives the expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpiryMode {
    /// A number of calendar days from today.
    Days,
    /// A calendar date (YYYY-MM-DD).
    Date,
}

/// The inputs exactly as typed, as saved in local storage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedInputs {
    spot: String,
    strike: String,
    expiry_mode: ExpiryMode,
    days: String,
    expiry_date: String,
    rate_pct: String,
    dividend_pct: String,
    vol_pct: String,
    kind: OptionKind,
    exercise: Exercise,
    steps: String,
}

impl Default for SavedInputs {
    fn default() -> Self {
        SavedInputs {
            spot: "100".into(),
            strike: "100".into(),
            expiry_mode: ExpiryMode::Days,
            days: "90".into(),
            expiry_date: String::new(),
            rate_pct: "4".into(),
            dividend_pct: "0".into(),
            vol_pct: "25".into(),
            kind: OptionKind::Call,
            exercise: Exercise::European,
            steps: "500".into(),
        }
    }
}

/// Reactive inputs of one option, provided as context at the app root.
#[derive(Clone, Copy)]
pub struct MarketState {
    /// Spot as typed.
    pub spot: RwSignal<String>,
    /// Strike as typed.
    pub strike: RwSignal<String>,
    /// Days or date.
    pub expiry_mode: RwSignal<ExpiryMode>,
    /// Days to expiry as typed.
    pub days: RwSignal<String>,
    /// Expiry date as typed (YYYY-MM-DD).
    pub expiry_date: RwSignal<String>,
    /// Risk-free rate in percent as typed.
    pub rate_pct: RwSignal<String>,
    /// Dividend yield in percent as typed.
    pub dividend_pct: RwSignal<String>,
    /// Volatility in percent as typed.
    pub vol_pct: RwSignal<String>,
    /// Call or put.
    pub kind: RwSignal<OptionKind>,
    /// European or American.
    pub exercise: RwSignal<Exercise>,
    /// Binomial steps as typed.
    pub steps: RwSignal<String>,
    /// The validated inputs, or every field error.
    pub parsed: Memo<Result<Parsed, Vec<InputError>>>,
}

/// Validated inputs of one option.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Parsed {
    /// The option.
    pub params: OptionParams,
    /// Exercise style.
    pub exercise: Exercise,
    /// Binomial steps for American exercise.
    pub steps: usize,
}

impl MarketState {
    /// Creates the state from local storage (or defaults) and keeps local
    /// storage up to date as the user types.
    pub fn new() -> Self {
        let saved = load_saved().unwrap_or_default();
        let state = MarketState::from_saved(saved);
        Effect::new(move |_| {
            let snapshot = state.snapshot();
            // Storage may be full or disabled (private mode): pricing still works.
            let _ =
                <gloo_storage::LocalStorage as gloo_storage::Storage>::set(STORAGE_KEY, &snapshot);
        });
        state
    }

    fn from_saved(saved: SavedInputs) -> Self {
        let spot = RwSignal::new(saved.spot);
        let strike = RwSignal::new(saved.strike);
        let expiry_mode = RwSignal::new(saved.expiry_mode);
        let days = RwSignal::new(saved.days);
        let expiry_date = RwSignal::new(saved.expiry_date);
        let rate_pct = RwSignal::new(saved.rate_pct);
        let dividend_pct = RwSignal::new(saved.dividend_pct);
        let vol_pct = RwSignal::new(saved.vol_pct);
        let kind = RwSignal::new(saved.kind);
        let exercise = RwSignal::new(saved.exercise);
        let steps = RwSignal::new(saved.steps);
        let parsed = Memo::new(move |_| {
            parse_all(&SavedInputs {
                spot: spot.get(),
                strike: strike.get(),
                expiry_mode: expiry_mode.get(),
                days: days.get(),
                expiry_date: expiry_date.get(),
                rate_pct: rate_pct.get(),
                dividend_pct: dividend_pct.get(),
                vol_pct: vol_pct.get(),
                kind: kind.get(),
                exercise: exercise.get(),
                steps: steps.get(),
            })
        });
        MarketState {
            spot,
            strike,
            expiry_mode,
            days,
            expiry_date,
            rate_pct,
            dividend_pct,
            vol_pct,
            kind,
            exercise,
            steps,
            parsed,
        }
    }

    fn snapshot(&self) -> SavedInputs {
        SavedInputs {
            spot: self.spot.get(),
            strike: self.strike.get(),
            expiry_mode: self.expiry_mode.get(),
            days: self.days.get(),
            expiry_date: self.expiry_date.get(),
            rate_pct: self.rate_pct.get(),
            dividend_pct: self.dividend_pct.get(),
            vol_pct: self.vol_pct.get(),
            kind: self.kind.get(),
            exercise: self.exercise.get(),
            steps: self.steps.get(),
        }
    }

    /// The error message of `field`, if its current text is invalid.
    pub fn error_of(&self, field: Field) -> Signal<Option<String>> {
        let parsed = self.parsed;
        Signal::derive(move || {
            parsed.with(|result| match result {
                Ok(_) => None,
                Err(errors) => errors
                    .iter()
                    .find(|e| e.field == field)
                    .map(|e| e.to_string()),
            })
        })
    }
}

impl Default for MarketState {
    fn default() -> Self {
        Self::new()
    }
}

fn load_saved() -> Option<SavedInputs> {
    use gloo_storage::Storage;
    gloo_storage::LocalStorage::get(STORAGE_KEY).ok()
}

/// Parses every field, collecting all errors (not just the first).
fn parse_all(raw: &SavedInputs) -> Result<Parsed, Vec<InputError>> {
    let mut errors = Vec::new();
    let mut keep = |r: Result<f64, InputError>| match r {
        Ok(v) => v,
        Err(e) => {
            errors.push(e);
            f64::NAN
        }
    };
    let spot = keep(Field::Spot.parse(&raw.spot));
    let strike = keep(Field::Strike.parse(&raw.strike));
    let days = keep(match raw.expiry_mode {
        ExpiryMode::Days => Field::ExpiryDays.parse(&raw.days),
        ExpiryMode::Date => days_until_date(&raw.expiry_date, today()),
    });
    let rate = keep(Field::Rate.parse_percent(&raw.rate_pct));
    let dividend_yield = keep(Field::DividendYield.parse_percent(&raw.dividend_pct));
    let volatility = keep(Field::Volatility.parse_percent(&raw.vol_pct));
    let steps = keep(Field::Steps.parse(&raw.steps).and_then(|s| {
        if s.fract() == 0.0 {
            Ok(s)
        } else {
            Err(InputError::new(Field::Steps, "must be a whole number"))
        }
    }));
    if !errors.is_empty() {
        return Err(errors);
    }
    let params = OptionParams::new(
        spot,
        strike,
        days / DAYS_PER_YEAR,
        rate,
        dividend_yield,
        volatility,
        raw.kind,
    )
    .map_err(|e| vec![e])?;
    Ok(Parsed {
        params,
        exercise: raw.exercise,
        steps: steps as usize,
    })
}

/// Days from `today` to the typed expiry date, which must lie in the future.
fn days_until_date(text: &str, today: Date) -> Result<f64, InputError> {
    let date = Date::parse(text).map_err(|e| InputError::new(Field::ExpiryDays, e.to_string()))?;
    let days = today.days_until(&date);
    if days <= 0 {
        return Err(InputError::new(
            Field::ExpiryDays,
            format!(
                "expiry date {text} is not after today ({:04}-{:02}-{:02})",
                today.year, today.month, today.day
            ),
        ));
    }
    Field::ExpiryDays.check(days as f64)
}

/// Shorthand used by every screen.
pub fn use_market() -> MarketState {
    expect_context::<MarketState>()
}
