//! A cached index of the model catalog (name, family, task) for parsing
//! and validation, and the selection rules: which entries a scope covers
//! and which entry stands for a family when one model is asked for.
//!
//! The index is built once per process from [`crate::models::catalog`]
//! (it is the same on every call), so parsing never rebuilds the catalog.

use std::sync::OnceLock;

use super::lab::fits_target;
use super::ModelScope;
use crate::api::ParamValue;
use crate::models::{catalog, Family, Task};

/// One catalog entry, as parsing needs it.
#[derive(Clone, Debug)]
pub(crate) struct ModelInfo {
    /// Catalog name.
    pub name: String,
    /// Family.
    pub family: Family,
    /// Task.
    pub task: Task,
    /// How many of [`DEFAULT_PARAMS`] it matches.
    defaultness: usize,
}

/// Hyperparameter values that mark a family's "default" entry: the
/// scikit-learn defaults (100 trees, C = 1, k = 5, alpha = 1, learning
/// rate 0.1).
const DEFAULT_PARAMS: [(&str, f64); 5] = [
    ("n_estimators", 100.0),
    ("c", 1.0),
    ("k", 5.0),
    ("alpha", 1.0),
    ("learning_rate", 0.1),
];

/// The catalog index, in catalog order.
pub(crate) fn index() -> &'static [ModelInfo] {
    static INDEX: OnceLock<Vec<ModelInfo>> = OnceLock::new();
    INDEX.get_or_init(|| {
        catalog()
            .into_iter()
            .map(|entry| {
                let defaultness = DEFAULT_PARAMS
                    .iter()
                    .filter(|(name, value)| {
                        matches!(entry.spec.params.get(*name), Some(ParamValue::Number(v)) if v == value)
                    })
                    .count();
                ModelInfo {
                    name: entry.spec.name,
                    family: entry.spec.family,
                    task: entry.spec.task,
                    defaultness,
                }
            })
            .collect()
    })
}

/// The entry called `name`.
pub(crate) fn find(name: &str) -> Option<&'static ModelInfo> {
    index().iter().find(|info| info.name == name)
}

/// The family whose wire name is `name`.
pub(crate) fn family(name: &str) -> Option<Family> {
    Family::ALL.into_iter().find(|f| f.as_str() == name)
}

/// Up to three catalog names that start like `name` (longest shared
/// prefix first), for "did you mean" hints.
pub(crate) fn close_names(name: &str) -> Vec<&'static str> {
    let shared = |a: &str| {
        a.bytes()
            .zip(name.bytes())
            .take_while(|(x, y)| x == y)
            .count()
    };
    let best = index()
        .iter()
        .map(|info| shared(&info.name))
        .max()
        .unwrap_or(0);
    if best < 3 {
        return Vec::new();
    }
    index()
        .iter()
        .filter(|info| shared(&info.name) == best)
        .take(3)
        .map(|info| info.name.as_str())
        .collect()
}

/// The catalog names a run covers, in catalog order: entries that fit the
/// target (see [`fits_target`]) and the scope (`name` is the model for
/// [`ModelScope::Model`], the family for [`ModelScope::Family`], ignored for
/// [`ModelScope::Catalog`]).
pub fn models_for(scope: ModelScope, target: Task, name: Option<&str>) -> Vec<String> {
    let name = name.unwrap_or_default();
    index()
        .iter()
        .filter(|info| fits_target(info.task, target))
        .filter(|info| match scope {
            ModelScope::Model => info.name == name,
            ModelScope::Family => info.family.as_str() == name,
            ModelScope::Catalog => true,
        })
        .map(|info| info.name.clone())
        .collect()
}

/// The entry that stands for `family` when one model is asked for ("train
/// a random forest"): among the family's entries for `target`, the first in
/// catalog order with the most scikit-learn default hyperparameters
/// (100 trees, C = 1, k = 5, alpha = 1, learning rate 0.1); `None` when
/// the family has no entry for the target.
pub fn default_model(family: Family, target: Task) -> Option<&'static str> {
    let mut best: Option<&ModelInfo> = None;
    for info in index()
        .iter()
        .filter(|info| info.family == family && fits_target(info.task, target))
    {
        if best.is_none_or(|b| info.defaultness > b.defaultness) {
            best = Some(info);
        }
    }
    best.map(|info| info.name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_matches_the_catalog() {
        let entries = catalog();
        assert_eq!(index().len(), entries.len());
        for (info, entry) in index().iter().zip(&entries) {
            assert_eq!(info.name, entry.spec.name);
            assert_eq!(info.family, entry.spec.family);
        }
        assert!(find("random_forest_clf_100_sqrt").is_some());
        assert!(find("random_forest_clf_999").is_none());
        assert_eq!(family("gradient_boosting"), Some(Family::GradientBoosting));
        assert_eq!(family("oracle"), None);
    }

    #[test]
    fn default_models_prefer_library_defaults() {
        let pick = |f, t| default_model(f, t).unwrap();
        assert_eq!(
            pick(Family::RandomForest, Task::Classification),
            "random_forest_clf_100_sqrt"
        );
        assert_eq!(
            pick(Family::RandomForest, Task::Regression),
            "random_forest_reg_100_sqrt_leaf5"
        );
        assert_eq!(
            pick(Family::GradientBoosting, Task::Classification),
            "gradient_boosting_clf_100_lr0_1_depth3"
        );
        assert_eq!(
            pick(Family::Logistic, Task::Classification),
            "logistic_l2_c_1"
        );
        assert_eq!(pick(Family::Knn, Task::Classification), "knn_clf_k5");
        assert_eq!(default_model(Family::Logistic, Task::Regression), None);
        // Every family has a default for each target it has entries for.
        for family in Family::ALL {
            for target in [Task::Classification, Task::Regression] {
                let any = index()
                    .iter()
                    .any(|i| i.family == family && fits_target(i.task, target));
                assert_eq!(
                    default_model(family, target).is_some(),
                    any,
                    "{family:?} {target:?}"
                );
            }
        }
    }

    #[test]
    fn close_names_share_a_prefix() {
        let close = close_names("random_forest_clf_999");
        assert!(!close.is_empty());
        assert!(
            close.iter().all(|n| n.starts_with("random_forest_clf_")),
            "{close:?}"
        );
        assert!(close_names("zzz").is_empty());
    }

    #[test]
    fn models_for_scopes() {
        let family = models_for(
            ModelScope::Family,
            Task::Regression,
            Some("gradient_boosting"),
        );
        assert!(family
            .iter()
            .all(|n| n.starts_with("gradient_boosting_reg")));
        assert_eq!(family.len(), 6);
        assert!(models_for(ModelScope::Model, Task::Classification, None).is_empty());
        let all = models_for(ModelScope::Catalog, Task::Classification, None);
        assert!(all.contains(&"kmeans_k2".to_string()));
    }
}
