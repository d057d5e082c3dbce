//! Gradient boosting (second-order, LightGBM-style: Newton leaf values
//! `G / (H + lambda)` on the histogram trees of `hist`; log-loss for
//! classification, squared loss for regression) and AdaBoost (SAMME over
//! exact CART stumps and depth-2 trees, registered as `Family::Ensemble`).
//! Hand-written; `libm` for exp/ln so that results match bit for bit in
//! wasm32 and natively.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::models::families::hist::{
    self, BinnedData, Bins, FlatTree, GrowConfig, Grower, SplitKind,
};
use crate::models::families::tree::{self, CartConfig, Criterion, Presorted};
use crate::models::{
    num, number, CatalogEntry, Factory, Family, Matrix, Model, ModelError, Params, Task,
};

/// This family's entries: gradient boosting, and AdaBoost (ensemble family).
pub fn entries() -> Vec<CatalogEntry> {
    let mut out = Vec::new();
    let clf: Factory = |p| {
        Ok(Box::new(GradientBoosting::from_params(
            p,
            Task::Classification,
        )?))
    };
    let reg: Factory = |p| {
        Ok(Box::new(GradientBoosting::from_params(
            p,
            Task::Regression,
        )?))
    };
    // (n_estimators, learning_rate, max_depth, subsample)
    let clf_rows: [(f64, f64, f64, f64); 8] = [
        (100.0, 0.1, 3.0, 1.0),
        (100.0, 0.1, 4.0, 1.0),
        (100.0, 0.1, 6.0, 1.0),
        (200.0, 0.05, 3.0, 1.0),
        (300.0, 0.03, 4.0, 1.0),
        (50.0, 0.2, 3.0, 1.0),
        (100.0, 0.1, 2.0, 1.0),
        (200.0, 0.05, 4.0, 0.8),
    ];
    let reg_rows: [(f64, f64, f64, f64); 6] = [
        (100.0, 0.1, 3.0, 1.0),
        (100.0, 0.1, 5.0, 1.0),
        (200.0, 0.05, 3.0, 1.0),
        (300.0, 0.03, 4.0, 1.0),
        (50.0, 0.2, 2.0, 1.0),
        (200.0, 0.05, 4.0, 0.8),
    ];
    for (task, rows, factory) in [
        (Task::Classification, &clf_rows[..], clf),
        (Task::Regression, &reg_rows[..], reg),
    ] {
        for &(n, lr, depth, subsample) in rows {
            let mut name = format!(
                "gradient_boosting_{}_{}_lr{}_depth{}",
                if task == Task::Classification {
                    "clf"
                } else {
                    "reg"
                },
                n as usize,
                format!("{lr}").replace("0.", "0_"),
                depth as usize
            );
            let mut params = vec![
                ("n_estimators", num(n)),
                ("learning_rate", num(lr)),
                ("max_depth", num(depth)),
            ];
            if subsample < 1.0 {
                name.push_str("_subsample0_8");
                params.push(("subsample", num(subsample)));
            }
            out.push(CatalogEntry::new(
                &name,
                Family::GradientBoosting,
                task,
                &params,
                "hand-written",
                factory,
            ));
        }
    }
    for (n, depth) in [
        (50.0, 1.0),
        (100.0, 1.0),
        (200.0, 1.0),
        (50.0, 2.0),
        (100.0, 2.0),
    ] {
        out.push(CatalogEntry::new(
            &format!("adaboost_samme_{}_depth{}", n as usize, depth as usize),
            Family::Ensemble,
            Task::Classification,
            &[("n_estimators", num(n)), ("max_depth", num(depth))],
            "hand-written",
            |p| Ok(Box::new(AdaBoost::from_params(p)?)),
        ));
    }
    out
}

/// Settings of gradient boosting.
#[derive(Clone, Copy, Debug)]
pub struct BoostConfig {
    /// Log-loss (classification) or squared loss (regression).
    pub task: Task,
    /// Boosting rounds.
    pub n_estimators: usize,
    /// Shrinkage of each tree.
    pub learning_rate: f64,
    /// Depth of each tree.
    pub max_depth: usize,
    /// Fewest rows per leaf (LightGBM's `min_data_in_leaf`, 20).
    pub min_samples_leaf: usize,
    /// Share of rows drawn (without replacement) for each tree.
    pub subsample: f64,
    /// L2 penalty on leaf values.
    pub lambda: f64,
}

/// Gradient-boosted trees.
#[derive(Clone, Debug)]
pub struct GradientBoosting {
    config: BoostConfig,
    trained: Option<(f64, Vec<FlatTree>, usize)>,
}

impl GradientBoosting {
    /// An untrained model.
    pub fn new(config: BoostConfig) -> GradientBoosting {
        GradientBoosting {
            config,
            trained: None,
        }
    }

    /// From catalog params `n_estimators`, `learning_rate`, `max_depth`,
    /// optional `subsample`.
    pub fn from_params(params: &Params, task: Task) -> Result<GradientBoosting, ModelError> {
        let learning_rate = number(params, "learning_rate")?;
        let subsample = tree::optional(params, "subsample")?.unwrap_or(1.0);
        if !(learning_rate > 0.0 && learning_rate <= 1.0) {
            return Err(ModelError::Param {
                name: "learning_rate".into(),
                reason: format!("expected (0, 1], got {learning_rate}"),
            });
        }
        if !(subsample > 0.0 && subsample <= 1.0) {
            return Err(ModelError::Param {
                name: "subsample".into(),
                reason: format!("expected (0, 1], got {subsample}"),
            });
        }
        Ok(GradientBoosting::new(BoostConfig {
            task,
            n_estimators: tree::count(params, "n_estimators")?,
            learning_rate,
            max_depth: tree::count(params, "max_depth")?,
            min_samples_leaf: 20,
            subsample,
            lambda: 0.0,
        }))
    }

    /// Raw scores (log-odds or values) for each row.
    fn raw(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let (base, trees, n_features) = self.trained.as_ref().ok_or(ModelError::NotTrained)?;
        hist::check_predict(x, *n_features)?;
        let mut sum = vec![*base; x.rows()];
        for t in trees {
            t.add_outputs(x, &mut sum);
        }
        Ok(sum)
    }
}

/// The logistic function, portable.
fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-z))
}

impl Model for GradientBoosting {
    fn fit(&mut self, x: &Matrix, y: &[f64], seed: u64) -> Result<(), ModelError> {
        self.trained = None;
        hist::check_training(x, y)?;
        let classify = self.config.task == Task::Classification;
        if classify {
            tree::check_two_classes(y)?;
        }
        let n = x.rows();
        let mean = y.iter().sum::<f64>() / n as f64;
        let base = if classify {
            libm::log(mean / (1.0 - mean))
        } else {
            mean
        };
        let bins = Bins::fit(x);
        let codes = bins.codes(x);
        let data = BinnedData {
            bins: &bins,
            codes: &codes,
        };
        let config = GrowConfig {
            max_depth: self.config.max_depth,
            min_leaf_weight: self.config.min_samples_leaf as f64,
            min_leaf_hessian: 1e-3,
            lambda: self.config.lambda,
            max_features: usize::MAX,
            split: SplitKind::Best,
        };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut grower = Grower::default();
        let mut score = vec![base; n];
        let mut g = vec![0.0; n];
        let mut h = vec![1.0; n];
        let w = vec![1.0; n];
        let mut trees = Vec::with_capacity(self.config.n_estimators);
        for _ in 0..self.config.n_estimators {
            for r in 0..n {
                if classify {
                    let p = sigmoid(score[r]);
                    g[r] = y[r] - p;
                    h[r] = p * (1.0 - p);
                } else {
                    g[r] = y[r] - score[r];
                }
            }
            let rows: Vec<u32> = if self.config.subsample < 1.0 {
                (0..n as u32)
                    .filter(|_| hist::unit(&mut rng) < self.config.subsample)
                    .collect()
            } else {
                (0..n as u32).collect()
            };
            let mut tree = grower.grow(&data, &g, &h, &w, rows, &config, &mut rng);
            tree.scale(self.config.learning_rate);
            for (r, s) in score.iter_mut().enumerate() {
                *s += tree.predict_row(x.row(r));
            }
            trees.push(tree);
        }
        self.trained = Some((base, trees, x.cols()));
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let raw = self.raw(x)?;
        Ok(if self.config.task == Task::Classification {
            raw.into_iter()
                .map(|z| if z > 0.0 { 1.0 } else { 0.0 })
                .collect()
        } else {
            raw
        })
    }

    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        if self.config.task != Task::Classification {
            return Ok(None);
        }
        Ok(Some(self.raw(x)?.into_iter().map(sigmoid).collect()))
    }
}

/// AdaBoost (SAMME, two classes) over exact CART trees of a fixed depth.
#[derive(Clone, Debug)]
pub struct AdaBoost {
    n_estimators: usize,
    max_depth: usize,
    /// `(alpha, tree)` pairs and the feature count.
    trained: Option<(Vec<(f64, FlatTree)>, usize)>,
}

impl AdaBoost {
    /// From catalog params `n_estimators` and `max_depth`.
    pub fn from_params(params: &Params) -> Result<AdaBoost, ModelError> {
        Ok(AdaBoost {
            n_estimators: tree::count(params, "n_estimators")?,
            max_depth: tree::count(params, "max_depth")?,
            trained: None,
        })
    }

    /// The weighted vote in [-1, 1] for each row (positive: class 1).
    fn vote(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let (members, n_features) = self.trained.as_ref().ok_or(ModelError::NotTrained)?;
        hist::check_predict(x, *n_features)?;
        let total: f64 = members.iter().map(|(a, _)| a).sum();
        Ok(x.iter_rows()
            .map(|row| {
                members
                    .iter()
                    .map(|(a, t)| if t.predict_row(row) > 0.5 { *a } else { -*a })
                    .sum::<f64>()
                    / total
            })
            .collect())
    }
}

impl Model for AdaBoost {
    fn fit(&mut self, x: &Matrix, y: &[f64], _seed: u64) -> Result<(), ModelError> {
        self.trained = None;
        let data = Presorted::new(x, y)?;
        tree::check_two_classes(y)?;
        let n = y.len();
        let config = CartConfig {
            criterion: Criterion::Gini,
            max_depth: self.max_depth,
            min_samples_leaf: 1,
        };
        let mut w = vec![1.0 / n as f64; n];
        let mut members = Vec::new();
        for _ in 0..self.n_estimators {
            let t = data.grow(&w, &config);
            let miss: Vec<bool> = (0..n)
                .map(|r| tree::label(t.predict_row(x.row(r))) != y[r])
                .collect();
            let total: f64 = w.iter().sum();
            let err = w
                .iter()
                .zip(&miss)
                .filter(|(_, m)| **m)
                .map(|(w, _)| w)
                .sum::<f64>()
                / total;
            if err <= 0.0 {
                // A perfect member: it alone decides.
                members.clear();
                members.push((1.0, t));
                break;
            }
            if err >= 0.5 {
                break;
            }
            let alpha = libm::log((1.0 - err) / err);
            let factor = libm::exp(alpha);
            for (wi, m) in w.iter_mut().zip(&miss) {
                if *m {
                    *wi *= factor;
                }
            }
            let total: f64 = w.iter().sum();
            w.iter_mut().for_each(|v| *v /= total);
            members.push((alpha, t));
        }
        if members.is_empty() {
            return Err(ModelError::Numerical(
                "the first weak learner is no better than chance".into(),
            ));
        }
        self.trained = Some((members, x.cols()));
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        Ok(self
            .vote(x)?
            .into_iter()
            .map(|v| if v > 0.0 { 1.0 } else { 0.0 })
            .collect())
    }

    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        // scikit-learn's two-class SAMME probability: softmax of (-v, v).
        Ok(Some(
            self.vote(x)?
                .into_iter()
                .map(|v| sigmoid(2.0 * v))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_learns_a_simple_rule_and_repeats_itself() {
        let rows: Vec<Vec<f64>> = (0..400)
            .map(|i| vec![f64::from(i % 19) / 19.0, f64::from((i * 7) % 23) / 23.0])
            .collect();
        let y: Vec<f64> = rows
            .iter()
            .map(|r| f64::from(u8::from(r[0] > 0.4)))
            .collect();
        let yr: Vec<f64> = rows.iter().map(|r| r[0] * 0.02 - r[1] * 0.01).collect();
        let x = Matrix::from_rows(&rows).unwrap();
        for entry in entries() {
            let target = if entry.spec.task == Task::Classification {
                &y
            } else {
                &yr
            };
            let a = crate::models::families::fit_predict_twice(&entry, &x, target, 3);
            let err: f64 = a
                .iter()
                .zip(target)
                .map(|(p, t)| (p - t).abs())
                .sum::<f64>()
                / 400.0;
            let limit = if entry.spec.task == Task::Classification {
                0.05
            } else {
                0.002
            };
            assert!(err < limit, "{}: {err}", entry.spec.name);
        }
    }

    #[test]
    fn bad_inputs_are_errors() {
        for entry in entries() {
            let mut model = entry.build().unwrap();
            let x = Matrix::new(3, 1, vec![1.0, 2.0, 3.0]).unwrap();
            assert_eq!(model.predict(&x), Err(ModelError::NotTrained));
            assert!(model.fit(&x, &[1.0, 1.0], 0).is_err());
            assert!(model
                .fit(
                    &Matrix::new(3, 1, vec![1.0, f64::NAN, 0.0]).unwrap(),
                    &[0.0, 1.0, 0.0],
                    0
                )
                .is_err());
            if entry.spec.task == Task::Classification {
                assert!(model.fit(&x, &[1.0, 1.0, 1.0], 0).is_err());
            }
        }
    }
}
