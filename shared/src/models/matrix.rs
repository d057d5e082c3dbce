//! A dense row-major matrix of `f64`: the one data layout every model in
//! the catalog reads. Deliberately small: rows, columns, row and column
//! access, row selection. Numerical routines live with the models.

use serde::{Deserialize, Serialize};

use super::ModelError;

/// A dense row-major matrix.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// A matrix from row-major `data`; fails if the length is not
    /// `rows * cols`.
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Result<Matrix, ModelError> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(ModelError::Shape(format!(
                "{} values do not fill a {rows} x {cols} matrix",
                data.len()
            )));
        }
        Ok(Matrix { rows, cols, data })
    }

    /// A `rows x cols` matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Matrix {
        Matrix {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// A matrix from equal-length rows.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Matrix, ModelError> {
        let cols = rows.first().map_or(0, Vec::len);
        if let Some((index, row)) = rows.iter().enumerate().find(|(_, r)| r.len() != cols) {
            return Err(ModelError::Shape(format!(
                "row {index} has {} values, row 0 has {cols}",
                row.len()
            )));
        }
        Ok(Matrix {
            rows: rows.len(),
            cols,
            data: rows.concat(),
        })
    }

    /// Number of rows (samples).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (features).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row `i` as a slice. Panics if `i` is out of range (a programming
    /// error, never input-driven: callers iterate `0..rows()`).
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Row `i`, mutable.
    pub fn row_mut(&mut self, i: usize) -> &mut [f64] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Element `(i, j)`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }

    /// Sets element `(i, j)`.
    pub fn set(&mut self, i: usize, j: usize, value: f64) {
        self.data[i * self.cols + j] = value;
    }

    /// Column `j`, copied.
    pub fn column(&self, j: usize) -> Vec<f64> {
        (0..self.rows).map(|i| self.get(i, j)).collect()
    }

    /// The rows at `indices`, in that order.
    pub fn select_rows(&self, indices: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(indices.len() * self.cols);
        for &i in indices {
            data.extend_from_slice(self.row(i));
        }
        Matrix {
            rows: indices.len(),
            cols: self.cols,
            data,
        }
    }

    /// Rows `start..end`.
    pub fn slice_rows(&self, start: usize, end: usize) -> Matrix {
        Matrix {
            rows: end - start,
            cols: self.cols,
            data: self.data[start * self.cols..end * self.cols].to_vec(),
        }
    }

    /// The row-major values.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// Iterator over rows.
    pub fn iter_rows(&self) -> impl Iterator<Item = &[f64]> {
        self.data.chunks_exact(self.cols.max(1)).take(self.rows)
    }
}

/// Per-column standardisation (mean 0, standard deviation 1) learned on the
/// training rows only; constant columns are centred and left unscaled.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    means: Vec<f64>,
    scales: Vec<f64>,
}

impl Standardizer {
    /// Learns means and standard deviations of `x`'s columns.
    pub fn fit(x: &Matrix) -> Standardizer {
        let n = x.rows().max(1) as f64;
        let mut means = vec![0.0; x.cols()];
        for row in x.iter_rows() {
            for (m, v) in means.iter_mut().zip(row) {
                *m += v;
            }
        }
        means.iter_mut().for_each(|m| *m /= n);
        let mut vars = vec![0.0; x.cols()];
        for row in x.iter_rows() {
            for ((s, v), m) in vars.iter_mut().zip(row).zip(&means) {
                *s += (v - m) * (v - m);
            }
        }
        let scales = vars
            .into_iter()
            .map(|s| {
                let sd = (s / n).sqrt();
                if sd > 1e-12 {
                    sd
                } else {
                    1.0
                }
            })
            .collect();
        Standardizer { means, scales }
    }

    /// `x` standardised with the learned parameters.
    pub fn transform(&self, x: &Matrix) -> Matrix {
        let mut out = x.clone();
        for i in 0..out.rows() {
            for ((v, m), s) in out.row_mut(i).iter_mut().zip(&self.means).zip(&self.scales) {
                *v = (*v - m) / s;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_checked() {
        assert!(Matrix::new(2, 2, vec![1.0; 3]).is_err());
        assert!(Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0]]).is_err());
        let m = Matrix::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]]).unwrap();
        assert_eq!(m.row(1), &[3.0, 4.0]);
        assert_eq!(m.column(1), vec![2.0, 4.0, 6.0]);
        assert_eq!(m.select_rows(&[2, 0]).row(0), &[5.0, 6.0]);
        assert_eq!(m.slice_rows(1, 3).rows(), 2);
    }

    #[test]
    fn standardizer_uses_training_statistics() {
        let train = Matrix::from_rows(&[vec![1.0, 5.0], vec![3.0, 5.0]]).unwrap();
        let scaler = Standardizer::fit(&train);
        let z = scaler.transform(&train);
        assert_eq!(z.column(0), vec![-1.0, 1.0]);
        assert_eq!(z.column(1), vec![0.0, 0.0]);
        let test = Matrix::from_rows(&[vec![5.0, 6.0]]).unwrap();
        assert_eq!(scaler.transform(&test).row(0), &[3.0, 1.0]);
    }
}
