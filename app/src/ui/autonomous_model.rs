//! What the autonomous screen computes from its form and from a run: the
//! start request built from the typed fields (each wrong field named with
//! what is allowed; the budget's ranges are `shared::api`'s), the budget
//! meters (spent against each limit), and the words for a stop reason, a
//! verdict and the best model against buy-and-hold.
//!
//! Pure: no I/O, no signals; tested natively. The server checks the
//! request again and has the last word.

use shared::actions::LabTarget;
use shared::api::{
    AutonomousBudget, AutonomousData, AutonomousRequest, AutonomousSummary, DataRequest,
    ModelResult, ProposalVerdict, StopKind, MAX_GOAL_CHARS, MAX_MODELS, MAX_ROUNDS, MAX_TOKENS,
    MAX_WALL_SECONDS,
};

use super::format::fixed;

/// The start form's values, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StartForm {
    /// The goal (empty: the user's current goal).
    pub goal: String,
    /// The bundled dataset id, e.g. `sp500`.
    pub symbol: String,
    /// First date, `YYYY-MM-DD` (empty: the whole series).
    pub from: String,
    /// Last date, `YYYY-MM-DD` (empty: the latest).
    pub to: String,
    /// What the models predict.
    pub target: Option<LabTarget>,
    /// Label horizon in rows.
    pub horizon: String,
    /// Rows in each first training window (empty: the lab's).
    pub train_rows: String,
    /// Rows per test window (empty: the lab's).
    pub test_rows: String,
    /// Most rounds.
    pub max_rounds: String,
    /// Most LLM tokens.
    pub max_tokens: String,
    /// Most wall time, in seconds.
    pub max_wall_seconds: String,
    /// Most models trained.
    pub max_models: String,
}

impl StartForm {
    /// The form as first shown: the S&P 500 and the default budget.
    pub fn initial() -> StartForm {
        let budget = AutonomousBudget::default();
        StartForm {
            symbol: "sp500".to_string(),
            target: Some(LabTarget::Direction),
            horizon: "1".to_string(),
            max_rounds: budget.max_rounds.to_string(),
            max_tokens: budget.max_tokens.to_string(),
            max_wall_seconds: budget.max_wall_seconds.to_string(),
            max_models: budget.max_models.to_string(),
            ..StartForm::default()
        }
    }
}

/// A whole number from `min` to `max` typed into `label`'s field.
fn whole(label: &str, text: &str, min: u64, max: u64) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            format!(
                "{label}: \"{}\" is not a whole number from {min} to {max}",
                text.trim()
            )
        })
}

/// An optional whole number (empty: `None`).
fn optional(label: &str, text: &str, max: u64) -> Result<Option<u32>, String> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let value = whole(label, text, 1, max)?;
    Ok(Some(u32::try_from(value).unwrap_or(u32::MAX)))
}

/// A date field: empty, or `YYYY-MM-DD`.
fn date(label: &str, text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    shared::pricing::dates::Date::parse(text)
        .map(|_| Some(text.to_string()))
        .map_err(|_| format!("{label}: \"{text}\" is not a date as YYYY-MM-DD"))
}

/// The budget, or the first field out of range in words.
pub fn budget(form: &StartForm) -> Result<AutonomousBudget, String> {
    let to_u32 = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let budget = AutonomousBudget {
        max_rounds: to_u32(whole(
            "Max rounds",
            &form.max_rounds,
            1,
            u64::from(MAX_ROUNDS),
        )?),
        max_tokens: whole("Max tokens", &form.max_tokens, 1, MAX_TOKENS)?,
        max_wall_seconds: whole(
            "Max wall time (seconds)",
            &form.max_wall_seconds,
            1,
            MAX_WALL_SECONDS,
        )?,
        max_models: to_u32(whole(
            "Max models",
            &form.max_models,
            1,
            u64::from(MAX_MODELS),
        )?),
    };
    budget.check().map_err(|e| e.to_string())?;
    Ok(budget)
}

/// The start request, or the first wrong field and what is allowed.
pub fn build_request(form: &StartForm) -> Result<AutonomousRequest, String> {
    let goal = form.goal.trim();
    if goal.chars().count() > MAX_GOAL_CHARS {
        return Err(format!("Goal: at most {MAX_GOAL_CHARS} characters"));
    }
    let symbol = form.symbol.trim();
    if symbol.is_empty() {
        return Err("Dataset: choose a bundled dataset".to_string());
    }
    let from = date("From", &form.from)?;
    let to = date("To", &form.to)?;
    if let (Some(from), Some(to)) = (&from, &to) {
        if from >= to {
            return Err(format!("To: {to} must be after From ({from})"));
        }
    }
    let horizon = whole("Horizon", &form.horizon, 1, 252)?;
    let data = if from.is_none() && to.is_none() {
        AutonomousData::Bundled(symbol.to_string())
    } else {
        AutonomousData::Request(DataRequest {
            source: "bundled".to_string(),
            symbol: symbol.to_string(),
            from,
            to,
            timespan: None,
            multiplier: None,
        })
    };
    Ok(AutonomousRequest {
        goal: (!goal.is_empty()).then(|| goal.to_string()),
        data,
        target: form.target,
        horizon: Some(u32::try_from(horizon).unwrap_or(1)),
        train_rows: optional("Training rows", &form.train_rows, 100_000)?,
        test_rows: optional("Test rows", &form.test_rows, 100_000)?,
        budget: budget(form)?,
    })
}

/// One budget line: what is spent against its limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Meter {
    /// Stable key for tests and styling: `rounds`, `tokens`, `wall`, `models`.
    pub key: &'static str,
    /// The label, e.g. "Rounds".
    pub label: &'static str,
    /// Spent so far.
    pub spent: u64,
    /// The hard limit.
    pub limit: u64,
}

impl Meter {
    /// Spent as a fraction of the limit, 0 to 1.
    pub fn fraction(&self) -> f64 {
        if self.limit == 0 {
            return 1.0;
        }
        (self.spent as f64 / self.limit as f64).clamp(0.0, 1.0)
    }

    /// Whether the spend is within the limit.
    pub fn within(&self) -> bool {
        self.spent <= self.limit
    }

    /// "2 of 4", with seconds for wall time.
    pub fn words(&self) -> String {
        match self.key {
            "wall" => format!("{} s of {} s", self.spent, self.limit),
            _ => format!("{} of {}", self.spent, self.limit),
        }
    }
}

/// The four meters of a run, in the order of the form.
pub fn meters(run: &AutonomousSummary) -> [Meter; 4] {
    let (spend, budget) = (&run.spend, &run.budget);
    [
        Meter {
            key: "rounds",
            label: "Rounds",
            spent: u64::from(spend.rounds),
            limit: u64::from(budget.max_rounds),
        },
        Meter {
            key: "tokens",
            label: "Tokens",
            spent: spend.tokens,
            limit: budget.max_tokens,
        },
        Meter {
            key: "wall",
            label: "Wall time",
            spent: spend.wall_seconds,
            limit: budget.max_wall_seconds,
        },
        Meter {
            key: "models",
            label: "Models trained",
            spent: u64::from(spend.models),
            limit: u64::from(budget.max_models),
        },
    ]
}

/// A stop reason's kind in words.
pub fn stop_words(kind: StopKind) -> &'static str {
    match kind {
        StopKind::GoalMet => "Goal met",
        StopKind::RoundsSpent => "Budget spent: rounds",
        StopKind::TokensSpent => "Budget spent: tokens",
        StopKind::WallTimeSpent => "Budget spent: wall time",
        StopKind::ModelsSpent => "Budget spent: models",
        StopKind::Refused => "A step was refused",
        StopKind::NoProposals => "The coach proposed nothing",
        StopKind::SearchExhausted => "Search exhausted",
        StopKind::UserStopped => "Stopped by you",
        StopKind::Failed => "Failed",
    }
}

/// A verdict's snake_case name, for badges.
pub fn verdict_name(verdict: ProposalVerdict) -> &'static str {
    match verdict {
        ProposalVerdict::Allowed => "allowed",
        ProposalVerdict::Refused => "refused",
        ProposalVerdict::Cut => "cut",
    }
}

/// "MODEL: Sharpe 0.91 vs buy-and-hold 0.62 (beats it), return 12.3% vs
/// 8.1%, 12 folds".
pub fn result_line(result: &ModelResult) -> String {
    let verdict = if result.sharpe > result.buy_and_hold_sharpe {
        "beats it"
    } else {
        "does not beat it"
    };
    format!(
        "{}: Sharpe {} vs buy-and-hold {} ({verdict}), return {}% vs {}%, {} folds",
        result.model,
        fixed(result.sharpe, 2),
        fixed(result.buy_and_hold_sharpe, 2),
        fixed(result.cumulative_return * 100.0, 1),
        fixed(result.buy_and_hold_return * 100.0, 1),
        result.folds
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::{AutonomousSpend, AutonomousStatus};

    fn form() -> StartForm {
        StartForm {
            goal: "Beat buy-and-hold".to_string(),
            from: "2015-01-01".to_string(),
            to: "2018-12-31".to_string(),
            train_rows: "250".to_string(),
            test_rows: "250".to_string(),
            ..StartForm::initial()
        }
    }

    #[test]
    fn a_filled_form_becomes_the_request() {
        let request = build_request(&form()).unwrap();
        assert_eq!(request.goal.as_deref(), Some("Beat buy-and-hold"));
        assert_eq!(request.budget, AutonomousBudget::default());
        assert_eq!(request.data.request().from.as_deref(), Some("2015-01-01"));
        assert_eq!(request.data.request().symbol, "sp500");
        assert_eq!(
            (request.train_rows, request.test_rows),
            (Some(250), Some(250))
        );
        assert_eq!(request.horizon, Some(1));
        // No dates: the bundled id; no goal: the user's.
        let plain = build_request(&StartForm::initial()).unwrap();
        assert_eq!(plain.data, AutonomousData::Bundled("sp500".to_string()));
        assert_eq!(plain.goal, None);
        assert_eq!(plain.train_rows, None);
    }

    #[test]
    fn wrong_fields_are_named_with_their_range() {
        let with = |f: fn(&mut StartForm)| {
            let mut form = form();
            f(&mut form);
            build_request(&form).unwrap_err()
        };
        assert!(with(|f| f.max_rounds = "0".into()).starts_with("Max rounds"));
        assert!(with(|f| f.max_rounds = "21".into()).contains("1 to 20"));
        assert!(with(|f| f.max_tokens = "x".into()).starts_with("Max tokens"));
        assert!(with(|f| f.max_wall_seconds = "21601".into()).contains("1 to 21600"));
        assert!(with(|f| f.max_models = "501".into()).contains("1 to 500"));
        assert!(with(|f| f.horizon = "253".into()).starts_with("Horizon"));
        assert!(with(|f| f.from = "2015-13-01".into()).starts_with("From"));
        assert!(with(|f| f.to = "2014-01-01".into()).starts_with("To"));
        assert!(with(|f| f.symbol = " ".into()).starts_with("Dataset"));
        assert!(with(|f| f.train_rows = "0".into()).starts_with("Training rows"));
        assert!(with(|f| f.goal = "g".repeat(MAX_GOAL_CHARS + 1)).starts_with("Goal"));
    }

    #[test]
    fn meters_compare_each_spend_with_its_limit() {
        let run = AutonomousSummary {
            id: 1,
            goal: "g".into(),
            data: AutonomousData::Bundled("sp500".into()).request(),
            target: LabTarget::Direction,
            horizon: 1,
            status: AutonomousStatus::Running,
            budget: AutonomousBudget {
                max_rounds: 4,
                max_tokens: 1000,
                max_wall_seconds: 60,
                max_models: 10,
            },
            spend: AutonomousSpend {
                rounds: 2,
                tokens: 250,
                wall_seconds: 61,
                models: 10,
            },
            stop: None,
            best: None,
            created_at: "2026-01-01T00:00:00Z".into(),
            finished_at: None,
        };
        let m = meters(&run);
        assert_eq!(
            m.each_ref().map(|m| m.key),
            ["rounds", "tokens", "wall", "models"]
        );
        assert_eq!(m[0].fraction(), 0.5);
        assert_eq!(m[1].words(), "250 of 1000");
        assert_eq!(m[2].words(), "61 s of 60 s");
        assert!(!m[2].within() && m[2].fraction() == 1.0);
        assert!(m[3].within());
    }

    #[test]
    fn results_say_whether_they_beat_buy_and_hold() {
        let mut result = ModelResult {
            model: "m".into(),
            family: "f".into(),
            round: 1,
            sharpe: 0.9,
            buy_and_hold_sharpe: 0.6,
            cumulative_return: 0.123,
            buy_and_hold_return: 0.081,
            accuracy: None,
            folds: 12,
        };
        assert_eq!(
            result_line(&result),
            "m: Sharpe 0.90 vs buy-and-hold 0.60 (beats it), return 12.3% vs 8.1%, 12 folds"
        );
        result.sharpe = 0.5;
        assert!(result_line(&result).contains("does not beat it"));
        assert_eq!(stop_words(StopKind::UserStopped), "Stopped by you");
    }
}
