//! The catalog: every named, trainable configuration, gathered from the
//! family modules. Names are unique and no two entries are the same model
//! under two names (same family, task and parameters); tests check both.

use super::{families, CatalogEntry, Family};

/// Every entry, grouped by family in [`Family::ALL`] order.
pub fn catalog() -> Vec<CatalogEntry> {
    let mut entries = Vec::new();
    entries.extend(families::baseline::entries());
    entries.extend(families::linear::entries());
    entries.extend(families::logistic::entries());
    entries.extend(families::knn::entries());
    entries.extend(families::naive_bayes::entries());
    entries.extend(families::svm::entries());
    entries.extend(families::pca::entries());
    entries.extend(families::tree::entries());
    entries.extend(families::forest::entries());
    entries.extend(families::boosting::entries());
    entries.extend(families::mlp::entries());
    entries.extend(families::clustering::entries());
    entries.extend(families::ensemble::entries());
    entries.sort_by_key(|entry| {
        Family::ALL
            .iter()
            .position(|family| *family == entry.spec.family)
    });
    entries
}

/// The entry called `name`.
pub fn entry(name: &str) -> Option<CatalogEntry> {
    catalog().into_iter().find(|entry| entry.spec.name == name)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn names_are_unique_and_well_formed_and_configurations_distinct() {
        let entries = catalog();
        let mut names = HashSet::new();
        let mut configurations = HashSet::new();
        for entry in &entries {
            let spec = &entry.spec;
            assert!(
                names.insert(spec.name.clone()),
                "duplicate name {}",
                spec.name
            );
            assert!(
                spec.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                spec.name
            );
            let key = format!("{:?}|{:?}|{:?}", spec.family, spec.task, spec.params);
            assert!(
                configurations.insert(key),
                "{} repeats another entry",
                spec.name
            );
        }
    }
}
