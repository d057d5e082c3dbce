//! A small builder for clarabel problems,
//! `minimise ½ x'Px + q'x` subject to equalities `a'x = b`, inequalities
//! `a'x <= b` and second-order cones `‖(a_k'x - b_k)_{k>0}‖ <= b_0 - a_0'x`,
//! and the call into clarabel with its status mapped to our errors.
//!
//! Must not know about portfolios: the optimisers build the rows.

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};

use super::result::SolveStatus;
use super::PortfolioError;

/// One sparse row `a` (column, value pairs) with right-hand side `b`.
pub(crate) type Row = (Vec<(usize, f64)>, f64);

/// A problem under construction.
pub(crate) struct Problem {
    n: usize,
    /// Upper-triangular entries of `P` as (row, col, value), row <= col.
    p: Vec<(usize, usize, f64)>,
    q: Vec<f64>,
    eq: Vec<Row>,
    ineq: Vec<Row>,
    soc: Vec<Vec<Row>>,
}

/// A solution: the primal variables and how it was found.
pub(crate) struct Solution {
    pub x: Vec<f64>,
    pub status: SolveStatus,
}

impl Problem {
    /// A problem in `n` variables with zero objective and no constraints.
    pub fn new(n: usize) -> Problem {
        Problem {
            n,
            p: Vec::new(),
            q: vec![0.0; n],
            eq: Vec::new(),
            ineq: Vec::new(),
            soc: Vec::new(),
        }
    }

    /// Adds the dense symmetric block `m` (k x k, row-major) to `P` at
    /// variables `offset..offset+k`.
    pub fn quadratic_block(&mut self, offset: usize, m: &[f64], k: usize) {
        for i in 0..k {
            for j in i..k {
                let v = m[i * k + j];
                if v != 0.0 {
                    self.p.push((offset + i, offset + j, v));
                }
            }
        }
    }

    /// Sets the linear cost of variable `j`.
    pub fn cost(&mut self, j: usize, c: f64) {
        self.q[j] = c;
    }

    /// Adds `a'x = b`.
    pub fn equal(&mut self, a: Vec<(usize, f64)>, b: f64) {
        self.eq.push((a, b));
    }

    /// Adds `a'x <= b`.
    pub fn at_most(&mut self, a: Vec<(usize, f64)>, b: f64) {
        self.ineq.push((a, b));
    }

    /// Adds the second-order cone `s = b - A x`, `s_0 >= ‖s_{1..}‖`.
    pub fn cone(&mut self, rows: Vec<Row>) {
        self.soc.push(rows);
    }

    /// Solves with clarabel; `what` names the problem in errors.
    pub fn solve(self, what: &'static str) -> Result<Solution, PortfolioError> {
        let n = self.n;
        let mut triplets: Vec<(usize, usize, f64)> = Vec::new();
        let mut b = Vec::new();
        let mut cones = Vec::new();
        let push = |rows: &[Row], triplets: &mut Vec<(usize, usize, f64)>, b: &mut Vec<f64>| {
            for (a, rhs) in rows {
                let r = b.len();
                triplets.extend(a.iter().map(|&(c, v)| (r, c, v)));
                b.push(*rhs);
            }
        };
        if !self.eq.is_empty() {
            push(&self.eq, &mut triplets, &mut b);
            cones.push(SupportedConeT::ZeroConeT(self.eq.len()));
        }
        if !self.ineq.is_empty() {
            push(&self.ineq, &mut triplets, &mut b);
            cones.push(SupportedConeT::NonnegativeConeT(self.ineq.len()));
        }
        for cone in &self.soc {
            // s = b - A x: the rows as given are (a, b) with s_k = b_k - a_k'x.
            push(cone, &mut triplets, &mut b);
            cones.push(SupportedConeT::SecondOrderConeT(cone.len()));
        }
        let a = csc(b.len(), n, triplets);
        let p = csc(n, n, self.p);
        let settings = DefaultSettingsBuilder::default()
            .verbose(false)
            .max_iter(300)
            .build()
            .map_err(|e| PortfolioError::Solver {
                problem: what,
                status: e.to_string(),
            })?;
        let mut solver =
            DefaultSolver::new(&p, &self.q, &a, &b, &cones, settings).map_err(|e| {
                PortfolioError::Solver {
                    problem: what,
                    status: e.to_string(),
                }
            })?;
        solver.solve();
        let sol = &solver.solution;
        let iterations = sol.iterations;
        let status = match sol.status {
            SolverStatus::Solved => SolveStatus::Solved { iterations },
            SolverStatus::AlmostSolved => SolveStatus::AlmostSolved { iterations },
            SolverStatus::PrimalInfeasible | SolverStatus::AlmostPrimalInfeasible => {
                return Err(PortfolioError::Infeasible {
                    reason: format!("{what}: no weights satisfy the constraints"),
                })
            }
            SolverStatus::DualInfeasible | SolverStatus::AlmostDualInfeasible => {
                return Err(PortfolioError::Unbounded { what })
            }
            other => {
                return Err(PortfolioError::Solver {
                    problem: what,
                    status: format!("{other:?}"),
                })
            }
        };
        if sol.x.iter().any(|v| !v.is_finite()) {
            return Err(PortfolioError::Solver {
                problem: what,
                status: "non-finite solution".into(),
            });
        }
        Ok(Solution {
            x: sol.x.clone(),
            status,
        })
    }
}

/// Compressed sparse columns from (row, col, value) triplets; duplicates
/// are summed.
fn csc(m: usize, n: usize, mut t: Vec<(usize, usize, f64)>) -> CscMatrix<f64> {
    t.sort_by_key(|a| (a.1, a.0));
    let mut colptr = vec![0usize; n + 1];
    let mut rowval = Vec::with_capacity(t.len());
    let mut nzval: Vec<f64> = Vec::with_capacity(t.len());
    let mut last: Option<(usize, usize)> = None;
    for (r, c, v) in t {
        if last == Some((r, c)) {
            if let Some(x) = nzval.last_mut() {
                *x += v;
            }
            continue;
        }
        last = Some((r, c));
        rowval.push(r);
        nzval.push(v);
        colptr[c + 1] += 1;
    }
    for j in 0..n {
        colptr[j + 1] += colptr[j];
    }
    CscMatrix::new(m, n, colptr, rowval, nzval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csc_sums_duplicates_and_orders_by_column() {
        let m = csc(
            2,
            2,
            vec![(1, 1, 2.0), (0, 0, 1.0), (1, 1, 3.0), (0, 1, 4.0)],
        );
        assert_eq!(m.colptr, vec![0, 1, 3]);
        assert_eq!(m.rowval, vec![0, 0, 1]);
        assert_eq!(m.nzval, vec![1.0, 4.0, 5.0]);
    }

    #[test]
    fn a_small_qp_matches_its_closed_form() {
        // minimise ½(x² + 4y²) subject to x + y = 1: x = 0.8, y = 0.2.
        let mut p = Problem::new(2);
        p.quadratic_block(0, &[1.0, 0.0, 0.0, 4.0], 2);
        p.equal(vec![(0, 1.0), (1, 1.0)], 1.0);
        let s = p.solve("test").unwrap();
        assert!((s.x[0] - 0.8).abs() < 1e-8 && (s.x[1] - 0.2).abs() < 1e-8);
        // x <= -1 and x >= 1 together: infeasible.
        let mut p = Problem::new(1);
        p.at_most(vec![(0, 1.0)], -1.0);
        p.at_most(vec![(0, -1.0)], -1.0);
        assert!(matches!(
            p.solve("test"),
            Err(PortfolioError::Infeasible { .. })
        ));
    }
}
