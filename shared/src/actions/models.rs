//! A static index of the model catalog (name, family, task) for parsing
//! and validation, and the selection rules: which entries a scope covers
//! and which entry stands for a family when one model is asked for.
//!
//! The index is data ([`super::model_index::ROWS`]), not a call to
//! [`crate::models::catalog`]: the catalog holds every model's factory, so
//! calling it from the page thread (chat parsing, form validation) would
//! link every model's training code into the browser's main module. The
//! test `index_matches_the_catalog` checks the table against the catalog
//! row by row and prints the new table when the catalog changes.

use super::lab::fits_target;
use super::model_index::ROWS;
use super::ModelScope;
use crate::models::{Family, Task};

/// One catalog entry, as parsing needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ModelInfo {
    /// Catalog name.
    pub name: &'static str,
    /// Family.
    pub family: Family,
    /// Task.
    pub task: Task,
    /// How many of the scikit-learn default hyperparameters (100 trees,
    /// C = 1, k = 5, alpha = 1, learning rate 0.1) it matches.
    defaultness: u8,
}

impl ModelInfo {
    /// A row of the index.
    pub(super) const fn new(
        name: &'static str,
        family: Family,
        task: Task,
        defaultness: u8,
    ) -> Self {
        ModelInfo {
            name,
            family,
            task,
            defaultness,
        }
    }
}

/// The catalog index, in catalog order.
pub(crate) fn index() -> &'static [ModelInfo] {
    ROWS
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
        .map(|info| shared(info.name))
        .max()
        .unwrap_or(0);
    if best < 3 {
        return Vec::new();
    }
    index()
        .iter()
        .filter(|info| shared(info.name) == best)
        .take(3)
        .map(|info| info.name)
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
        .map(|info| info.name.to_string())
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
    best.map(|info| info.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ParamValue;

    /// Hyperparameter values that mark a family's "default" entry.
    const DEFAULT_PARAMS: [(&str, f64); 5] = [
        ("n_estimators", 100.0),
        ("c", 1.0),
        ("k", 5.0),
        ("alpha", 1.0),
        ("learning_rate", 0.1),
    ];

    /// The index as `model_index.rs` should hold it, from the catalog.
    fn expected_table() -> String {
        let mut out = String::new();
        for entry in crate::models::catalog() {
            let defaultness = DEFAULT_PARAMS
                .iter()
                .filter(|(name, value)| {
                    matches!(entry.spec.params.get(*name), Some(ParamValue::Number(v)) if v == value)
                })
                .count();
            out.push_str(&format!(
                "    ModelInfo::new({:?}, Family::{:?}, Task::{:?}, {defaultness}),\n",
                entry.spec.name, entry.spec.family, entry.spec.task
            ));
        }
        out
    }

    #[test]
    fn index_matches_the_catalog() {
        let table: String = index()
            .iter()
            .map(|info| {
                format!(
                    "    ModelInfo::new({:?}, Family::{:?}, Task::{:?}, {}),\n",
                    info.name, info.family, info.task, info.defaultness
                )
            })
            .collect();
        let expected = expected_table();
        assert!(
            table == expected,
            "the catalog changed: replace the rows of shared/src/actions/model_index.rs with\n{expected}"
        );
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
