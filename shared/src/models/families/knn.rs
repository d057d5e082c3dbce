//! k-nearest neighbours on standardised features, for direction
//! (classification) and return (regression), with uniform or inverse-distance
//! weights. Hand-written brute force: every query scans every training row
//! (column-major, in blocks of rows whose sums stay in registers, so the
//! distance loop vectorises over rows) and keeps the k best in a small
//! sorted buffer (ties in distance go to the earlier training row).
//!
//! Matches scikit-learn's `KNeighborsClassifier` / `KNeighborsRegressor`
//! after a `StandardScaler`: a query at distance zero from some training rows
//! (with `weights="distance"`) uses only those rows, equally weighted; a
//! classifier's vote of exactly one half predicts class 0 (scikit-learn's
//! `argmax` picks the first class on a tie).

use crate::models::linalg::{
    check_fit, check_predict, column_major, squared_distances, squared_distances_4, QUERY_BLOCK,
};
use crate::models::{
    num, number, txt, CatalogEntry, Family, Matrix, Model, ModelError, Params, Standardizer, Task,
};

/// This family's entries.
pub fn entries() -> Vec<CatalogEntry> {
    let configs: [(usize, bool); 7] = [
        (5, false),
        (15, false),
        (50, false),
        (100, false),
        (200, false),
        (15, true),
        (50, true),
    ];
    let mut out = Vec::new();
    for task in [Task::Classification, Task::Regression] {
        for (k, distance) in configs {
            if task == Task::Regression && k == 200 {
                continue;
            }
            let kind = if task == Task::Classification {
                "clf"
            } else {
                "reg"
            };
            let suffix = if distance { "_distance" } else { "" };
            let name = format!("knn_{kind}_k{k}{suffix}");
            let weights = if distance { "distance" } else { "uniform" };
            out.push(CatalogEntry::new(
                &name,
                Family::Knn,
                task,
                &[("k", num(k as f64)), ("weights", txt(weights))],
                "hand-written",
                if task == Task::Classification {
                    |p: &Params| {
                        Ok(Box::new(Knn::from_params(p, Task::Classification)?) as Box<dyn Model>)
                    }
                } else {
                    |p: &Params| {
                        Ok(Box::new(Knn::from_params(p, Task::Regression)?) as Box<dyn Model>)
                    }
                },
            ));
        }
    }
    out
}

/// A k-nearest-neighbours classifier or regressor.
#[derive(Clone, Debug)]
pub struct Knn {
    k: usize,
    distance_weights: bool,
    task: Task,
    standardize: bool,
    fitted: Option<Fitted>,
}

#[derive(Clone, Debug)]
struct Fitted {
    scaler: Option<Standardizer>,
    /// Training features column by column (`features x rows`).
    cols: Vec<f64>,
    features: usize,
    y: Vec<f64>,
}

impl Knn {
    /// `k` neighbours (≥ 1); `distance_weights` weights each by 1/distance;
    /// `task` is classification (labels 0/1) or regression.
    pub fn new(k: usize, distance_weights: bool, task: Task) -> Result<Knn, ModelError> {
        if k == 0 || task == Task::Clustering {
            return Err(ModelError::Param {
                name: "k".into(),
                reason: "k must be ≥ 1 and the task classification or regression".into(),
            });
        }
        Ok(Knn {
            k,
            distance_weights,
            task,
            standardize: true,
            fitted: None,
        })
    }

    fn from_params(p: &Params, task: Task) -> Result<Knn, ModelError> {
        let k = number(p, "k")?;
        if !(1.0..=1e6).contains(&k) || k.fract() != 0.0 {
            return Err(ModelError::Param {
                name: "k".into(),
                reason: format!("{k} is not a whole number ≥ 1"),
            });
        }
        let distance = match crate::models::text(p, "weights")? {
            "uniform" => false,
            "distance" => true,
            other => {
                return Err(ModelError::Param {
                    name: "weights".into(),
                    reason: format!("{other:?} is not uniform or distance"),
                })
            }
        };
        Knn::new(k as usize, distance, task)
    }

    /// The same model on raw (not standardised) features.
    pub fn without_standardization(mut self) -> Knn {
        self.standardize = false;
        self
    }

    /// The k nearest training rows given one query's squared distances
    /// to every training row: (squared distance, index), nearest first.
    /// Not inlined in wasm, so V8 optimises it mid-prediction (ARCHITECTURE.md,
    /// "Hot loops in wasm").
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn nearest(dist: &[f64], k: usize, best: &mut Vec<(f64, usize)>) {
        let n = dist.len();
        best.clear();
        if k > 32 {
            // Linear-time selection; the order (distance, then index) is
            // total, so the result is the same as the insertion scan's.
            best.extend(dist.iter().copied().zip(0..n));
            let order =
                |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            if k < n {
                best.select_nth_unstable_by(k - 1, order);
                best.truncate(k);
            }
            best.sort_unstable_by(order);
            return;
        }
        let mut worst = f64::INFINITY;
        for (c, chunk) in dist.chunks(SCAN_CHUNK).enumerate() {
            // Once k rows are kept, most chunks hold none nearer than the
            // k-th: one branch-free (vectorised) test skips them.
            if best.len() == k && !chunk.iter().fold(false, |any, &d| any | (d < worst)) {
                continue;
            }
            for (offset, &d) in chunk.iter().enumerate() {
                let i = c * SCAN_CHUNK + offset;
                if best.len() < k {
                    let pos = best.partition_point(|&(bd, _)| bd <= d);
                    best.insert(pos, (d, i));
                    if best.len() == k {
                        worst = best[k - 1].0;
                    }
                } else if d < worst {
                    let pos = best.partition_point(|&(bd, _)| bd <= d);
                    best.insert(pos, (d, i));
                    best.pop();
                    worst = best[k - 1].0;
                }
            }
        }
    }

    /// The weighted average of the neighbours' targets (P(up) for
    /// classification).
    fn scores(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let f = self.fitted.as_ref().ok_or(ModelError::NotTrained)?;
        check_predict(x, f.features)?;
        let z = match &f.scaler {
            Some(s) => s.transform(x),
            None => x.clone(),
        };
        let n = f.y.len();
        let mut best = Vec::with_capacity(self.k + 1);
        // Distances from QUERY_BLOCK test rows at a time (the training
        // rows are read once per block), then each row's own neighbours.
        let mut dist = vec![0.0; QUERY_BLOCK * n];
        let mut out = Vec::with_capacity(z.rows());
        for start in (0..z.rows()).step_by(QUERY_BLOCK) {
            let block = QUERY_BLOCK.min(z.rows() - start);
            if block == QUERY_BLOCK {
                let four = std::array::from_fn(|b| z.row(start + b));
                squared_distances_4(&f.cols, n, four, &mut dist);
            } else {
                for b in 0..block {
                    let slot = &mut dist[b * n..(b + 1) * n];
                    squared_distances(&f.cols, n, z.row(start + b), slot);
                }
            }
            for b in 0..block {
                Knn::nearest(&dist[b * n..(b + 1) * n], self.k, &mut best);
                out.push(self.vote(&best, &f.y));
            }
        }
        Ok(out)
    }

    /// The weighted (or plain) average of the neighbours' targets.
    fn vote(&self, best: &[(f64, usize)], y: &[f64]) -> f64 {
        if !self.distance_weights {
            return best.iter().map(|&(_, i)| y[i]).sum::<f64>() / best.len() as f64;
        }
        if best.iter().any(|&(d, _)| d == 0.0) {
            let exact: Vec<f64> = best
                .iter()
                .filter(|&&(d, _)| d == 0.0)
                .map(|&(_, i)| y[i])
                .collect();
            return exact.iter().sum::<f64>() / exact.len() as f64;
        }
        let mut num = 0.0;
        let mut den = 0.0;
        for &(d, i) in best {
            let w = 1.0 / d.sqrt();
            num += w * y[i];
            den += w;
        }
        num / den
    }
}

/// Distances the neighbour scan tests at once before looking at each.
const SCAN_CHUNK: usize = 32;

impl Model for Knn {
    fn fit(&mut self, x: &Matrix, y: &[f64], _seed: u64) -> Result<(), ModelError> {
        self.fitted = None;
        check_fit(x, y)?;
        if x.rows() < self.k {
            return Err(ModelError::TooLittleData(format!(
                "{} training rows for k = {}",
                x.rows(),
                self.k
            )));
        }
        let y = if self.task == Task::Classification {
            y.iter().map(|&v| if v > 0.5 { 1.0 } else { 0.0 }).collect()
        } else {
            y.to_vec()
        };
        let (scaler, train) = super::linear::prepare(x, self.standardize);
        let cols = column_major(&train);
        self.fitted = Some(Fitted {
            scaler,
            cols,
            features: train.cols(),
            y,
        });
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let scores = self.scores(x)?;
        if self.task == Task::Classification {
            Ok(scores
                .into_iter()
                .map(|p| if p > 0.5 { 1.0 } else { 0.0 })
                .collect())
        } else {
            Ok(scores)
        }
    }

    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        if self.task == Task::Classification {
            Ok(Some(self.scores(x)?))
        } else {
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_neighbours_by_hand() {
        let x = Matrix::from_rows(&[vec![0.0], vec![1.0], vec![2.0], vec![10.0]]).unwrap();
        let y = [0.0, 1.0, 1.0, 0.0];
        let mut clf = Knn::new(3, false, Task::Classification)
            .unwrap()
            .without_standardization();
        clf.fit(&x, &y, 0).unwrap();
        let q = Matrix::from_rows(&[vec![0.9], vec![9.0]]).unwrap();
        // 0.9 -> rows 1, 0, 2: two of three up; 9 -> rows 3, 2, 1: two up.
        assert_eq!(clf.predict(&q).unwrap(), vec![1.0, 1.0]);
        let p = clf.predict_proba(&q).unwrap().unwrap();
        assert!((p[0] - 2.0 / 3.0).abs() < 1e-15);
        let mut reg = Knn::new(2, true, Task::Regression)
            .unwrap()
            .without_standardization();
        reg.fit(&x, &[0.0, 1.0, 2.0, 3.0], 0).unwrap();
        // 1.25 -> rows 1 (d 0.25) and 2 (d 0.75): weights 4 and 4/3.
        let q = Matrix::from_rows(&[vec![1.25], vec![2.0]]).unwrap();
        let v = reg.predict(&q).unwrap();
        assert!((v[0] - (4.0 * 1.0 + 4.0 / 3.0 * 2.0) / (16.0 / 3.0)).abs() < 1e-12);
        assert_eq!(v[1], 2.0); // exact match uses only that row
    }

    #[test]
    fn too_few_rows_and_bad_shapes_are_errors() {
        let x = Matrix::from_rows(&[vec![0.0], vec![1.0]]).unwrap();
        let mut m = Knn::new(5, false, Task::Regression).unwrap();
        assert!(m.fit(&x, &[0.0, 1.0], 0).is_err());
        let mut m = Knn::new(1, false, Task::Regression).unwrap();
        m.fit(&x, &[0.0, 1.0], 0).unwrap();
        assert!(m.predict(&Matrix::zeros(1, 2)).is_err());
    }
}
