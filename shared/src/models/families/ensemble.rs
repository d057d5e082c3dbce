//! The `ensemble` family: voting and stacking over other catalog entries,
//! hand-written.
//!
//! Members are catalog entries looked up BY NAME when the ensemble is
//! trained (so this module depends on no other family's types); a name
//! missing from the catalog fails `fit` with a `Param` error, and an
//! ensemble may not contain an ensemble (no recursion).
//!
//! * **Voting** (classification): *hard* takes the majority of the
//!   members' labels (ties go to the mean P(up)); `predict_proba` is the
//!   share of up votes. *Soft* averages the members' P(up) (a member
//!   without probabilities contributes its 0/1 label) and predicts up above
//!   0.5. **Voting** (regression) averages the members' forecasts.
//! * **Stacking**: the training rows are cut into 4 chronological blocks;
//!   for blocks 2..4 the members are trained on all earlier blocks and
//!   predict the block (out-of-fold predictions that never see the future).
//!   A meta-learner is trained on those predictions (standardised): an
//!   L2 logistic regression (C = 1, Newton steps) for classification, a
//!   ridge regression (alpha = 1) for regression. The members are then
//!   retrained on all rows.
//!
//! Member `i` trains with seed `seed + i`.

use crate::models::{
    entry, text, txt, CatalogEntry, Family, Matrix, Model, ModelError, Params, Standardizer, Task,
};

use super::mlp::{check_labels, check_training, sigmoid};

/// `(name, task, method, members, meta)` of every entry.
const ENTRIES: [(&str, Task, &str, &str, &str); 11] = [
    (
        "voting_hard_logistic_knn_nb",
        Task::Classification,
        "voting_hard",
        "logistic_l2_c_1,knn_clf_k15,gaussian_nb_var_smoothing_1e_9",
        "",
    ),
    (
        "voting_soft_logistic_knn_nb",
        Task::Classification,
        "voting_soft",
        "logistic_l2_c_1,knn_clf_k15,gaussian_nb_var_smoothing_1e_9",
        "",
    ),
    (
        "voting_hard_tree_forest_gbm",
        Task::Classification,
        "voting_hard",
        "decision_tree_clf_gini_depth5,random_forest_clf_100_sqrt,gradient_boosting_clf_100_lr0_1_depth3",
        "",
    ),
    (
        "voting_soft_logistic_forest_gbm",
        Task::Classification,
        "voting_soft",
        "logistic_l2_c_1,random_forest_clf_100_sqrt,gradient_boosting_clf_100_lr0_1_depth3",
        "",
    ),
    (
        "voting_soft_logistic_mlp_forest",
        Task::Classification,
        "voting_soft",
        "logistic_l2_c_1,mlp_clf_relu_32_16_alpha_0_0001,random_forest_clf_100_sqrt",
        "",
    ),
    (
        "stacking_clf_logistic_knn_nb_meta_logistic",
        Task::Classification,
        "stacking",
        "logistic_l2_c_1,knn_clf_k15,gaussian_nb_var_smoothing_1e_9",
        "logistic_c1",
    ),
    (
        "stacking_clf_logistic_forest_gbm_meta_logistic",
        Task::Classification,
        "stacking",
        "logistic_l2_c_1,random_forest_clf_100_sqrt,gradient_boosting_clf_100_lr0_1_depth3",
        "logistic_c1",
    ),
    (
        "stacking_clf_knn_mlp_gbm_meta_logistic",
        Task::Classification,
        "stacking",
        "knn_clf_k15,mlp_clf_relu_32_16_alpha_0_0001,gradient_boosting_clf_100_lr0_1_depth3",
        "logistic_c1",
    ),
    (
        "voting_reg_ridge_knn_forest",
        Task::Regression,
        "voting_mean",
        "ridge_alpha_1,knn_reg_k15,random_forest_reg_100_sqrt_leaf5",
        "",
    ),
    (
        "voting_reg_ridge_mlp_forest",
        Task::Regression,
        "voting_mean",
        "ridge_alpha_1,mlp_reg_relu_32_16_alpha_0_0001,random_forest_reg_100_sqrt_leaf5",
        "",
    ),
    (
        "stacking_reg_ridge_knn_forest_meta_ridge",
        Task::Regression,
        "stacking",
        "ridge_alpha_1,knn_reg_k15,random_forest_reg_100_sqrt_leaf5",
        "ridge_alpha_1",
    ),
];

/// This family's entries.
pub fn entries() -> Vec<CatalogEntry> {
    ENTRIES
        .iter()
        .map(|&(name, task, method, members, meta)| {
            let mut params = vec![("method", txt(method)), ("members", txt(members))];
            if !meta.is_empty() {
                params.push(("meta", txt(meta)));
            }
            let factory: crate::models::Factory = if task == Task::Classification {
                |p: &Params| ensemble_from_params(Task::Classification, p)
            } else {
                |p: &Params| ensemble_from_params(Task::Regression, p)
            };
            CatalogEntry::new(
                name,
                Family::Ensemble,
                task,
                &params,
                "hand-written",
                factory,
            )
        })
        .collect()
}

fn param(name: &str, reason: &str) -> ModelError {
    ModelError::Param {
        name: name.to_string(),
        reason: reason.to_string(),
    }
}

fn ensemble_from_params(task: Task, p: &Params) -> Result<Box<dyn Model>, ModelError> {
    let members: Vec<String> = text(p, "members")?
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    match text(p, "method")? {
        "voting_hard" => Ok(Box::new(Voting::new(task, members, Vote::Hard)?)),
        "voting_soft" => Ok(Box::new(Voting::new(task, members, Vote::Soft)?)),
        "voting_mean" => Ok(Box::new(Voting::new(task, members, Vote::Mean)?)),
        "stacking" => {
            let meta = text(p, "meta")?;
            let expected = if task == Task::Classification {
                "logistic_c1"
            } else {
                "ridge_alpha_1"
            };
            if meta != expected {
                return Err(param("meta", &format!("expected {expected}, got {meta}")));
            }
            Ok(Box::new(Stacking::new(task, members)?))
        }
        other => Err(param("method", &format!("unknown method {other}"))),
    }
}

/// Builds member `name` from the catalog, checking it fits `task`.
fn build_member(name: &str, task: Task) -> Result<Box<dyn Model>, ModelError> {
    let found = entry(name)
        .ok_or_else(|| param("members", &format!("member {name} is not in the catalog")))?;
    if found.spec.family == Family::Ensemble {
        return Err(param(
            "members",
            &format!("member {name} is an ensemble; ensembles cannot nest"),
        ));
    }
    let fits = match task {
        Task::Regression => found.spec.task == Task::Regression,
        _ => matches!(found.spec.task, Task::Classification | Task::Clustering),
    };
    if !fits {
        return Err(param(
            "members",
            &format!(
                "member {name} is a {} model, not {}",
                found.spec.task.as_str(),
                task.as_str()
            ),
        ));
    }
    found.build()
}

fn check_members(task: Task, members: &[String]) -> Result<(), ModelError> {
    if matches!(task, Task::Clustering) {
        return Err(param("task", "ensembles classify or regress"));
    }
    if members.is_empty() || members.iter().any(String::is_empty) {
        return Err(param("members", "at least one member name"));
    }
    Ok(())
}

/// Trains fresh members on `x`, `y`.
fn train_members(
    task: Task,
    names: &[String],
    x: &Matrix,
    y: &[f64],
    seed: u64,
) -> Result<Vec<Box<dyn Model>>, ModelError> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut model = build_member(name, task)?;
            model.fit(x, y, seed.wrapping_add(i as u64))?;
            Ok(model)
        })
        .collect()
}

/// Each member's output per row: P(up) (or the label) for classification,
/// the forecast for regression. `out[m][row]`.
fn member_outputs(
    task: Task,
    members: &[Box<dyn Model>],
    x: &Matrix,
) -> Result<Vec<Vec<f64>>, ModelError> {
    members
        .iter()
        .map(|m| {
            if task == Task::Classification {
                match m.predict_proba(x)? {
                    Some(p) => Ok(p),
                    None => m.predict(x),
                }
            } else {
                m.predict(x)
            }
        })
        .collect()
}

/// How voting combines members.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vote {
    /// Majority of labels.
    Hard,
    /// Mean P(up).
    Soft,
    /// Mean forecast (regression).
    Mean,
}

/// A voting ensemble over catalog entries.
pub struct Voting {
    task: Task,
    names: Vec<String>,
    vote: Vote,
    members: Option<Vec<Box<dyn Model>>>,
}

impl Voting {
    /// Untrained; members are looked up at `fit`.
    pub fn new(task: Task, names: Vec<String>, vote: Vote) -> Result<Voting, ModelError> {
        check_members(task, &names)?;
        if (task == Task::Regression) != (vote == Vote::Mean) {
            return Err(param(
                "method",
                "regression votes by mean, classification by hard or soft votes",
            ));
        }
        Ok(Voting {
            task,
            names,
            vote,
            members: None,
        })
    }

    /// `(prediction, probability)` per row.
    fn combine(&self, x: &Matrix) -> Result<(Vec<f64>, Vec<f64>), ModelError> {
        let members = self.members.as_ref().ok_or(ModelError::NotTrained)?;
        let count = members.len() as f64;
        if self.vote == Vote::Mean {
            let preds: Vec<Vec<f64>> = members
                .iter()
                .map(|m| m.predict(x))
                .collect::<Result<_, _>>()?;
            let mean: Vec<f64> = (0..x.rows())
                .map(|i| preds.iter().map(|p| p[i]).sum::<f64>() / count)
                .collect();
            return Ok((mean.clone(), mean));
        }
        let probs = member_outputs(self.task, members, x)?;
        let soft: Vec<f64> = (0..x.rows())
            .map(|i| probs.iter().map(|p| p[i]).sum::<f64>() / count)
            .collect();
        if self.vote == Vote::Soft {
            let labels = soft
                .iter()
                .map(|&p| if p > 0.5 { 1.0 } else { 0.0 })
                .collect();
            return Ok((labels, soft));
        }
        let labels: Vec<Vec<f64>> = members
            .iter()
            .map(|m| m.predict(x))
            .collect::<Result<_, _>>()?;
        let share: Vec<f64> = (0..x.rows())
            .map(|i| labels.iter().filter(|l| l[i] > 0.5).count() as f64 / count)
            .collect();
        let out = share
            .iter()
            .zip(&soft)
            .map(|(&s, &p)| {
                if s > 0.5 || (s == 0.5 && p > 0.5) {
                    1.0
                } else {
                    0.0
                }
            })
            .collect();
        Ok((out, share))
    }
}

impl Model for Voting {
    fn fit(&mut self, x: &Matrix, y: &[f64], seed: u64) -> Result<(), ModelError> {
        self.members = None;
        check_training(x, y)?;
        if self.task == Task::Classification {
            check_labels(y)?;
        }
        self.members = Some(train_members(self.task, &self.names, x, y, seed)?);
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        self.combine(x).map(|c| c.0)
    }

    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        if self.task != Task::Classification {
            return Ok(None);
        }
        self.combine(x).map(|c| Some(c.1))
    }
}

/// Chronological blocks of the stacking split.
pub const STACKING_BLOCKS: usize = 4;

/// A stacking ensemble over catalog entries.
pub struct Stacking {
    task: Task,
    names: Vec<String>,
    fitted: Option<StackFit>,
}

struct StackFit {
    members: Vec<Box<dyn Model>>,
    scaler: Standardizer,
    /// Intercept first, then one weight per member.
    weights: Vec<f64>,
}

impl Stacking {
    /// Untrained; members are looked up at `fit`.
    pub fn new(task: Task, names: Vec<String>) -> Result<Stacking, ModelError> {
        check_members(task, &names)?;
        Ok(Stacking {
            task,
            names,
            fitted: None,
        })
    }

    /// Meta-learner weights (intercept first) after `fit`.
    pub fn meta_weights(&self) -> Option<&[f64]> {
        self.fitted.as_ref().map(|f| f.weights.as_slice())
    }

    fn meta_output(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let fit = self.fitted.as_ref().ok_or(ModelError::NotTrained)?;
        let outputs = member_outputs(self.task, &fit.members, x)?;
        let meta = fit.scaler.transform(&transpose(&outputs, x.rows())?);
        Ok(meta
            .iter_rows()
            .map(|row| {
                let mut s = fit.weights[0];
                for (w, v) in fit.weights[1..].iter().zip(row) {
                    s += w * v;
                }
                s
            })
            .collect())
    }
}

/// `outputs[m][i]` as an `rows x members` matrix.
fn transpose(outputs: &[Vec<f64>], rows: usize) -> Result<Matrix, ModelError> {
    let mut data = Vec::with_capacity(rows * outputs.len());
    for i in 0..rows {
        for o in outputs {
            let v = *o
                .get(i)
                .ok_or_else(|| ModelError::Shape("a member returned too few predictions".into()))?;
            if !v.is_finite() {
                return Err(ModelError::Numerical(
                    "a member predicted a non-finite value".into(),
                ));
            }
            data.push(v);
        }
    }
    Matrix::new(rows, outputs.len(), data)
}

impl Model for Stacking {
    fn fit(&mut self, x: &Matrix, y: &[f64], seed: u64) -> Result<(), ModelError> {
        self.fitted = None;
        check_training(x, y)?;
        if self.task == Task::Classification {
            check_labels(y)?;
        }
        let n = x.rows();
        if n < 2 * STACKING_BLOCKS {
            return Err(ModelError::TooLittleData(format!(
                "stacking needs at least {} rows, got {n}",
                2 * STACKING_BLOCKS
            )));
        }
        let bound = |b: usize| b * n / STACKING_BLOCKS;
        let mut oof: Vec<Vec<f64>> = vec![Vec::with_capacity(n - bound(1)); self.names.len()];
        for b in 1..STACKING_BLOCKS {
            let (start, end) = (bound(b), bound(b + 1));
            let members = train_members(
                self.task,
                &self.names,
                &x.slice_rows(0, start),
                &y[..start],
                seed,
            )?;
            let block = member_outputs(self.task, &members, &x.slice_rows(start, end))?;
            for (acc, part) in oof.iter_mut().zip(block) {
                acc.extend(part);
            }
        }
        let meta_x = transpose(&oof, n - bound(1))?;
        let scaler = Standardizer::fit(&meta_x);
        let meta_z = scaler.transform(&meta_x);
        let meta_y = &y[bound(1)..];
        let weights = if self.task == Task::Classification {
            logistic_newton(&meta_z, meta_y, 1.0)?
        } else {
            ridge(&meta_z, meta_y, 1.0)?
        };
        let members = train_members(self.task, &self.names, x, y, seed)?;
        self.fitted = Some(StackFit {
            members,
            scaler,
            weights,
        });
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let out = self.meta_output(x)?;
        Ok(if self.task == Task::Classification {
            out.into_iter()
                .map(|z| if z > 0.0 { 1.0 } else { 0.0 })
                .collect()
        } else {
            out
        })
    }

    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        if self.task != Task::Classification {
            return Ok(None);
        }
        Ok(Some(
            self.meta_output(x)?.into_iter().map(sigmoid).collect(),
        ))
    }
}

/// Solves `a w = b` (`a` is `m x m`, row-major) by Gaussian elimination
/// with partial pivoting.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>) -> Result<Vec<f64>, ModelError> {
    let m = b.len();
    for col in 0..m {
        let pivot = (col..m)
            .max_by(|&i, &j| a[i * m + col].abs().total_cmp(&a[j * m + col].abs()))
            .unwrap_or(col);
        if a[pivot * m + col].is_nan() || a[pivot * m + col].abs() <= 1e-12 {
            return Err(ModelError::Numerical(
                "the meta-learner's system is singular".into(),
            ));
        }
        if pivot != col {
            for j in 0..m {
                a.swap(col * m + j, pivot * m + j);
            }
            b.swap(col, pivot);
        }
        for r in col + 1..m {
            let f = a[r * m + col] / a[col * m + col];
            if f != 0.0 {
                for j in col..m {
                    a[r * m + j] -= f * a[col * m + j];
                }
                b[r] -= f * b[col];
            }
        }
    }
    let mut w = vec![0.0; m];
    for r in (0..m).rev() {
        let mut s = b[r];
        for j in r + 1..m {
            s -= a[r * m + j] * w[j];
        }
        w[r] = s / a[r * m + r];
    }
    Ok(w)
}

/// Ridge with an unpenalised intercept: weights, intercept first.
fn ridge(x: &Matrix, y: &[f64], alpha: f64) -> Result<Vec<f64>, ModelError> {
    let (n, d) = (x.rows(), x.cols());
    let m = d + 1;
    let mut a = vec![0.0; m * m];
    let mut b = vec![0.0; m];
    for (i, &t) in y.iter().enumerate().take(n) {
        let row = x.row(i);
        let feat = |j: usize| if j == 0 { 1.0 } else { row[j - 1] };
        for p in 0..m {
            let fp = feat(p);
            b[p] += fp * t;
            for q in 0..m {
                a[p * m + q] += fp * feat(q);
            }
        }
    }
    for p in 1..m {
        a[p * m + p] += alpha;
    }
    solve(a, b)
}

/// L2 logistic regression (penalty `|w|^2 / (2 C)`, intercept free) by
/// Newton steps: weights, intercept first.
fn logistic_newton(x: &Matrix, y: &[f64], c: f64) -> Result<Vec<f64>, ModelError> {
    let (n, d) = (x.rows(), x.cols());
    let m = d + 1;
    let mut w = vec![0.0; m];
    for _ in 0..50 {
        let mut grad = vec![0.0; m];
        let mut hess = vec![0.0; m * m];
        for (i, &t) in y.iter().enumerate().take(n) {
            let row = x.row(i);
            let feat = |j: usize| if j == 0 { 1.0 } else { row[j - 1] };
            let mut z = w[0];
            for j in 1..m {
                z += w[j] * row[j - 1];
            }
            let p = sigmoid(z);
            let s = (p * (1.0 - p)).max(1e-12);
            for a in 0..m {
                let fa = feat(a);
                grad[a] += (p - t) * fa;
                for b in 0..m {
                    hess[a * m + b] += s * fa * feat(b);
                }
            }
        }
        for a in 1..m {
            grad[a] += w[a] / c;
            hess[a * m + a] += 1.0 / c;
        }
        let step = solve(hess, grad)?;
        let mut largest: f64 = 0.0;
        for (wi, si) in w.iter_mut().zip(&step) {
            *wi -= si;
            largest = largest.max(si.abs());
        }
        if largest < 1e-10 {
            break;
        }
    }
    if w.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::Numerical("the meta-learner diverged".into()));
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    use super::super::mlp::uniform;
    use super::*;

    fn data(n: usize) -> (Matrix, Vec<f64>, Vec<f64>) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(21);
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        let mut values = Vec::new();
        for _ in 0..n {
            let a = 2.0 * uniform(&mut rng) - 1.0;
            let b = 2.0 * uniform(&mut rng) - 1.0;
            let noise = 0.3 * (uniform(&mut rng) - 0.5);
            rows.push(vec![a, b]);
            labels.push(if a + 0.5 * b + noise > 0.0 { 1.0 } else { 0.0 });
            values.push(0.02 * a - 0.01 * b + 0.002 * noise);
        }
        (Matrix::from_rows(&rows).unwrap(), labels, values)
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn accuracy(pred: &[f64], y: &[f64]) -> f64 {
        pred.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
    }

    const OWN: [&str; 3] = [
        "mlp_clf_relu_16_alpha_0_0001",
        "kmeans_k8",
        "baseline_majority_class",
    ];

    #[test]
    fn voting_over_own_members() {
        let (x, y, _) = data(400);
        let (xt, yt, _) = data(200);
        for vote in [Vote::Hard, Vote::Soft] {
            let mut v = Voting::new(Task::Classification, names(&OWN), vote).unwrap();
            assert_eq!(v.predict(&xt), Err(ModelError::NotTrained));
            v.fit(&x, &y, 1).unwrap();
            let acc = accuracy(&v.predict(&xt).unwrap(), &yt);
            assert!(acc > 0.8, "{vote:?} accuracy {acc}");
            let p = v.predict_proba(&xt).unwrap().unwrap();
            assert!(p.iter().all(|p| (0.0..=1.0).contains(p)));
        }
        let (x, _, r) = data(300);
        let mut v = Voting::new(
            Task::Regression,
            names(&["mlp_reg_relu_16_alpha_0_0001", "baseline_mean_return"]),
            Vote::Mean,
        )
        .unwrap();
        v.fit(&x, &r, 2).unwrap();
        assert_eq!(v.predict(&x).unwrap().len(), 300);
        assert_eq!(v.predict_proba(&x).unwrap(), None);
    }

    #[test]
    fn stacking_over_own_members_is_deterministic() {
        let (x, y, r) = data(400);
        let (xt, yt, _) = data(200);
        let mut s = Stacking::new(Task::Classification, names(&OWN)).unwrap();
        s.fit(&x, &y, 3).unwrap();
        let acc = accuracy(&s.predict(&xt).unwrap(), &yt);
        assert!(acc > 0.8, "stacking accuracy {acc}");
        let mut again = Stacking::new(Task::Classification, names(&OWN)).unwrap();
        again.fit(&x, &y, 3).unwrap();
        assert_eq!(
            s.predict_proba(&xt).unwrap(),
            again.predict_proba(&xt).unwrap()
        );
        // Intercept and one weight per member; the MLP carries the signal.
        let w = s.meta_weights().unwrap();
        assert_eq!(w.len(), 4);
        assert!(w[1] > 0.0, "{w:?}");

        let mut reg = Stacking::new(
            Task::Regression,
            names(&["mlp_reg_relu_16_alpha_0_0001", "baseline_mean_return"]),
        )
        .unwrap();
        reg.fit(&x, &r, 4).unwrap();
        let pred = reg.predict(&x).unwrap();
        let err = pred
            .iter()
            .zip(&r)
            .map(|(p, t)| (p - t) * (p - t))
            .sum::<f64>()
            / 400.0;
        let var = r.iter().map(|t| t * t).sum::<f64>() / 400.0;
        assert!(err < 0.2 * var, "stacked regression mse {err} vs {var}");
    }

    #[test]
    fn meta_learners_are_right_on_hand_checkable_cases() {
        let x = Matrix::from_rows(&[vec![0.0], vec![1.0], vec![2.0], vec![3.0]]).unwrap();
        let w = ridge(&x, &[1.0, 3.0, 5.0, 7.0], 0.0).unwrap();
        assert!((w[0] - 1.0).abs() < 1e-12 && (w[1] - 2.0).abs() < 1e-12);
        let w = logistic_newton(&x, &[0.0, 0.0, 1.0, 1.0], 1e9).unwrap();
        // Separable: huge weights, boundary at 1.5.
        assert!((w[0] / w[1] + 1.5).abs() < 1e-3, "{w:?}");
    }

    #[test]
    fn missing_nested_and_mismatched_members_are_param_errors() {
        let (x, y, _) = data(100);
        let cases = [
            ("no_such_model", "is not in the catalog"),
            ("voting_soft_logistic_knn_nb", "cannot nest"),
            ("mlp_reg_relu_16_alpha_0_0001", "is a regression model"),
        ];
        for (member, why) in cases {
            let mut v =
                Voting::new(Task::Classification, names(&[OWN[0], member]), Vote::Soft).unwrap();
            match v.fit(&x, &y, 0) {
                Err(ModelError::Param { name, reason }) => {
                    assert_eq!(name, "members");
                    assert!(reason.contains(why), "{reason}");
                }
                other => panic!("{member}: {other:?}"),
            }
        }
        assert!(Voting::new(Task::Regression, names(&OWN), Vote::Soft).is_err());
        assert!(Stacking::new(Task::Classification, vec![]).is_err());
    }

    #[test]
    fn catalog_entries_train_or_name_the_missing_member() {
        let all = entries();
        assert!(all.len() >= 8);
        let (x, y, r) = data(120);
        for e in &all {
            let mut model = e.build().unwrap();
            let target = if e.spec.task == Task::Classification {
                &y
            } else {
                &r
            };
            match model.fit(&x, target, 0) {
                Ok(()) => assert_eq!(model.predict(&x).unwrap().len(), 120),
                Err(ModelError::Param { reason, .. }) => {
                    assert!(
                        reason.contains("is not in the catalog"),
                        "{}: {reason}",
                        e.spec.name
                    );
                    let members = text(&e.spec.params, "members").unwrap();
                    assert!(members.split(',').any(|m| entry(m).is_none()));
                }
                Err(other) => panic!("{}: {other}", e.spec.name),
            }
        }
    }
}
