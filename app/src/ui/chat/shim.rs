//! TEMPORARY: replaced by `shared::actions` at merge. Minimal stand-ins for
//! the helper methods on the action types that are being written in
//! `shared::actions` (same names and signatures), so the chat screen
//! compiles on this branch. The lead deletes this file and switches the
//! imports (`use super::shim::...` -> `shared::actions`) at merge. Nothing
//! else in the app may depend on anything here but these names.

use shared::actions::{
    Action, ExerciseStyle, FetchData, LabTarget, ModelScope, OptionRight, PriceOption, RunLab,
    SetGoal, WindowKind,
};
use shared::api::{DataRequest, GoalRequest};
use shared::models::{catalog, Task, WalkForwardConfig, Window};
use shared::pricing::binomial::Exercise;
use shared::pricing::inputs::DAYS_PER_YEAR;
use shared::pricing::{InputError, OptionKind, OptionParams};

use crate::lab::protocol::fits_target;

/// Temporary: the helper methods of `RunLab` (replaced by `shared::actions`).
pub trait RunLabExt {
    /// The catalog names the run covers.
    fn models(&self) -> Vec<String>;
    /// Direction -> classification, return -> regression.
    fn task(&self) -> Task;
    /// The walk-forward settings with the lab's defaults filled in.
    fn walk_forward(&self) -> WalkForwardConfig;
    /// The data request for the gateway.
    fn data_request(&self) -> DataRequest;
}

impl RunLabExt for RunLab {
    fn models(&self) -> Vec<String> {
        let task = self.task();
        let name = self.name.clone().unwrap_or_default();
        catalog()
            .into_iter()
            .filter(|e| fits_target(e.spec.task, task))
            .filter(|e| match self.scope {
                ModelScope::Model => e.spec.name == name,
                ModelScope::Family => e.spec.family.as_str() == name,
                ModelScope::Catalog => true,
            })
            .map(|e| e.spec.name)
            .collect()
    }

    fn task(&self) -> Task {
        match self.target {
            LabTarget::Direction => Task::Classification,
            LabTarget::Return => Task::Regression,
        }
    }

    fn walk_forward(&self) -> WalkForwardConfig {
        WalkForwardConfig {
            train_rows: self.train_rows.unwrap_or(1000) as usize,
            test_rows: self.test_rows.unwrap_or(250) as usize,
            gap: self
                .gap
                .unwrap_or(self.horizon.saturating_sub(1))
                .max(self.horizon.saturating_sub(1)) as usize,
            window: match self.window {
                Some(WindowKind::Rolling) => Window::Rolling,
                _ => Window::Expanding,
            },
            seed: self.seed,
            cost_bps: self.cost_bps.unwrap_or(5.0),
        }
    }

    fn data_request(&self) -> DataRequest {
        DataRequest {
            source: self.source.clone(),
            symbol: self.symbol.clone(),
            from: None,
            to: None,
            timespan: None,
            multiplier: None,
        }
    }
}

/// Temporary: the helper method of `FetchData` (replaced by `shared::actions`).
pub trait FetchDataExt {
    /// The data request for the gateway.
    fn data_request(&self) -> DataRequest;
}

impl FetchDataExt for FetchData {
    fn data_request(&self) -> DataRequest {
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

/// Temporary: the helper method of `SetGoal` (replaced by `shared::actions`).
pub trait SetGoalExt {
    /// The goal request for `PUT /api/goal`.
    fn goal_request(&self) -> GoalRequest;
}

impl SetGoalExt for SetGoal {
    fn goal_request(&self) -> GoalRequest {
        GoalRequest {
            text: self.text.clone(),
            sources: self.sources.clone(),
        }
    }
}

/// Temporary: the helper methods of `PriceOption` (replaced by `shared::actions`).
pub trait PriceOptionExt {
    /// Validated pricing inputs.
    fn params(&self) -> Result<OptionParams, InputError>;
    /// European or American.
    fn exercise(&self) -> Exercise;
}

impl PriceOptionExt for PriceOption {
    fn params(&self) -> Result<OptionParams, InputError> {
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

    fn exercise(&self) -> Exercise {
        match self.exercise {
            ExerciseStyle::European => Exercise::European,
            ExerciseStyle::American => Exercise::American,
        }
    }
}

/// Temporary: `shared::actions::describe` (what the action will do, in words).
pub fn describe(action: &Action) -> String {
    match action {
        Action::FetchData(f) => format!("Fetch {} from {}", f.symbol, f.source),
        Action::RunLab(r) => format!(
            "Run {} on {} ({}, {}-day horizon)",
            r.name.clone().unwrap_or_else(|| "the catalog".into()),
            r.symbol,
            match r.target {
                LabTarget::Direction => "direction",
                LabTarget::Return => "return",
            },
            r.horizon
        ),
        Action::PriceOption(p) => {
            format!("Price a {:?} on {} strike {}", p.right, p.spot, p.strike)
        }
        Action::SetGoal(g) => format!("Set the goal to \"{}\"", g.text),
    }
}
