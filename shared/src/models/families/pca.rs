//! PCA pipelines: standardise the features, project them on the leading
//! principal components of the training rows, then fit another model on the
//! component scores. Hand-written.
//!
//! The components are the eigenvectors of the training rows' covariance
//! matrix (denominator `n − 1`, like scikit-learn's `PCA.explained_variance_`)
//! found by cyclic Jacobi rotations, which is exact to rounding for the ~20
//! columns here. Either a fixed number of components is kept or the fewest
//! whose variance share reaches a threshold (`PCA(n_components=0.9)`). The
//! scores are centred and on the standardised scale, so the downstream model
//! uses them as they are (no second standardisation: kNN distances are the
//! standardised distances within the kept subspace).

use super::knn::Knn;
use super::linear::LinearRegression;
use super::logistic::{LogisticPenalty, LogisticRegression};
use super::naive_bayes::NaiveBayes;
use super::svm::{Kernel, Svm};
use crate::api::ParamValue;
use crate::models::linalg::{check_fit, check_predict, dot, gram, symmetric_eigen};
use crate::models::{
    num, number, txt, CatalogEntry, Family, Matrix, Model, ModelError, Params, Standardizer, Task,
};

/// One entry's name, task and parameters.
type Config = (&'static str, Task, Vec<(&'static str, ParamValue)>);

/// This family's entries.
pub fn entries() -> Vec<CatalogEntry> {
    let n5 = ("n_components", num(5.0));
    let v90 = ("variance_share", num(0.9));
    let configs: Vec<Config> = vec![
        (
            "pca_5_logistic_l2_c_1",
            Task::Classification,
            vec![n5.clone(), ("model", txt("logistic_l2")), ("c", num(1.0))],
        ),
        (
            "pca_10_logistic_l2_c_0_1",
            Task::Classification,
            vec![
                ("n_components", num(10.0)),
                ("model", txt("logistic_l2")),
                ("c", num(0.1)),
            ],
        ),
        (
            "pca_var_0_9_logistic_l2_c_1",
            Task::Classification,
            vec![v90.clone(), ("model", txt("logistic_l2")), ("c", num(1.0))],
        ),
        (
            "pca_5_ridge_alpha_10",
            Task::Regression,
            vec![n5.clone(), ("model", txt("ridge")), ("alpha", num(10.0))],
        ),
        (
            "pca_var_0_9_ridge_alpha_10",
            Task::Regression,
            vec![v90.clone(), ("model", txt("ridge")), ("alpha", num(10.0))],
        ),
        (
            "pca_5_knn_clf_k50",
            Task::Classification,
            vec![n5.clone(), ("model", txt("knn")), ("k", num(50.0))],
        ),
        (
            "pca_5_knn_reg_k50",
            Task::Regression,
            vec![n5.clone(), ("model", txt("knn")), ("k", num(50.0))],
        ),
        (
            "pca_5_gaussian_nb",
            Task::Classification,
            vec![n5.clone(), ("model", txt("gaussian_nb"))],
        ),
        (
            "pca_var_0_9_gaussian_nb",
            Task::Classification,
            vec![v90, ("model", txt("gaussian_nb"))],
        ),
        (
            "pca_3_svm_linear_c_1",
            Task::Classification,
            vec![
                ("n_components", num(3.0)),
                ("model", txt("svm_linear")),
                ("c", num(1.0)),
            ],
        ),
    ];
    configs
        .into_iter()
        .map(|(name, task, params)| {
            let factory: crate::models::Factory = if task == Task::Classification {
                |p: &Params| {
                    Ok(Box::new(PcaPipeline::from_params(p, Task::Classification)?)
                        as Box<dyn Model>)
                }
            } else {
                |p: &Params| {
                    Ok(Box::new(PcaPipeline::from_params(p, Task::Regression)?) as Box<dyn Model>)
                }
            };
            CatalogEntry::new(
                name,
                Family::PcaPipeline,
                task,
                &params,
                "hand-written",
                factory,
            )
        })
        .collect()
}

/// How many components to keep.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Keep {
    /// This many (at most the number of features).
    Count(usize),
    /// The fewest whose explained-variance share reaches this, in (0, 1].
    Share(f64),
}

/// A fitted principal-component projection of standardised features.
#[derive(Clone, Debug)]
pub struct Pca {
    scaler: Standardizer,
    /// `k x p`, one unit component per row.
    components: Matrix,
    explained_variance: Vec<f64>,
}

impl Pca {
    /// Fits on `x` (every value finite, at least two rows).
    pub fn fit(x: &Matrix, keep: Keep) -> Result<Pca, ModelError> {
        check_fit(x, &vec![0.0; x.rows()])?;
        if x.rows() < 2 {
            return Err(ModelError::TooLittleData("PCA needs two rows".into()));
        }
        let p = x.cols();
        let scaler = Standardizer::fit(x);
        let z = scaler.transform(x);
        let mut cov = gram(&z);
        let denom = (x.rows() - 1) as f64;
        cov.iter_mut().for_each(|v| *v /= denom);
        let (values, vectors) = symmetric_eigen(&cov, p);
        let values: Vec<f64> = values.into_iter().map(|v| v.max(0.0)).collect();
        let total: f64 = values.iter().sum();
        let k = match keep {
            Keep::Count(k) => k.clamp(1, p),
            Keep::Share(share) => {
                let mut acc = 0.0;
                let mut k = p;
                for (i, v) in values.iter().enumerate() {
                    acc += v;
                    if total <= 0.0 || acc >= share * total {
                        k = i + 1;
                        break;
                    }
                }
                k
            }
        };
        let components = Matrix::new(k, p, vectors[..k * p].to_vec())?;
        Ok(Pca {
            scaler,
            components,
            explained_variance: values,
        })
    }

    /// Variance along every component (all of them, not only the kept),
    /// largest first.
    pub fn explained_variance(&self) -> &[f64] {
        &self.explained_variance
    }

    /// Number of kept components.
    pub fn kept(&self) -> usize {
        self.components.rows()
    }

    /// Component scores of `x`'s rows.
    pub fn transform(&self, x: &Matrix) -> Result<Matrix, ModelError> {
        check_predict(x, self.components.cols())?;
        let z = self.scaler.transform(x);
        let k = self.components.rows();
        let mut data = Vec::with_capacity(z.rows() * k);
        for row in z.iter_rows() {
            for comp in self.components.iter_rows() {
                data.push(dot(row, comp));
            }
        }
        Matrix::new(z.rows(), k, data)
    }
}

/// PCA, then a downstream model on the scores.
pub struct PcaPipeline {
    keep: Keep,
    make: Box<dyn Fn() -> Box<dyn Model> + Send>,
    fitted: Option<(Pca, Box<dyn Model>)>,
}

impl std::fmt::Debug for PcaPipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcaPipeline")
            .field("keep", &self.keep)
            .field("fitted", &self.fitted.is_some())
            .finish()
    }
}

impl PcaPipeline {
    /// A pipeline keeping `keep` components and training models built by
    /// `make` on the scores.
    pub fn new(keep: Keep, make: Box<dyn Fn() -> Box<dyn Model> + Send>) -> PcaPipeline {
        PcaPipeline {
            keep,
            make,
            fitted: None,
        }
    }

    fn from_params(p: &Params, task: Task) -> Result<PcaPipeline, ModelError> {
        let keep = if p.contains_key("n_components") {
            let k = number(p, "n_components")?;
            if !(1.0..=1e4).contains(&k) || k.fract() != 0.0 {
                return Err(ModelError::Param {
                    name: "n_components".into(),
                    reason: format!("{k} is not a whole number ≥ 1"),
                });
            }
            Keep::Count(k as usize)
        } else {
            let s = number(p, "variance_share")?;
            if !(s > 0.0 && s <= 1.0) {
                return Err(ModelError::Param {
                    name: "variance_share".into(),
                    reason: format!("{s} is outside (0, 1]"),
                });
            }
            Keep::Share(s)
        };
        let model = crate::models::text(p, "model")?;
        // Build once now so that bad parameters fail at construction.
        let make: Box<dyn Fn() -> Box<dyn Model> + Send> = match (model, task) {
            ("logistic_l2", Task::Classification) => {
                let m = LogisticRegression::new(number(p, "c")?, LogisticPenalty::L2)?
                    .without_standardization();
                Box::new(move || Box::new(m.clone()) as Box<dyn Model>)
            }
            ("ridge", Task::Regression) => {
                let m = LinearRegression::ridge(number(p, "alpha")?)?.without_standardization();
                Box::new(move || Box::new(m.clone()) as Box<dyn Model>)
            }
            ("knn", Task::Classification | Task::Regression) => {
                let k = number(p, "k")?;
                if !(1.0..=1e6).contains(&k) || k.fract() != 0.0 {
                    return Err(ModelError::Param {
                        name: "k".into(),
                        reason: format!("{k} is not a whole number ≥ 1"),
                    });
                }
                let m = Knn::new(k as usize, false, task)?.without_standardization();
                Box::new(move || Box::new(m.clone()) as Box<dyn Model>)
            }
            ("gaussian_nb", Task::Classification) => {
                let m = NaiveBayes::gaussian(1e-9)?.without_standardization();
                Box::new(move || Box::new(m.clone()) as Box<dyn Model>)
            }
            ("svm_linear", Task::Classification) => {
                let m = Svm::classifier(number(p, "c")?, Kernel::Linear)?;
                Box::new(move || Box::new(m.clone()) as Box<dyn Model>)
            }
            (other, _) => {
                return Err(ModelError::Param {
                    name: "model".into(),
                    reason: format!("{other:?} is not a PCA downstream model for this task"),
                })
            }
        };
        Ok(PcaPipeline::new(keep, make))
    }

    /// The fitted projection.
    pub fn pca(&self) -> Option<&Pca> {
        self.fitted.as_ref().map(|(p, _)| p)
    }
}

impl Model for PcaPipeline {
    fn fit(&mut self, x: &Matrix, y: &[f64], seed: u64) -> Result<(), ModelError> {
        self.fitted = None;
        check_fit(x, y)?;
        let pca = Pca::fit(x, self.keep)?;
        let scores = pca.transform(x)?;
        let mut model = (self.make)();
        model.fit(&scores, y, seed)?;
        self.fitted = Some((pca, model));
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let (pca, model) = self.fitted.as_ref().ok_or(ModelError::NotTrained)?;
        model.predict(&pca.transform(x)?)
    }

    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        let (pca, model) = self.fitted.as_ref().ok_or(ModelError::NotTrained)?;
        model.predict_proba(&pca.transform(x)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_perfectly_correlated_columns_have_one_component() {
        let x = Matrix::from_rows(&[
            vec![1.0, 2.0, 0.0],
            vec![2.0, 4.0, 1.0],
            vec![3.0, 6.0, 0.0],
            vec![4.0, 8.0, 1.0],
        ])
        .unwrap();
        let pca = Pca::fit(&x, Keep::Share(0.99)).unwrap();
        let ev = pca.explained_variance();
        // Standardised columns: variance n/(n-1) each; the first two add up.
        let v = 4.0 / 3.0;
        assert!((ev.iter().sum::<f64>() - 3.0 * v).abs() < 1e-12);
        assert!(ev[2].abs() < 1e-12);
        assert_eq!(pca.kept(), 2);
        // The first component alone holds at least 2/3 of the variance.
        assert_eq!(Pca::fit(&x, Keep::Share(0.6)).unwrap().kept(), 1);
        let one = Pca::fit(&x, Keep::Count(1)).unwrap();
        assert_eq!(one.transform(&x).unwrap().cols(), 1);
    }

    #[test]
    fn pipelines_build_from_every_entry_and_fit() {
        let rows: Vec<Vec<f64>> = (0..120)
            .map(|i| {
                let t = i as f64;
                (0..6)
                    .map(|j| ((t + 1.0) * (j as f64 + 1.3)).sin())
                    .collect()
            })
            .collect();
        let x = Matrix::from_rows(&rows).unwrap();
        let y: Vec<f64> = rows
            .iter()
            .map(|r| if r[0] + r[1] > 0.0 { 1.0 } else { 0.0 })
            .collect();
        for entry in entries() {
            let mut m = entry.build().unwrap();
            m.fit(&x, &y, 1).unwrap();
            assert_eq!(m.predict(&x).unwrap().len(), 120, "{}", entry.spec.name);
        }
    }
}
