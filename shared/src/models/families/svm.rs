//! Support vector machines on standardised features. Hand-written.
//!
//! * Linear classifiers: scikit-learn `LinearSVC` (squared hinge, L2
//!   penalty, the intercept as a bias feature of 1 that is penalised like a
//!   weight), solved by liblinear's dual coordinate descent with shrinking
//!   (Hsieh et al., ICML 2008). The visiting order is a seeded permutation.
//! * Kernel classifiers (RBF, polynomial): an **approximation**, named so:
//!   a Nystroem feature map on up to 256 landmark rows drawn with the seed
//!   (a pivoted Cholesky factor `L` of the landmarks' kernel matrix, landmarks
//!   that add less than `1e-8` of new variance dropped; `φ(x) = L⁻¹k(x)`, so
//!   `φ(x)·φ(y)` is the Nystroem kernel), then the hinge-loss (L1-loss) dual
//!   coordinate descent of scikit-learn `SVC`'s objective on `φ`. Exact SMO
//!   on 5,000 rows would hold or recompute a 5,000² kernel matrix; this
//!   trains in well under a second.
//! * Regression: scikit-learn `LinearSVR` (epsilon-insensitive loss) by dual
//!   coordinate descent, linear or on the Nystroem RBF map, on the target
//!   standardised inside the model (`epsilon` is in units of the target's
//!   standard deviation), predictions mapped back to returns.

use rand_xoshiro::Xoshiro256PlusPlus;

use crate::models::linalg::{
    binary_labels, check_fit, check_predict, dot, forward_substitute, rng, shuffle,
    squared_distance,
};
use crate::models::{
    num, number, txt, CatalogEntry, Family, Matrix, Model, ModelError, Params, Standardizer, Task,
};

/// Landmark rows of the Nystroem approximation (at most).
pub const NYSTROEM_LANDMARKS: usize = 256;

/// This family's entries.
pub fn entries() -> Vec<CatalogEntry> {
    let mut out = Vec::new();
    for (name, c) in [
        ("svm_linear_c_0_01", 0.01),
        ("svm_linear_c_0_1", 0.1),
        ("svm_linear_c_1", 1.0),
        ("svm_linear_c_10", 10.0),
    ] {
        out.push(CatalogEntry::new(
            name,
            Family::Svm,
            Task::Classification,
            &[("c", num(c)), ("kernel", txt("linear"))],
            "hand-written",
            factory_clf,
        ));
    }
    for (name, c, gamma) in [
        ("svm_rbf_nystroem256_c_0_1_gamma_0_05", 0.1, 0.05),
        ("svm_rbf_nystroem256_c_1_gamma_0_05", 1.0, 0.05),
        ("svm_rbf_nystroem256_c_10_gamma_0_05", 10.0, 0.05),
        ("svm_rbf_nystroem256_c_1_gamma_0_01", 1.0, 0.01),
        ("svm_rbf_nystroem256_c_1_gamma_0_2", 1.0, 0.2),
    ] {
        out.push(CatalogEntry::new(
            name,
            Family::Svm,
            Task::Classification,
            &[
                ("c", num(c)),
                ("kernel", txt("rbf_nystroem256")),
                ("gamma", num(gamma)),
            ],
            "hand-written (Nystroem approximation, 256 landmarks)",
            factory_clf,
        ));
    }
    for (name, degree) in [
        ("svm_poly2_nystroem256_c_1_gamma_0_05", 2.0),
        ("svm_poly3_nystroem256_c_1_gamma_0_05", 3.0),
    ] {
        out.push(CatalogEntry::new(
            name,
            Family::Svm,
            Task::Classification,
            &[
                ("c", num(1.0)),
                ("kernel", txt("poly_nystroem256")),
                ("gamma", num(0.05)),
                ("degree", num(degree)),
            ],
            "hand-written (Nystroem approximation, 256 landmarks)",
            factory_clf,
        ));
    }
    for (name, c) in [
        ("svr_linear_c_0_1_eps_0_1", 0.1),
        ("svr_linear_c_1_eps_0_1", 1.0),
    ] {
        out.push(CatalogEntry::new(
            name,
            Family::Svm,
            Task::Regression,
            &[
                ("c", num(c)),
                ("kernel", txt("linear")),
                ("epsilon", num(0.1)),
            ],
            "hand-written",
            factory_reg,
        ));
    }
    out.push(CatalogEntry::new(
        "svr_rbf_nystroem256_c_1_gamma_0_05_eps_0_1",
        Family::Svm,
        Task::Regression,
        &[
            ("c", num(1.0)),
            ("kernel", txt("rbf_nystroem256")),
            ("gamma", num(0.05)),
            ("epsilon", num(0.1)),
        ],
        "hand-written (Nystroem approximation, 256 landmarks)",
        factory_reg,
    ));
    out
}

fn kernel_from(p: &Params) -> Result<Kernel, ModelError> {
    match crate::models::text(p, "kernel")? {
        "linear" => Ok(Kernel::Linear),
        "rbf_nystroem256" => Ok(Kernel::Rbf {
            gamma: number(p, "gamma")?,
        }),
        "poly_nystroem256" => {
            let degree = number(p, "degree")?;
            if !(1.0..=10.0).contains(&degree) || degree.fract() != 0.0 {
                return Err(ModelError::Param {
                    name: "degree".into(),
                    reason: format!("{degree} is not a whole number in 1..=10"),
                });
            }
            Ok(Kernel::Poly {
                gamma: number(p, "gamma")?,
                degree: degree as u32,
            })
        }
        other => Err(ModelError::Param {
            name: "kernel".into(),
            reason: format!("unknown kernel {other:?}"),
        }),
    }
}

fn factory_clf(p: &Params) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(Svm::classifier(number(p, "c")?, kernel_from(p)?)?))
}

fn factory_reg(p: &Params) -> Result<Box<dyn Model>, ModelError> {
    Ok(Box::new(Svm::regressor(
        number(p, "c")?,
        number(p, "epsilon")?,
        kernel_from(p)?,
    )?))
}

/// The kernel. RBF and polynomial kernels are approximated by a Nystroem
/// map (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kernel {
    /// `x·y`.
    Linear,
    /// `exp(−γ‖x − y‖²)`.
    Rbf {
        /// γ > 0.
        gamma: f64,
    },
    /// `(γ x·y + 1)^degree`.
    Poly {
        /// γ > 0.
        gamma: f64,
        /// Degree ≥ 1.
        degree: u32,
    },
}

impl Kernel {
    fn eval(self, a: &[f64], b: &[f64]) -> f64 {
        match self {
            Kernel::Linear => dot(a, b),
            Kernel::Rbf { gamma } => libm::exp(-gamma * squared_distance(a, b)),
            Kernel::Poly { gamma, degree } => {
                let base = gamma * dot(a, b) + 1.0;
                let mut out = 1.0;
                for _ in 0..degree {
                    out *= base;
                }
                out
            }
        }
    }
}

/// A Nystroem feature map: landmarks and the Cholesky factor of their
/// kernel matrix.
#[derive(Clone, Debug)]
struct Nystroem {
    kernel: Kernel,
    landmarks: Matrix,
    /// Lower-triangular, `m x m` row-major.
    chol: Vec<f64>,
}

impl Nystroem {
    fn fit(
        kernel: Kernel,
        x: &Matrix,
        rng: &mut Xoshiro256PlusPlus,
    ) -> Result<Nystroem, ModelError> {
        let mut order: Vec<usize> = (0..x.rows()).collect();
        shuffle(&mut order, rng);
        order.truncate(NYSTROEM_LANDMARKS.min(x.rows()));
        // Pivoted (greedy, in draw order) Cholesky: a landmark is kept only
        // if it adds variance beyond what the kept ones explain.
        let mut kept: Vec<usize> = Vec::new();
        let mut rows: Vec<Vec<f64>> = Vec::new();
        for &cand in &order {
            let xc = x.row(cand);
            let kcc = kernel.eval(xc, xc);
            let mut l_row = Vec::with_capacity(kept.len() + 1);
            for (j, &kj) in kept.iter().enumerate() {
                let kij = kernel.eval(xc, x.row(kj));
                let s = kij - dot(&l_row[..j], &rows[j][..j]);
                l_row.push(s / rows[j][j]);
            }
            let pivot = kcc - dot(&l_row, &l_row);
            if pivot.is_finite() && pivot > 1e-8 * kcc.abs().max(f64::MIN_POSITIVE) {
                l_row.push(pivot.sqrt());
                kept.push(cand);
                rows.push(l_row);
            }
        }
        let m = kept.len();
        if m == 0 {
            return Err(ModelError::Numerical("no usable Nystroem landmark".into()));
        }
        let mut chol = vec![0.0; m * m];
        for (i, r) in rows.iter().enumerate() {
            chol[i * m..i * m + r.len()].copy_from_slice(r);
        }
        Ok(Nystroem {
            kernel,
            landmarks: x.select_rows(&kept),
            chol,
        })
    }

    fn transform(&self, x: &Matrix) -> Matrix {
        let m = self.landmarks.rows();
        let mut data = Vec::with_capacity(x.rows() * (m + 1));
        let mut k = vec![0.0; m];
        for row in x.iter_rows() {
            for (kj, lm) in k.iter_mut().zip(self.landmarks.iter_rows()) {
                *kj = self.kernel.eval(row, lm);
            }
            forward_substitute(&self.chol, m, &mut k);
            data.extend_from_slice(&k);
            data.push(1.0);
        }
        Matrix::new(x.rows(), m + 1, data).unwrap_or_default()
    }
}

/// A support vector classifier or regressor.
#[derive(Clone, Debug)]
pub struct Svm {
    c: f64,
    epsilon: f64,
    kernel: Kernel,
    task: Task,
    fitted: Option<Fitted>,
}

#[derive(Clone, Debug)]
struct Fitted {
    scaler: Standardizer,
    cols: usize,
    map: Option<Nystroem>,
    /// Weights on the (mapped) features, the bias weight last.
    w: Vec<f64>,
    y_mean: f64,
    y_scale: f64,
}

fn check_positive(name: &str, v: f64) -> Result<(), ModelError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(ModelError::Param {
            name: name.into(),
            reason: format!("{v} is not a finite number > 0"),
        })
    }
}

impl Svm {
    /// A classifier with penalty `c > 0`.
    pub fn classifier(c: f64, kernel: Kernel) -> Result<Svm, ModelError> {
        Svm::new(c, 0.0, kernel, Task::Classification)
    }

    /// A regressor with penalty `c > 0` and tube half-width `epsilon ≥ 0`
    /// (in standard deviations of the target).
    pub fn regressor(c: f64, epsilon: f64, kernel: Kernel) -> Result<Svm, ModelError> {
        if !(epsilon.is_finite() && epsilon >= 0.0) {
            return Err(ModelError::Param {
                name: "epsilon".into(),
                reason: format!("{epsilon} is not a finite number ≥ 0"),
            });
        }
        Svm::new(c, epsilon, kernel, Task::Regression)
    }

    fn new(c: f64, epsilon: f64, kernel: Kernel, task: Task) -> Result<Svm, ModelError> {
        check_positive("c", c)?;
        match kernel {
            Kernel::Linear => {}
            Kernel::Rbf { gamma } | Kernel::Poly { gamma, .. } => check_positive("gamma", gamma)?,
        }
        Ok(Svm {
            c,
            epsilon,
            kernel,
            task,
            fitted: None,
        })
    }

    fn features(&self, f: &Fitted, x: &Matrix) -> Matrix {
        let z = f.scaler.transform(x);
        match &f.map {
            Some(map) => map.transform(&z),
            None => with_bias(&z),
        }
    }

    /// The decision values (classification) or standardised predictions.
    fn decision(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let f = self.fitted.as_ref().ok_or(ModelError::NotTrained)?;
        check_predict(x, f.cols)?;
        let phi = self.features(f, x);
        Ok(phi.iter_rows().map(|row| dot(row, &f.w)).collect())
    }
}

fn with_bias(z: &Matrix) -> Matrix {
    let p = z.cols();
    let mut data = Vec::with_capacity(z.rows() * (p + 1));
    for row in z.iter_rows() {
        data.extend_from_slice(row);
        data.push(1.0);
    }
    Matrix::new(z.rows(), p + 1, data).unwrap_or_default()
}

/// Dual coordinate descent for the L2-penalised SVC (liblinear's
/// `solve_l2r_l1l2_svc`, with shrinking): `squared = true` is the squared
/// hinge (`LinearSVC`), `false` the hinge (`SVC`). Labels ±1.
fn svc_dual_cd(
    x: &Matrix,
    y: &[f64],
    c: f64,
    squared: bool,
    tol: f64,
    max_epochs: usize,
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<f64> {
    let n = x.rows();
    let (diag, upper) = if squared {
        (0.5 / c, f64::INFINITY)
    } else {
        (0.0, c)
    };
    let qd: Vec<f64> = x.iter_rows().map(|r| dot(r, r) + diag).collect();
    let mut alpha = vec![0.0; n];
    let mut w = vec![0.0; x.cols()];
    let mut index: Vec<usize> = (0..n).collect();
    let mut active = n;
    let mut pg_max_old = f64::INFINITY;
    let mut pg_min_old = f64::NEG_INFINITY;
    for _ in 0..max_epochs {
        let mut pg_max = f64::NEG_INFINITY;
        let mut pg_min = f64::INFINITY;
        shuffle(&mut index[..active], rng);
        let mut s = 0;
        while s < active {
            let i = index[s];
            let xi = x.row(i);
            let g = y[i] * dot(&w, xi) - 1.0 + alpha[i] * diag;
            let mut pg = 0.0;
            if alpha[i] == 0.0 {
                if g > pg_max_old {
                    active -= 1;
                    index.swap(s, active);
                    continue;
                } else if g < 0.0 {
                    pg = g;
                }
            } else if alpha[i] == upper {
                if g < pg_min_old {
                    active -= 1;
                    index.swap(s, active);
                    continue;
                } else if g > 0.0 {
                    pg = g;
                }
            } else {
                pg = g;
            }
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 && qd[i] > 0.0 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).clamp(0.0, upper);
                let d = (alpha[i] - old) * y[i];
                for (wj, v) in w.iter_mut().zip(xi) {
                    *wj += d * v;
                }
            }
            s += 1;
        }
        if pg_max - pg_min <= tol {
            if active == n {
                break;
            }
            active = n;
            pg_max_old = f64::INFINITY;
            pg_min_old = f64::NEG_INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
        pg_min_old = if pg_min >= 0.0 {
            f64::NEG_INFINITY
        } else {
            pg_min
        };
    }
    w
}

/// Dual coordinate descent for the L2-penalised epsilon-insensitive SVR
/// (liblinear's `solve_l2r_l1l2_svr`, L1 loss, without shrinking).
fn svr_dual_cd(
    x: &Matrix,
    y: &[f64],
    c: f64,
    epsilon: f64,
    tol: f64,
    max_epochs: usize,
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<f64> {
    let n = x.rows();
    let qd: Vec<f64> = x.iter_rows().map(|r| dot(r, r)).collect();
    let mut beta = vec![0.0; n];
    let mut w = vec![0.0; x.cols()];
    let mut index: Vec<usize> = (0..n).collect();
    for _ in 0..max_epochs {
        shuffle(&mut index, rng);
        let mut worst = 0.0f64;
        for &i in &index {
            let h = qd[i];
            if h <= 0.0 {
                continue;
            }
            let xi = x.row(i);
            let g = dot(&w, xi) - y[i];
            let gp = g + epsilon;
            let gn = g - epsilon;
            let b = beta[i];
            let d = if gp < h * b {
                -gp / h
            } else if gn > h * b {
                -gn / h
            } else {
                -b
            };
            let new = (b + d).clamp(-c, c);
            let delta = new - b;
            if delta != 0.0 {
                beta[i] = new;
                for (wj, v) in w.iter_mut().zip(xi) {
                    *wj += delta * v;
                }
                worst = worst.max(delta.abs() * h);
            }
        }
        if worst <= tol {
            break;
        }
    }
    w
}

impl Model for Svm {
    fn fit(&mut self, x: &Matrix, y: &[f64], seed: u64) -> Result<(), ModelError> {
        self.fitted = None;
        check_fit(x, y)?;
        let mut rng = rng(seed);
        let scaler = Standardizer::fit(x);
        let z = scaler.transform(x);
        let map = match self.kernel {
            Kernel::Linear => None,
            kernel => Some(Nystroem::fit(kernel, &z, &mut rng)?),
        };
        let phi = match &map {
            Some(m) => m.transform(&z),
            None => with_bias(&z),
        };
        let (w, y_mean, y_scale) = if self.task == Task::Classification {
            let labels = binary_labels(y)?;
            let signs: Vec<f64> = labels.iter().map(|&l| if l { 1.0 } else { -1.0 }).collect();
            let w = match self.kernel {
                Kernel::Linear => svc_dual_cd(&phi, &signs, self.c, true, 1e-4, 1000, &mut rng),
                _ => svc_dual_cd(&phi, &signs, self.c, false, 1e-3, 1000, &mut rng),
            };
            (w, 0.0, 1.0)
        } else {
            let n = y.len() as f64;
            let mean = y.iter().sum::<f64>() / n;
            let sd = (y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
            let scale = if sd > 0.0 { sd } else { 1.0 };
            let ys: Vec<f64> = y.iter().map(|v| (v - mean) / scale).collect();
            let max_epochs = if map.is_some() { 100 } else { 1000 };
            let w = svr_dual_cd(&phi, &ys, self.c, self.epsilon, 1e-3, max_epochs, &mut rng);
            (w, mean, scale)
        };
        if w.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::Numerical("non-finite weights".into()));
        }
        self.fitted = Some(Fitted {
            scaler,
            cols: x.cols(),
            map,
            w,
            y_mean,
            y_scale,
        });
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let d = self.decision(x)?;
        let f = self.fitted.as_ref().ok_or(ModelError::NotTrained)?;
        Ok(if self.task == Task::Classification {
            d.into_iter()
                .map(|v| if v > 0.0 { 1.0 } else { 0.0 })
                .collect()
        } else {
            d.into_iter().map(|v| f.y_mean + f.y_scale * v).collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs() -> (Matrix, Vec<f64>) {
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for i in 0..40 {
            let t = i as f64 * 0.1;
            rows.push(vec![
                1.0 + (t * 7.0).sin() * 0.3,
                1.0 + (t * 3.0).cos() * 0.3,
            ]);
            y.push(1.0);
            rows.push(vec![
                -1.0 + (t * 5.0).sin() * 0.3,
                -1.0 + (t * 2.0).cos() * 0.3,
            ]);
            y.push(0.0);
        }
        (Matrix::from_rows(&rows).unwrap(), y)
    }

    #[test]
    fn separable_blobs_are_separated_by_every_kernel() {
        let (x, y) = blobs();
        for kernel in [
            Kernel::Linear,
            Kernel::Rbf { gamma: 0.5 },
            Kernel::Poly {
                gamma: 0.5,
                degree: 3,
            },
        ] {
            let mut m = Svm::classifier(1.0, kernel).unwrap();
            m.fit(&x, &y, 7).unwrap();
            assert_eq!(m.predict(&x).unwrap(), y, "{kernel:?}");
        }
    }

    #[test]
    fn rings_need_a_kernel() {
        // Inner disc up, outer ring down: no line separates them.
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for i in 0..60 {
            let a = i as f64 * 0.37;
            let r = if i % 2 == 0 { 0.5 } else { 2.0 };
            rows.push(vec![r * a.cos(), r * a.sin()]);
            y.push(if i % 2 == 0 { 1.0 } else { 0.0 });
        }
        let x = Matrix::from_rows(&rows).unwrap();
        let mut m = Svm::classifier(10.0, Kernel::Rbf { gamma: 1.0 }).unwrap();
        m.fit(&x, &y, 1).unwrap();
        assert_eq!(m.predict(&x).unwrap(), y);
    }

    #[test]
    fn svr_fits_a_line_within_the_tube() {
        let x = Matrix::from_rows(&(0..30).map(|i| vec![i as f64]).collect::<Vec<_>>()).unwrap();
        let y: Vec<f64> = (0..30).map(|i| 0.5 * i as f64 + 2.0).collect();
        let mut m = Svm::regressor(100.0, 0.01, Kernel::Linear).unwrap();
        m.fit(&x, &y, 0).unwrap();
        let pred = m.predict(&x).unwrap();
        let sd = (0.25f64 * (900.0 - 1.0) / 12.0).sqrt();
        for (p, t) in pred.iter().zip(&y) {
            assert!((p - t).abs() < 0.02 * sd + 1e-3, "{p} vs {t}");
        }
    }

    #[test]
    fn same_seed_same_predictions_and_errors_not_panics() {
        let (x, y) = blobs();
        let mut a = Svm::classifier(1.0, Kernel::Rbf { gamma: 0.1 }).unwrap();
        let mut b = a.clone();
        a.fit(&x, &y, 3).unwrap();
        b.fit(&x, &y, 3).unwrap();
        assert_eq!(a.decision(&x).unwrap(), b.decision(&x).unwrap());
        assert!(a.fit(&x, &vec![1.0; x.rows()], 0).is_err());
        assert!(Svm::classifier(0.0, Kernel::Linear).is_err());
        assert!(a.predict(&Matrix::zeros(1, 3)).is_err());
    }
}
