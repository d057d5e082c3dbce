//! Random forests, extremely randomised trees and bagging: averages of
//! histogram trees (see `hist`) grown on bootstrap samples (sampled row
//! counts as weights) or on all rows, with a random feature subset per
//! split; bagging also wraps the exact CART of `tree`. Classification trees
//! minimise Gini impurity, which for 0/1 labels picks the same splits as
//! squared error on the labels, so every tree predicts P(up) in its leaves
//! and the forest averages them. Hand-written, seeded only by `fit`'s seed.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::models::families::hist::{
    self, BinnedData, Bins, FlatTree, GrowConfig, Grower, SplitKind,
};
use crate::models::families::tree::{self, CartConfig, Criterion, Presorted};
use crate::models::{num, txt, CatalogEntry, Family, Matrix, Model, ModelError, Params, Task};

/// This family's entries: random forests, extra trees and bagging.
pub fn entries() -> Vec<CatalogEntry> {
    let mut out = Vec::new();
    let implementation = "hand-written";
    use crate::models::Factory;
    use Kind::{Bagging, ExtraTrees, RandomForest};
    use Task::{Classification as C, Regression as R};
    let factory = |kind: Kind, task: Task| -> Factory {
        match (kind, task) {
            (RandomForest, C) => |p| Ok(Box::new(Forest::from_params(p, RandomForest, C)?)),
            (RandomForest, _) => |p| Ok(Box::new(Forest::from_params(p, RandomForest, R)?)),
            (ExtraTrees, C) => |p| Ok(Box::new(Forest::from_params(p, ExtraTrees, C)?)),
            (ExtraTrees, _) => |p| Ok(Box::new(Forest::from_params(p, ExtraTrees, R)?)),
            (Bagging, C) => |p| Ok(Box::new(Forest::from_params(p, Bagging, C)?)),
            (Bagging, _) => |p| Ok(Box::new(Forest::from_params(p, Bagging, R)?)),
        }
    };
    // (task, n_estimators, max_depth, max_features, min_samples_leaf)
    type Row = (Task, f64, Option<f64>, &'static str, f64);
    let rf: [Row; 12] = [
        (Task::Classification, 50.0, None, "sqrt", 1.0),
        (Task::Classification, 100.0, None, "sqrt", 1.0),
        (Task::Classification, 200.0, None, "sqrt", 1.0),
        (Task::Classification, 100.0, Some(6.0), "sqrt", 1.0),
        (Task::Classification, 100.0, Some(10.0), "0.5", 1.0),
        (Task::Classification, 100.0, None, "sqrt", 20.0),
        (Task::Classification, 200.0, Some(8.0), "0.5", 5.0),
        (Task::Regression, 50.0, None, "sqrt", 5.0),
        (Task::Regression, 100.0, None, "sqrt", 5.0),
        (Task::Regression, 100.0, Some(6.0), "0.5", 1.0),
        (Task::Regression, 200.0, Some(10.0), "sqrt", 5.0),
        (Task::Regression, 100.0, None, "0.5", 20.0),
    ];
    let et: [Row; 9] = [
        (Task::Classification, 50.0, None, "sqrt", 1.0),
        (Task::Classification, 100.0, None, "sqrt", 1.0),
        (Task::Classification, 200.0, None, "sqrt", 1.0),
        (Task::Classification, 100.0, Some(8.0), "0.5", 1.0),
        (Task::Classification, 100.0, None, "sqrt", 20.0),
        (Task::Regression, 50.0, None, "1.0", 5.0),
        (Task::Regression, 100.0, None, "1.0", 5.0),
        (Task::Regression, 100.0, Some(8.0), "sqrt", 1.0),
        (Task::Regression, 200.0, None, "0.5", 20.0),
    ];
    for (prefix, family, kind, rows) in [
        ("random_forest", Family::RandomForest, RandomForest, &rf[..]),
        ("extra_trees", Family::ExtraTrees, ExtraTrees, &et[..]),
    ] {
        for &(task, n, depth, features, leaf) in rows {
            let name = row_name(prefix, task, n, depth, features, leaf);
            let mut params = vec![
                ("n_estimators", num(n)),
                ("max_features", txt(features)),
                ("min_samples_leaf", num(leaf)),
            ];
            if let Some(d) = depth {
                params.push(("max_depth", num(d)));
            }
            out.push(CatalogEntry::new(
                &name,
                family,
                task,
                &params,
                implementation,
                factory(kind, task),
            ));
        }
    }
    // Bagging: full histogram trees on every feature, and exact CART trees.
    for (task, n, base) in [
        (Task::Classification, 25.0, "hist_tree"),
        (Task::Classification, 100.0, "hist_tree"),
        (Task::Regression, 50.0, "hist_tree"),
        (Task::Classification, 25.0, "cart_depth5"),
        (Task::Regression, 25.0, "cart_depth5"),
    ] {
        let name = format!(
            "bagging_{}_{}_{}",
            if task == Task::Classification {
                "clf"
            } else {
                "reg"
            },
            base,
            n as usize
        );
        out.push(CatalogEntry::new(
            &name,
            Family::Ensemble,
            task,
            &[("n_estimators", num(n)), ("base_estimator", txt(base))],
            implementation,
            factory(Bagging, task),
        ));
    }
    out
}

/// `random_forest_clf_100_sqrt`, `..._depth6`, `..._leaf20` and so on.
fn row_name(
    prefix: &str,
    task: Task,
    n: f64,
    depth: Option<f64>,
    features: &str,
    leaf: f64,
) -> String {
    let mut name = format!(
        "{prefix}_{}_{}_{}",
        if task == Task::Classification {
            "clf"
        } else {
            "reg"
        },
        n as usize,
        match features {
            "sqrt" => "sqrt".to_string(),
            "1.0" => "all".to_string(),
            other => format!("f{}", other.replace('.', "_")),
        }
    );
    if let Some(d) = depth {
        name.push_str(&format!("_depth{}", d as usize));
    }
    if leaf > 1.0 {
        name.push_str(&format!("_leaf{}", leaf as usize));
    }
    name
}

/// Which ensemble of trees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Bootstrap samples, best splits over a random feature subset.
    RandomForest,
    /// All rows, random thresholds over a random feature subset.
    ExtraTrees,
    /// Bootstrap samples, every feature a candidate (histogram trees or
    /// exact CART).
    Bagging,
}

/// How many features each split may look at.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MaxFeatures {
    /// `max(1, floor(sqrt(p)))`.
    Sqrt,
    /// `max(1, floor(fraction * p))`.
    Fraction(f64),
}

impl MaxFeatures {
    /// The count for `p` features.
    fn count(self, p: usize) -> usize {
        let k = match self {
            MaxFeatures::Sqrt => (p as f64).sqrt().floor() as usize,
            MaxFeatures::Fraction(f) => (f * p as f64).floor() as usize,
        };
        k.clamp(1, p.max(1))
    }
}

/// Settings of a tree ensemble.
#[derive(Clone, Copy, Debug)]
pub struct ForestConfig {
    /// Which ensemble.
    pub kind: Kind,
    /// Classification or regression.
    pub task: Task,
    /// Number of trees.
    pub n_estimators: usize,
    /// Deepest level (`usize::MAX`: none).
    pub max_depth: usize,
    /// Features per split.
    pub max_features: MaxFeatures,
    /// Least (bootstrap-weighted) rows in a leaf.
    pub min_samples_leaf: usize,
    /// For bagging: exact CART trees of this depth instead of histogram trees.
    pub cart_depth: Option<usize>,
}

/// The trained trees.
#[derive(Clone, Debug, Default)]
struct Trained {
    trees: Vec<FlatTree>,
    n_features: usize,
}

/// A random forest, extra-trees ensemble or bagged trees.
#[derive(Clone, Debug)]
pub struct Forest {
    config: ForestConfig,
    trained: Option<Trained>,
}

impl Forest {
    /// An untrained ensemble.
    pub fn new(config: ForestConfig) -> Forest {
        Forest {
            config,
            trained: None,
        }
    }

    /// From catalog params.
    pub fn from_params(params: &Params, kind: Kind, task: Task) -> Result<Forest, ModelError> {
        let n_estimators = tree::count(params, "n_estimators")?;
        let (max_features, min_samples_leaf, cart_depth) = if kind == Kind::Bagging {
            let cart_depth = match crate::models::text(params, "base_estimator")? {
                "hist_tree" => None,
                "cart_depth5" => Some(5),
                other => {
                    return Err(ModelError::Param {
                        name: "base_estimator".into(),
                        reason: format!("unknown base estimator {other}"),
                    })
                }
            };
            (MaxFeatures::Fraction(1.0), 1, cart_depth)
        } else {
            let max_features = match crate::models::text(params, "max_features")? {
                "sqrt" => MaxFeatures::Sqrt,
                other => match other.parse::<f64>() {
                    Ok(f) if f > 0.0 && f <= 1.0 => MaxFeatures::Fraction(f),
                    _ => {
                        return Err(ModelError::Param {
                            name: "max_features".into(),
                            reason: format!("expected sqrt or a fraction in (0, 1], got {other}"),
                        })
                    }
                },
            };
            (max_features, tree::count(params, "min_samples_leaf")?, None)
        };
        Ok(Forest::new(ForestConfig {
            kind,
            task,
            n_estimators,
            max_depth: tree::max_depth(params)?,
            max_features,
            min_samples_leaf,
            cart_depth,
        }))
    }

    /// Mean of the trees' outputs for each row.
    fn average(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let trained = self.trained.as_ref().ok_or(ModelError::NotTrained)?;
        hist::check_predict(x, trained.n_features)?;
        let scale = 1.0 / trained.trees.len() as f64;
        // Trees outermost: one tree's nodes stay in cache over all rows.
        let mut sum = vec![0.0; x.rows()];
        for t in &trained.trees {
            t.add_outputs(x, &mut sum);
        }
        Ok(sum.into_iter().map(|s| s * scale).collect())
    }
}

impl Model for Forest {
    fn fit(&mut self, x: &Matrix, y: &[f64], seed: u64) -> Result<(), ModelError> {
        self.trained = None;
        hist::check_training(x, y)?;
        if self.config.task == Task::Classification {
            tree::check_two_classes(y)?;
        }
        let n = x.rows();
        let p = x.cols();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let bootstrap = self.config.kind != Kind::ExtraTrees;
        let mut trees = Vec::with_capacity(self.config.n_estimators);
        let mut counts = vec![0u32; n];
        let mut w = vec![0.0; n];
        let mut g = vec![0.0; n];
        if let Some(depth) = self.config.cart_depth {
            let data = Presorted::new(x, y)?;
            let cart = CartConfig {
                criterion: if self.config.task == Task::Classification {
                    Criterion::Gini
                } else {
                    Criterion::Mse
                },
                max_depth: depth,
                min_samples_leaf: 1,
            };
            for _ in 0..self.config.n_estimators {
                bootstrap_counts(&mut rng, &mut counts);
                for (wi, &c) in w.iter_mut().zip(&counts) {
                    *wi = f64::from(c);
                }
                trees.push(data.grow(&w, &cart));
            }
        } else {
            let bins = Bins::fit(x);
            let codes = bins.codes(x);
            let data = BinnedData {
                bins: &bins,
                codes: &codes,
            };
            let config = GrowConfig {
                max_depth: self.config.max_depth,
                min_leaf_weight: self.config.min_samples_leaf as f64,
                min_leaf_hessian: 0.0,
                lambda: 0.0,
                max_features: self.config.max_features.count(p),
                split: if self.config.kind == Kind::ExtraTrees {
                    SplitKind::Random
                } else {
                    SplitKind::Best
                },
            };
            let mut grower = Grower::default();
            for _ in 0..self.config.n_estimators {
                let rows: Vec<u32> = if bootstrap {
                    bootstrap_counts(&mut rng, &mut counts);
                    (0..n as u32).filter(|&r| counts[r as usize] > 0).collect()
                } else {
                    counts.fill(1);
                    (0..n as u32).collect()
                };
                for r in 0..n {
                    w[r] = f64::from(counts[r]);
                    g[r] = w[r] * y[r];
                }
                trees.push(grower.grow(&data, &g, &w, &w, rows, &config, &mut rng));
            }
        }
        self.trained = Some(Trained {
            trees,
            n_features: p,
        });
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let mean = self.average(x)?;
        Ok(if self.config.task == Task::Classification {
            mean.into_iter().map(tree::label).collect()
        } else {
            mean
        })
    }

    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        if self.config.task != Task::Classification {
            return Ok(None);
        }
        self.average(x).map(Some)
    }
}

/// `counts[r]`: how often row `r` is drawn in `n` draws with replacement.
pub(crate) fn bootstrap_counts(rng: &mut Xoshiro256PlusPlus, counts: &mut [u32]) {
    let n = counts.len();
    counts.fill(0);
    for _ in 0..n {
        counts[hist::below(rng, n)] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> (Matrix, Vec<f64>) {
        let rows: Vec<Vec<f64>> = (0..300)
            .map(|i| {
                let a = f64::from(i % 17) / 17.0;
                let b = f64::from((i * 7) % 23) / 23.0;
                vec![a, b, f64::from(i % 3)]
            })
            .collect();
        let y = rows
            .iter()
            .map(|r| f64::from(u8::from(r[0] + r[1] > 1.0)))
            .collect();
        (Matrix::from_rows(&rows).unwrap(), y)
    }

    #[test]
    fn every_entry_learns_a_simple_rule_and_repeats_itself() {
        let (x, y) = data();
        let yr: Vec<f64> = y.iter().map(|v| v * 0.02 - 0.01).collect();
        for entry in entries() {
            let target = if entry.spec.task == Task::Classification {
                &y
            } else {
                &yr
            };
            let a = crate::models::families::fit_predict_twice(&entry, &x, target, 7);
            // Share of rows on the wrong side of the rule (labels 0/1,
            // returns -0.01/+0.01).
            let cut = if entry.spec.task == Task::Classification {
                0.5
            } else {
                0.0
            };
            let wrong = a
                .iter()
                .zip(target)
                .filter(|(p, t)| (**p > cut) != (**t > cut))
                .count() as f64
                / 300.0;
            assert!(wrong < 0.2, "{}: {wrong}", entry.spec.name);
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        let entry = &entries()[0];
        let mut model = entry.build().unwrap();
        let x = Matrix::new(2, 1, vec![1.0, 2.0]).unwrap();
        assert_eq!(model.predict(&x), Err(ModelError::NotTrained));
        assert!(model.fit(&x, &[1.0, 1.0], 0).is_err());
        assert!(model.fit(&x, &[0.0, 0.5], 0).is_err());
        assert!(model
            .fit(
                &Matrix::new(2, 1, vec![1.0, f64::INFINITY]).unwrap(),
                &[0.0, 1.0],
                0
            )
            .is_err());
        model.fit(&x, &[0.0, 1.0], 0).unwrap();
        assert!(model.predict(&Matrix::zeros(1, 2)).is_err());
    }
}
