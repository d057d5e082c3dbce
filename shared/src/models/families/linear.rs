//! Linear regression of the forward return on the features: ordinary least
//! squares, ridge, lasso and elastic net. Hand-written.
//!
//! Features are standardised on the training rows (so a penalty treats every
//! feature alike); coefficients are reported on that standardised scale, like
//! scikit-learn's `make_pipeline(StandardScaler(), Ridge(alpha))`. OLS and
//! ridge solve the normal equations by Cholesky (minimum-norm pseudo-inverse
//! when singular). Lasso and elastic net run cyclic coordinate descent on
//! the Gram matrix with scikit-learn's objective
//! `1/(2n)·‖y − Xw‖² + α·ρ·‖w‖₁ + α·(1−ρ)/2·‖w‖²`, where the target is also
//! standardised (so α is in units of the target's standard deviation and
//! the same α means the same thing for 1-day and 20-day returns).

use crate::models::linalg::{check_fit, check_predict, gram, solve_psd, xt_vec};
use crate::models::{
    num, number, CatalogEntry, Family, Matrix, Model, ModelError, Params, Standardizer, Task,
};

/// This family's entries.
pub fn entries() -> Vec<CatalogEntry> {
    let mut out = vec![CatalogEntry::new(
        "linear_regression_ols",
        Family::Linear,
        Task::Regression,
        &[],
        "hand-written",
        |_: &Params| Ok(Box::new(LinearRegression::ols()) as Box<dyn Model>),
    )];
    let ridge: [(&str, f64); 6] = [
        ("ridge_alpha_0_1", 0.1),
        ("ridge_alpha_1", 1.0),
        ("ridge_alpha_10", 10.0),
        ("ridge_alpha_100", 100.0),
        ("ridge_alpha_1000", 1000.0),
        ("ridge_alpha_10000", 10000.0),
    ];
    for (name, alpha) in ridge {
        out.push(CatalogEntry::new(
            name,
            Family::RegularisedLinear,
            Task::Regression,
            &[("alpha", num(alpha))],
            "hand-written",
            |p: &Params| {
                Ok(Box::new(LinearRegression::ridge(number(p, "alpha")?)?) as Box<dyn Model>)
            },
        ));
    }
    let lasso: [(&str, f64); 4] = [
        ("lasso_alpha_0_001", 0.001),
        ("lasso_alpha_0_003", 0.003),
        ("lasso_alpha_0_01", 0.01),
        ("lasso_alpha_0_03", 0.03),
    ];
    for (name, alpha) in lasso {
        out.push(CatalogEntry::new(
            name,
            Family::RegularisedLinear,
            Task::Regression,
            &[("alpha", num(alpha)), ("l1_ratio", num(1.0))],
            "hand-written",
            elastic_net_factory,
        ));
    }
    let enet: [(&str, f64, f64); 4] = [
        ("elastic_net_alpha_0_003_l1_0_5", 0.003, 0.5),
        ("elastic_net_alpha_0_01_l1_0_5", 0.01, 0.5),
        ("elastic_net_alpha_0_03_l1_0_2", 0.03, 0.2),
        ("elastic_net_alpha_0_01_l1_0_8", 0.01, 0.8),
    ];
    for (name, alpha, ratio) in enet {
        out.push(CatalogEntry::new(
            name,
            Family::RegularisedLinear,
            Task::Regression,
            &[("alpha", num(alpha)), ("l1_ratio", num(ratio))],
            "hand-written",
            elastic_net_factory,
        ));
    }
    out
}

fn elastic_net_factory(p: &Params) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(LinearRegression::elastic_net(
        number(p, "alpha")?,
        number(p, "l1_ratio")?,
    )?))
}

/// The penalty on the coefficients (never on the intercept).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Penalty {
    /// None: ordinary least squares.
    None,
    /// `alpha·‖w‖²` added to the residual sum of squares (scikit-learn `Ridge`).
    Ridge {
        /// Strength, ≥ 0.
        alpha: f64,
    },
    /// scikit-learn `ElasticNet(alpha, l1_ratio)` on the standardised target;
    /// `l1_ratio = 1` is the lasso.
    ElasticNet {
        /// Strength, ≥ 0.
        alpha: f64,
        /// Share of the L1 part, in `[0, 1]`.
        l1_ratio: f64,
    },
}

/// A fitted or unfitted linear regression.
#[derive(Clone, Debug)]
pub struct LinearRegression {
    penalty: Penalty,
    standardize: bool,
    fitted: Option<Fitted>,
}

#[derive(Clone, Debug)]
struct Fitted {
    scaler: Option<Standardizer>,
    /// Coefficients on the (standardised) feature scale.
    coef: Vec<f64>,
    intercept: f64,
}

impl LinearRegression {
    /// Ordinary least squares.
    pub fn ols() -> LinearRegression {
        LinearRegression {
            penalty: Penalty::None,
            standardize: true,
            fitted: None,
        }
    }

    /// Ridge with strength `alpha ≥ 0`.
    pub fn ridge(alpha: f64) -> Result<LinearRegression, ModelError> {
        check_alpha(alpha)?;
        Ok(LinearRegression {
            penalty: Penalty::Ridge { alpha },
            standardize: true,
            fitted: None,
        })
    }

    /// Elastic net (lasso when `l1_ratio = 1`).
    pub fn elastic_net(alpha: f64, l1_ratio: f64) -> Result<LinearRegression, ModelError> {
        check_alpha(alpha)?;
        if !(0.0..=1.0).contains(&l1_ratio) {
            return Err(ModelError::Param {
                name: "l1_ratio".into(),
                reason: format!("{l1_ratio} is outside [0, 1]"),
            });
        }
        Ok(LinearRegression {
            penalty: Penalty::ElasticNet { alpha, l1_ratio },
            standardize: true,
            fitted: None,
        })
    }

    /// The same model without its own feature standardisation (for inputs
    /// that are already on a common scale, such as PCA scores).
    pub fn without_standardization(mut self) -> LinearRegression {
        self.standardize = false;
        self
    }

    /// Fitted coefficients on the standardised feature scale, and the
    /// intercept; `None` before `fit`.
    pub fn coefficients(&self) -> Option<(&[f64], f64)> {
        self.fitted
            .as_ref()
            .map(|f| (f.coef.as_slice(), f.intercept))
    }
}

fn check_alpha(alpha: f64) -> Result<(), ModelError> {
    if alpha.is_finite() && alpha >= 0.0 {
        Ok(())
    } else {
        Err(ModelError::Param {
            name: "alpha".into(),
            reason: format!("{alpha} is not a finite number ≥ 0"),
        })
    }
}

/// Features centred (and standardised when asked), with the scaler used.
pub(crate) fn prepare(x: &Matrix, standardize: bool) -> (Option<Standardizer>, Matrix) {
    if standardize {
        let scaler = Standardizer::fit(x);
        let z = scaler.transform(x);
        (Some(scaler), z)
    } else {
        (None, x.clone())
    }
}

impl Model for LinearRegression {
    fn fit(&mut self, x: &Matrix, y: &[f64], _seed: u64) -> Result<(), ModelError> {
        self.fitted = None;
        check_fit(x, y)?;
        let n = x.rows() as f64;
        let p = x.cols();
        let (scaler, z) = prepare(x, self.standardize);
        // Centre features explicitly (standardised ones already are).
        let means: Vec<f64> = if self.standardize {
            vec![0.0; p]
        } else {
            let mut m = vec![0.0; p];
            for row in z.iter_rows() {
                for (mj, v) in m.iter_mut().zip(row) {
                    *mj += v;
                }
            }
            m.iter_mut().for_each(|v| *v /= n);
            m
        };
        let mut zc = z;
        if !self.standardize {
            for i in 0..zc.rows() {
                for (v, m) in zc.row_mut(i).iter_mut().zip(&means) {
                    *v -= m;
                }
            }
        }
        let y_mean = y.iter().sum::<f64>() / n;
        let yc: Vec<f64> = y.iter().map(|v| v - y_mean).collect();
        let mut g = gram(&zc);
        let b = xt_vec(&zc, &yc);
        let coef = match self.penalty {
            Penalty::None => solve_psd(&g, p, &b)?,
            Penalty::Ridge { alpha } => {
                for j in 0..p {
                    g[j * p + j] += alpha;
                }
                solve_psd(&g, p, &b)?
            }
            Penalty::ElasticNet { alpha, l1_ratio } => {
                let y_sd = (yc.iter().map(|v| v * v).sum::<f64>() / n).sqrt();
                let y_scale = if y_sd > 0.0 { y_sd } else { 1.0 };
                let g_n: Vec<f64> = g.iter().map(|v| v / n).collect();
                let b_n: Vec<f64> = b.iter().map(|v| v / n / y_scale).collect();
                let w =
                    coordinate_descent(&g_n, &b_n, p, alpha * l1_ratio, alpha * (1.0 - l1_ratio));
                w.into_iter().map(|v| v * y_scale).collect()
            }
        };
        if coef.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::Numerical("non-finite coefficients".into()));
        }
        let intercept = y_mean - coef.iter().zip(&means).map(|(c, m)| c * m).sum::<f64>();
        self.fitted = Some(Fitted {
            scaler,
            coef,
            intercept,
        });
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let f = self.fitted.as_ref().ok_or(ModelError::NotTrained)?;
        check_predict(x, f.coef.len())?;
        let z = match &f.scaler {
            Some(s) => s.transform(x),
            None => x.clone(),
        };
        Ok(z.iter_rows()
            .map(|row| f.intercept + crate::models::linalg::dot(row, &f.coef))
            .collect())
    }
}

/// Cyclic coordinate descent for
/// `½wᵀGw − bᵀw + l1·‖w‖₁ + ½·l2·‖w‖²` (G = XᵀX/n, b = Xᵀy/n): the
/// covariance-update form of scikit-learn's `enet_coordinate_descent_gram`.
/// Stops when no coefficient moves by more than `1e-12` (on the standardised
/// scale) or after 100,000 sweeps.
pub(crate) fn coordinate_descent(g: &[f64], b: &[f64], p: usize, l1: f64, l2: f64) -> Vec<f64> {
    let mut w = vec![0.0; p];
    // q = G w, kept up to date.
    let mut q = vec![0.0; p];
    for _sweep in 0..100_000 {
        let mut max_change = 0.0f64;
        let mut max_w = 0.0f64;
        for j in 0..p {
            let gjj = g[j * p + j];
            let denom = gjj + l2;
            let old = w[j];
            let rho = b[j] - (q[j] - gjj * old);
            let new = if denom > 0.0 {
                soft_threshold(rho, l1) / denom
            } else {
                0.0
            };
            let delta = new - old;
            if delta != 0.0 {
                w[j] = new;
                let gj = &g[j * p..(j + 1) * p];
                for (qk, gk) in q.iter_mut().zip(gj) {
                    *qk += gk * delta;
                }
            }
            max_change = max_change.max(delta.abs());
            max_w = max_w.max(new.abs());
        }
        if max_change <= 1e-12 * max_w.max(1e-3) {
            break;
        }
    }
    w
}

/// `sign(v)·max(|v| − t, 0)`.
pub(crate) fn soft_threshold(v: f64, t: f64) -> f64 {
    if v > t {
        v - t
    } else if v < -t {
        v + t
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> (Matrix, Vec<f64>) {
        let x = Matrix::from_rows(&[vec![0.0], vec![1.0], vec![2.0], vec![3.0]]).unwrap();
        let y = vec![1.0, 3.0, 5.0, 7.0];
        (x, y)
    }

    #[test]
    fn ols_recovers_an_exact_line() {
        let (x, y) = line();
        let mut m = LinearRegression::ols();
        m.fit(&x, &y, 0).unwrap();
        let pred = m
            .predict(&Matrix::from_rows(&[vec![10.0]]).unwrap())
            .unwrap();
        assert!((pred[0] - 21.0).abs() < 1e-12);
        let mut raw = LinearRegression::ols().without_standardization();
        raw.fit(&x, &y, 0).unwrap();
        let (coef, intercept) = raw.coefficients().unwrap();
        assert!((coef[0] - 2.0).abs() < 1e-12 && (intercept - 1.0).abs() < 1e-12);
    }

    #[test]
    fn ridge_shrinks_by_the_closed_form() {
        // Standardised x = (-1.5, -0.5, 0.5, 1.5)/sd, Σz² = n = 4, Σz·y = 4·2·sd.
        let (x, y) = line();
        let mut m = LinearRegression::ridge(4.0).unwrap();
        m.fit(&x, &y, 0).unwrap();
        let sd = 1.25f64.sqrt();
        let (coef, intercept) = m.coefficients().unwrap();
        assert!((coef[0] - 8.0 * sd / 8.0).abs() < 1e-12);
        assert!((intercept - 4.0).abs() < 1e-12);
    }

    #[test]
    fn lasso_zeroes_a_weak_feature_and_a_huge_alpha_zeroes_all() {
        let x = Matrix::from_rows(&[
            vec![0.0, 1.0],
            vec![1.0, -1.0],
            vec![2.0, 1.0],
            vec![3.0, -1.0],
            vec![4.0, 1.0],
            vec![5.0, -1.0],
        ])
        .unwrap();
        let y: Vec<f64> = (0..6)
            .map(|i| 2.0 * i as f64 + 0.01 * if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let mut m = LinearRegression::elastic_net(0.05, 1.0).unwrap();
        m.fit(&x, &y, 0).unwrap();
        let (coef, _) = m.coefficients().unwrap();
        assert!(coef[0] > 1.0 && coef[1] == 0.0, "{coef:?}");
        let mut all = LinearRegression::elastic_net(10.0, 1.0).unwrap();
        all.fit(&x, &y, 0).unwrap();
        assert_eq!(all.coefficients().unwrap().0, &[0.0, 0.0]);
    }

    #[test]
    fn constant_columns_and_bad_inputs_do_not_panic() {
        let x = Matrix::from_rows(&[vec![1.0, 5.0], vec![2.0, 5.0], vec![3.0, 5.0]]).unwrap();
        let mut m = LinearRegression::ols();
        m.fit(&x, &[1.0, 2.0, 3.0], 0).unwrap();
        assert!(m.predict(&x).unwrap().iter().all(|v| v.is_finite()));
        assert!(m.fit(&x, &[1.0, 2.0], 0).is_err());
        assert!(m.fit(&Matrix::zeros(0, 2), &[], 0).is_err());
        let nan = Matrix::from_rows(&[vec![f64::NAN, 1.0]]).unwrap();
        assert!(m.fit(&nan, &[1.0], 0).is_err());
        assert_eq!(
            LinearRegression::ridge(1.0).unwrap().predict(&x),
            Err(ModelError::NotTrained)
        );
        assert!(LinearRegression::ridge(-1.0).is_err());
    }
}
