//! The lab's defaults and what a [`RunLab`] action means for the lab
//! worker: which catalog entries, which task, which walk-forward settings
//! and which data request. The Lab screen and the chat use the same
//! defaults, defined here once.
//!
//! Pure: no execution; the app's lab worker runs what this describes.

use super::{models, LabTarget, ModelScope, RunLab, WindowKind};
use crate::api::DataRequest;
use crate::models::{Task, WalkForwardConfig, Window};

/// The lab's default walk-forward settings: 1,000 training rows, 250 test
/// rows, no gap (horizon 1), expanding windows, seed 42, 5 bps per unit of
/// position change.
pub const LAB_DEFAULTS: WalkForwardConfig = WalkForwardConfig {
    train_rows: 1_000,
    test_rows: 250,
    gap: 0,
    window: Window::Expanding,
    seed: 42,
    cost_bps: 5.0,
};

/// Whether a catalog entry of `task` may run for the lab target `target`:
/// classification runs take classifiers and clusterers (regime labels),
/// regression runs take regressors.
pub fn fits_target(task: Task, target: Task) -> bool {
    match target {
        Task::Regression => task == Task::Regression,
        _ => task != Task::Regression,
    }
}

impl LabTarget {
    /// The task the lab trains for: direction is classification, return
    /// is regression.
    pub fn task(self) -> Task {
        match self {
            LabTarget::Direction => Task::Classification,
            LabTarget::Return => Task::Regression,
        }
    }
}

impl RunLab {
    /// A run of `scope` (`name` is the model or family) on the bundled
    /// dataset `symbol`, with every other field at its default: direction,
    /// horizon 1, the lab's walk-forward settings, seed 42.
    pub fn new(symbol: &str, scope: ModelScope, name: Option<&str>) -> RunLab {
        RunLab {
            source: "bundled".to_string(),
            symbol: symbol.to_string(),
            target: LabTarget::Direction,
            horizon: 1,
            scope,
            name: name.map(str::to_string),
            train_rows: None,
            test_rows: None,
            gap: None,
            window: None,
            cost_bps: None,
            seed: LAB_DEFAULTS.seed,
        }
    }

    /// The catalog names this run covers, in catalog order, filtered by
    /// the target (see [`fits_target`]); empty when nothing matches.
    pub fn models(&self) -> Vec<String> {
        models::models_for(self.scope, self.task(), self.name.as_deref())
    }

    /// Direction is classification, return is regression.
    pub fn task(&self) -> Task {
        self.target.task()
    }

    /// [`LAB_DEFAULTS`] overridden by the fields given. The gap defaults to
    /// `horizon - 1`, the smallest gap free of label leakage (the lab's 0
    /// for a one-day horizon); the seed is the action's.
    pub fn walk_forward(&self) -> WalkForwardConfig {
        let rows = |value: Option<u32>, default: usize| {
            value.map_or(default, |v| usize::try_from(v).unwrap_or(usize::MAX))
        };
        let horizon_gap = usize::try_from(self.horizon.saturating_sub(1)).unwrap_or(usize::MAX);
        WalkForwardConfig {
            train_rows: rows(self.train_rows, LAB_DEFAULTS.train_rows),
            test_rows: rows(self.test_rows, LAB_DEFAULTS.test_rows),
            gap: rows(self.gap, horizon_gap),
            window: match self.window {
                Some(WindowKind::Rolling) => Window::Rolling,
                Some(WindowKind::Expanding) => Window::Expanding,
                None => LAB_DEFAULTS.window,
            },
            seed: self.seed,
            cost_bps: self.cost_bps.unwrap_or(LAB_DEFAULTS.cost_bps),
        }
    }

    /// The data the run needs: the whole series of the dataset or upload.
    pub fn data_request(&self) -> DataRequest {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(scope: ModelScope, name: Option<&str>) -> RunLab {
        RunLab::new("sp500", scope, name)
    }

    #[test]
    fn targets_pick_tasks() {
        assert!(fits_target(Task::Clustering, Task::Classification));
        assert!(fits_target(Task::Classification, Task::Classification));
        assert!(!fits_target(Task::Regression, Task::Classification));
        assert!(fits_target(Task::Regression, Task::Regression));
        assert!(!fits_target(Task::Clustering, Task::Regression));
        assert_eq!(LabTarget::Return.task(), Task::Regression);
        assert_eq!(LabTarget::Direction.task(), Task::Classification);
    }

    #[test]
    fn defaults_and_overrides() {
        let mut run = lab(ModelScope::Catalog, None);
        assert_eq!(run.walk_forward(), LAB_DEFAULTS);
        run.horizon = 5;
        assert_eq!(run.walk_forward().gap, 4, "the gap follows the horizon");
        assert!(run.walk_forward().validate_for_horizon(5).is_ok());
        run.gap = Some(10);
        run.train_rows = Some(500);
        run.test_rows = Some(100);
        run.window = Some(WindowKind::Rolling);
        run.cost_bps = Some(2.5);
        run.seed = 7;
        let config = run.walk_forward();
        assert_eq!(
            (config.train_rows, config.test_rows, config.gap),
            (500, 100, 10)
        );
        assert_eq!(config.window, Window::Rolling);
        assert_eq!((config.seed, config.cost_bps), (7, 2.5));
        let request = run.data_request();
        assert_eq!(
            (request.source.as_str(), request.symbol.as_str()),
            ("bundled", "sp500")
        );
    }

    #[test]
    fn scopes_select_by_target() {
        let one = lab(ModelScope::Model, Some("baseline_majority_class"));
        assert_eq!(one.models(), vec!["baseline_majority_class".to_string()]);
        let mut wrong = one.clone();
        wrong.target = LabTarget::Return;
        assert!(wrong.models().is_empty());
        let mut all = lab(ModelScope::Catalog, None);
        all.target = LabTarget::Return;
        let names = all.models();
        assert!(names.contains(&"baseline_mean_return".to_string()));
        assert!(!names.contains(&"baseline_majority_class".to_string()));
        let family = lab(ModelScope::Family, Some("random_forest"));
        let names = family.models();
        assert!(!names.is_empty());
        assert!(names.iter().all(|n| n.starts_with("random_forest_clf")));
    }
}
