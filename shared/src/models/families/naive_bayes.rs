//! Naive Bayes classifiers of next-period direction on standardised
//! features. Hand-written.
//!
//! * Gaussian: scikit-learn's `GaussianNB(var_smoothing=s)`: per-class
//!   means and population variances, each variance plus `s` times the
//!   largest feature variance, class priors from the label shares.
//! * Bernoulli: scikit-learn's `BernoulliNB(alpha=a, binarize=0.0)` on the
//!   standardised features: each feature reduced to "above its training
//!   mean", Laplace/Lidstone smoothing `a`.

use crate::models::linalg::{binary_labels, check_fit, check_predict};
use crate::models::{
    num, number, CatalogEntry, Family, Matrix, Model, ModelError, Params, Standardizer, Task,
};

/// This family's entries.
pub fn entries() -> Vec<CatalogEntry> {
    let mut out = Vec::new();
    let gaussian: [(&str, f64); 3] = [
        ("gaussian_nb_var_smoothing_1e_9", 1e-9),
        ("gaussian_nb_var_smoothing_0_01", 0.01),
        ("gaussian_nb_var_smoothing_0_1", 0.1),
    ];
    for (name, s) in gaussian {
        out.push(CatalogEntry::new(
            name,
            Family::NaiveBayes,
            Task::Classification,
            &[("var_smoothing", num(s))],
            "hand-written",
            |p: &Params| {
                Ok(Box::new(NaiveBayes::gaussian(number(p, "var_smoothing")?)?) as Box<dyn Model>)
            },
        ));
    }
    let bernoulli: [(&str, f64); 2] = [
        ("bernoulli_nb_sign_alpha_1", 1.0),
        ("bernoulli_nb_sign_alpha_10", 10.0),
    ];
    for (name, a) in bernoulli {
        out.push(CatalogEntry::new(
            name,
            Family::NaiveBayes,
            Task::Classification,
            &[("alpha", num(a))],
            "hand-written",
            |p: &Params| Ok(Box::new(NaiveBayes::bernoulli(number(p, "alpha")?)?) as Box<dyn Model>),
        ));
    }
    out
}

/// Which likelihood.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Gaussian { var_smoothing: f64 },
    Bernoulli { alpha: f64 },
}

/// A naive Bayes classifier.
#[derive(Clone, Debug)]
pub struct NaiveBayes {
    kind: Kind,
    standardize: bool,
    fitted: Option<Fitted>,
}

#[derive(Clone, Debug)]
struct Fitted {
    scaler: Option<Standardizer>,
    log_prior: [f64; 2],
    /// Gaussian: means; Bernoulli: ln P(feature on | class).
    a: [Vec<f64>; 2],
    /// Gaussian: variances; Bernoulli: ln P(feature off | class).
    b: [Vec<f64>; 2],
}

impl NaiveBayes {
    /// Gaussian naive Bayes with `var_smoothing ≥ 0`.
    pub fn gaussian(var_smoothing: f64) -> Result<NaiveBayes, ModelError> {
        check_nonnegative("var_smoothing", var_smoothing)?;
        Ok(NaiveBayes {
            kind: Kind::Gaussian { var_smoothing },
            standardize: true,
            fitted: None,
        })
    }

    /// Bernoulli naive Bayes on the sign of the standardised features,
    /// smoothing `alpha > 0`.
    pub fn bernoulli(alpha: f64) -> Result<NaiveBayes, ModelError> {
        check_nonnegative("alpha", alpha)?;
        if alpha == 0.0 {
            return Err(ModelError::Param {
                name: "alpha".into(),
                reason: "must be > 0".into(),
            });
        }
        Ok(NaiveBayes {
            kind: Kind::Bernoulli { alpha },
            standardize: true,
            fitted: None,
        })
    }

    /// The same model on features that are already centred and scaled.
    pub fn without_standardization(mut self) -> NaiveBayes {
        self.standardize = false;
        self
    }

    /// Joint log-likelihoods of classes 0 and 1 for each row.
    fn joint(&self, x: &Matrix) -> Result<Vec<[f64; 2]>, ModelError> {
        let f = self.fitted.as_ref().ok_or(ModelError::NotTrained)?;
        check_predict(x, f.a[0].len())?;
        let z = match &f.scaler {
            Some(s) => s.transform(x),
            None => x.clone(),
        };
        let two_pi = 2.0 * std::f64::consts::PI;
        let mut out = Vec::with_capacity(z.rows());
        for row in z.iter_rows() {
            let mut jll = [0.0; 2];
            for (c, j) in jll.iter_mut().enumerate() {
                let mut s = f.log_prior[c];
                match self.kind {
                    Kind::Gaussian { .. } => {
                        let mut norm = 0.0;
                        let mut quad = 0.0;
                        for ((v, m), var) in row.iter().zip(&f.a[c]).zip(&f.b[c]) {
                            norm += libm::log(two_pi * var);
                            quad += (v - m) * (v - m) / var;
                        }
                        s += -0.5 * norm - 0.5 * quad;
                    }
                    Kind::Bernoulli { .. } => {
                        for ((v, on), off) in row.iter().zip(&f.a[c]).zip(&f.b[c]) {
                            s += if *v > 0.0 { *on } else { *off };
                        }
                    }
                }
                *j = s;
            }
            out.push(jll);
        }
        Ok(out)
    }
}

fn check_nonnegative(name: &str, v: f64) -> Result<(), ModelError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(ModelError::Param {
            name: name.into(),
            reason: format!("{v} is not a finite number ≥ 0"),
        })
    }
}

impl Model for NaiveBayes {
    fn fit(&mut self, x: &Matrix, y: &[f64], _seed: u64) -> Result<(), ModelError> {
        self.fitted = None;
        check_fit(x, y)?;
        let labels = binary_labels(y)?;
        let (scaler, z) = super::linear::prepare(x, self.standardize);
        let p = z.cols();
        let mut count = [0.0f64; 2];
        let mut sums = [vec![0.0; p], vec![0.0; p]];
        for (row, &l) in z.iter_rows().zip(&labels) {
            let c = usize::from(l);
            count[c] += 1.0;
            for (s, v) in sums[c].iter_mut().zip(row) {
                *s += match self.kind {
                    Kind::Gaussian { .. } => *v,
                    Kind::Bernoulli { .. } => f64::from(u8::from(*v > 0.0)),
                };
            }
        }
        let n = z.rows() as f64;
        let log_prior = [libm::log(count[0] / n), libm::log(count[1] / n)];
        let fitted = match self.kind {
            Kind::Gaussian { var_smoothing } => {
                let means = [
                    sums[0].iter().map(|s| s / count[0]).collect::<Vec<_>>(),
                    sums[1].iter().map(|s| s / count[1]).collect::<Vec<_>>(),
                ];
                let mut vars = [vec![0.0; p], vec![0.0; p]];
                for (row, &l) in z.iter_rows().zip(&labels) {
                    let c = usize::from(l);
                    for ((s, v), m) in vars[c].iter_mut().zip(row).zip(&means[c]) {
                        *s += (v - m) * (v - m);
                    }
                }
                // The largest variance of any feature over all rows.
                let all_mean: Vec<f64> = (0..p).map(|j| (sums[0][j] + sums[1][j]) / n).collect();
                let mut all_var = vec![0.0; p];
                for row in z.iter_rows() {
                    for ((s, v), m) in all_var.iter_mut().zip(row).zip(&all_mean) {
                        *s += (v - m) * (v - m);
                    }
                }
                let max_var = all_var.iter().map(|s| s / n).fold(0.0, f64::max);
                let mut epsilon = var_smoothing * max_var;
                if epsilon <= 0.0 {
                    epsilon = 1e-300;
                }
                for c in 0..2 {
                    vars[c]
                        .iter_mut()
                        .for_each(|s| *s = *s / count[c] + epsilon);
                }
                Fitted {
                    scaler,
                    log_prior,
                    a: means,
                    b: vars,
                }
            }
            Kind::Bernoulli { alpha } => {
                let mut on = [vec![0.0; p], vec![0.0; p]];
                let mut off = [vec![0.0; p], vec![0.0; p]];
                for c in 0..2 {
                    for j in 0..p {
                        let prob = (sums[c][j] + alpha) / (count[c] + 2.0 * alpha);
                        on[c][j] = libm::log(prob);
                        off[c][j] = libm::log(1.0 - prob);
                    }
                }
                Fitted {
                    scaler,
                    log_prior,
                    a: on,
                    b: off,
                }
            }
        };
        self.fitted = Some(fitted);
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        Ok(self
            .joint(x)?
            .into_iter()
            .map(|[j0, j1]| if j1 > j0 { 1.0 } else { 0.0 })
            .collect())
    }

    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        Ok(Some(
            self.joint(x)?
                .into_iter()
                .map(|[j0, j1]| crate::models::linalg::sigmoid(j1 - j0))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_by_hand() {
        // Class 0 at x = -1, -3 (mean -2, var 1); class 1 at 1, 3 (mean 2, var 1).
        let x = Matrix::from_rows(&[vec![-1.0], vec![-3.0], vec![1.0], vec![3.0]]).unwrap();
        let y = [0.0, 0.0, 1.0, 1.0];
        let mut m = NaiveBayes::gaussian(0.0).unwrap().without_standardization();
        m.fit(&x, &y, 0).unwrap();
        let q = Matrix::from_rows(&[vec![0.5]]).unwrap();
        // log-odds = -½(0.5-2)² + ½(0.5+2)² = 4·0.5 = 2.
        let p = m.predict_proba(&q).unwrap().unwrap()[0];
        assert!((p - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-14);
        assert_eq!(m.predict(&q).unwrap(), vec![1.0]);
    }

    #[test]
    fn bernoulli_by_hand() {
        let x = Matrix::from_rows(&[vec![1.0], vec![1.0], vec![-1.0], vec![-1.0]]).unwrap();
        let y = [1.0, 1.0, 0.0, 1.0];
        let mut m = NaiveBayes::bernoulli(1.0)
            .unwrap()
            .without_standardization();
        m.fit(&x, &y, 0).unwrap();
        // P(on|1) = (2+1)/(3+2) = 0.6, P(on|0) = (0+1)/(1+2) = 1/3; priors 3/4, 1/4.
        let q = Matrix::from_rows(&[vec![1.0]]).unwrap();
        let odds = (0.75 * 0.6) / (0.25 / 3.0);
        let p = m.predict_proba(&q).unwrap().unwrap()[0];
        assert!((p - odds / (1.0 + odds)).abs() < 1e-14);
    }

    #[test]
    fn one_class_and_constant_features_do_not_panic() {
        let x = Matrix::from_rows(&[vec![1.0, 2.0], vec![1.0, 3.0]]).unwrap();
        let mut m = NaiveBayes::gaussian(1e-9).unwrap();
        assert!(m.fit(&x, &[1.0, 1.0], 0).is_err());
        m.fit(&x, &[0.0, 1.0], 0).unwrap();
        assert!(m
            .predict_proba(&x)
            .unwrap()
            .unwrap()
            .iter()
            .all(|p| p.is_finite()));
    }
}
