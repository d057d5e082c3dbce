//! Small dense numerics shared by the linear-model families (linear,
//! logistic, SVM, PCA, kNN, naive Bayes): input validation, Gram matrices,
//! Cholesky factorisation and solves, a symmetric eigen-decomposition
//! (cyclic Jacobi), seeded shuffles and portable transcendental helpers.
//!
//! Hand-written and deterministic: loops run in a fixed order, and the only
//! functions used besides `+ - * /` are `sqrt` (correctly rounded by IEEE 754
//! on every target) and `libm`'s `exp` / `log1p`, so results are the same
//! bits natively and in wasm32. Nothing here allocates more than
//! `O(cols^2)` beyond its inputs, and nothing panics on finite input.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Matrix, ModelError};

/// Dot product with four independent accumulators (fixed order, so the
/// result is deterministic, and the compiler can vectorise it).
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let chunks = n / 4;
    for c in 0..chunks {
        let i = c * 4;
        acc[0] += a[i] * b[i];
        acc[1] += a[i + 1] * b[i + 1];
        acc[2] += a[i + 2] * b[i + 2];
        acc[3] += a[i + 3] * b[i + 3];
    }
    let mut tail = 0.0;
    for i in chunks * 4..n {
        tail += a[i] * b[i];
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Squared Euclidean distance, four accumulators like [`dot`].
pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 4];
    let chunks = n / 4;
    for c in 0..chunks {
        let i = c * 4;
        let d0 = a[i] - b[i];
        let d1 = a[i + 1] - b[i + 1];
        let d2 = a[i + 2] - b[i + 2];
        let d3 = a[i + 3] - b[i + 3];
        acc[0] += d0 * d0;
        acc[1] += d1 * d1;
        acc[2] += d2 * d2;
        acc[3] += d3 * d3;
    }
    let mut tail = 0.0;
    for i in chunks * 4..n {
        let d = a[i] - b[i];
        tail += d * d;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Checks training inputs: at least one row and one column, `y` aligned
/// with `x`, and every value finite.
pub(crate) fn check_fit(x: &Matrix, y: &[f64]) -> Result<(), ModelError> {
    if x.rows() == 0 {
        return Err(ModelError::TooLittleData("no training rows".into()));
    }
    if x.cols() == 0 {
        return Err(ModelError::Shape("no feature columns".into()));
    }
    if y.len() != x.rows() {
        return Err(ModelError::Shape(format!(
            "{} targets for {} rows",
            y.len(),
            x.rows()
        )));
    }
    if x.as_slice().iter().any(|v| !v.is_finite()) {
        return Err(ModelError::Shape("non-finite feature value".into()));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::Shape("non-finite target value".into()));
    }
    Ok(())
}

/// Checks prediction inputs against the number of training columns.
pub(crate) fn check_predict(x: &Matrix, cols: usize) -> Result<(), ModelError> {
    if x.cols() != cols {
        return Err(ModelError::Shape(format!(
            "{} feature columns, the model was trained on {cols}",
            x.cols()
        )));
    }
    if x.as_slice().iter().any(|v| !v.is_finite()) {
        return Err(ModelError::Shape("non-finite feature value".into()));
    }
    Ok(())
}

/// Binary labels (`> 0.5` is class 1) that must contain both classes.
pub(crate) fn binary_labels(y: &[f64]) -> Result<Vec<bool>, ModelError> {
    let labels: Vec<bool> = y.iter().map(|&v| v > 0.5).collect();
    let ups = labels.iter().filter(|&&l| l).count();
    if ups == 0 || ups == labels.len() {
        return Err(ModelError::TooLittleData(
            "the training labels hold only one class".into(),
        ));
    }
    Ok(labels)
}

/// Widest block of columns [`add_column_products`] keeps in registers: eight running sums are four SIMD128 registers
/// in wasm (two AVX2 ones natively). A plain loop over a whole row of sums
/// loads and stores each sum once per step, two at a time in wasm (LLVM
/// does not unroll there).
pub(crate) const TILE: usize = 8;

/// `(start, width)` of consecutive column blocks covering `0..len`: blocks
/// of [`TILE`], then at most one each of 4, 2 and 1 columns.
pub(crate) fn tiles(len: usize) -> impl Iterator<Item = (usize, usize)> {
    let mut start = 0;
    std::iter::from_fn(move || {
        let width = [TILE, 4, 2, 1].into_iter().find(|&w| start + w <= len)?;
        let tile = (start, width);
        start += width;
        Some(tile)
    })
}

/// Calls `kernel::<W>(args)` with the constant `W` equal to `width`, one of
/// the widths [`tiles`] yields.
macro_rules! at_width {
    ($width:expr, $kernel:ident($($arg:expr),* $(,)?)) => {
        match $width {
            $crate::models::linalg::TILE => {
                $kernel::<{ $crate::models::linalg::TILE }>($($arg),*)
            }
            4 => $kernel::<4>($($arg),*),
            2 => $kernel::<2>($($arg),*),
            _ => $kernel::<1>($($arg),*),
        }
    };
}
pub(crate) use at_width;

/// Adds to `out[start + t]`, for the `W` columns from `start`, the sum over
/// rows r of `left[r][col] * right[r][start + t]`, term by term over the
/// rows in order, with the running sums in registers (they start as a copy
/// of `out`: built element by element, LLVM vectorised only two of eight in
/// wasm). `left` and `right` are row-major matrices with the same rows,
/// given with their row lengths.
#[inline(always)]
pub(crate) fn add_column_products<const W: usize>(
    left: (&[f64], usize),
    col: usize,
    right: (&[f64], usize),
    start: usize,
    out: &mut [f64],
) {
    let mut sums = [0.0; W];
    sums.copy_from_slice(&out[start..start + W]);
    for (l, r) in left
        .0
        .chunks_exact(left.1)
        .zip(right.0.chunks_exact(right.1))
    {
        let a = l[col];
        for (sum, &v) in sums.iter_mut().zip(&r[start..start + W]) {
            *sum += a * v;
        }
    }
    out[start..start + W].copy_from_slice(&sums);
}

/// `XᵀX` (`cols x cols`, row-major, symmetric): each entry summed over the
/// rows in order, the upper triangle in register tiles.
pub(crate) fn gram(x: &Matrix) -> Vec<f64> {
    let p = x.cols();
    let mut g = vec![0.0; p * p];
    if p == 0 {
        return g;
    }
    let data = (x.as_slice(), p);
    for (j, g_row) in g.chunks_exact_mut(p).enumerate() {
        for (start, width) in tiles(p - j) {
            at_width!(width, add_column_products(data, j, data, j + start, g_row));
        }
    }
    mirror_upper(&mut g, p);
    g
}

/// Copies the upper triangle of a row-major `p x p` matrix to the lower.
pub(crate) fn mirror_upper(a: &mut [f64], p: usize) {
    for j in 0..p {
        for k in 0..j {
            a[j * p + k] = a[k * p + j];
        }
    }
}

/// `Xᵀv`, each entry summed over the rows in order.
pub(crate) fn xt_vec(x: &Matrix, v: &[f64]) -> Vec<f64> {
    let p = x.cols();
    let mut out = vec![0.0; p];
    let rows = x.rows().min(v.len());
    let (data, v) = ((&x.as_slice()[..rows * p], p), (&v[..rows], 1));
    for (start, width) in tiles(p) {
        at_width!(width, add_column_products(v, 0, data, start, &mut out));
    }
    out
}

/// Lower Cholesky factor of the symmetric positive definite `n x n` matrix
/// `a` (row-major), or `None` if it is not numerically positive definite.
pub(crate) fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    let scale = (0..n).map(|i| a[i * n + i].abs()).fold(0.0, f64::max);
    for i in 0..n {
        for j in 0..=i {
            let s = a[i * n + j] - dot(&l[i * n..i * n + j], &l[j * n..j * n + j]);
            if i == j {
                if s.is_nan() || s <= 1e-13 * scale.max(f64::MIN_POSITIVE) {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// Solves `L y = b` in place (forward substitution).
pub(crate) fn forward_substitute(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let s = b[i] - dot(&l[i * n..i * n + i], &b[..i]);
        b[i] = s / l[i * n + i];
    }
}

/// Solves `Lᵀ x = b` in place (back substitution).
pub(crate) fn back_substitute(l: &[f64], n: usize, b: &mut [f64]) {
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// The rows of `x` stored column by column (`cols[j * rows + i]` is
/// `x[i][j]`): the layout [`squared_distances`] reads.
pub(crate) fn column_major(x: &Matrix) -> Vec<f64> {
    let mut cols = Vec::with_capacity(x.rows() * x.cols());
    for j in 0..x.cols() {
        cols.extend(x.iter_rows().map(|row| row[j]));
    }
    cols
}

/// Squared distance from `q` to each of the `n` rows held column by column
/// in `cols` ([`column_major`]) into `dist`. Each row's sum runs over the
/// features in order, so every distance has the same bits as a plain
/// row-by-row loop (see [`distances_body`] for how it vectorises). On
/// x86-64 an AVX-512 copy is picked at run time where the CPU has it
/// (`multiversion`; the same IEEE operations, so the same bits).
#[cfg_attr(
    target_arch = "x86_64",
    multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx2+fma"))
)]
pub(crate) fn squared_distances(cols: &[f64], n: usize, q: &[f64], dist: &mut [f64]) {
    distances_body::<1, 16>(cols, n, [q], dist);
}

/// How many queries [`squared_distances_4`] answers per pass over the rows.
pub(crate) const QUERY_BLOCK: usize = 4;

/// [`squared_distances`] for [`QUERY_BLOCK`] queries at once: query `b`'s
/// distances go to `dist[b * n..(b + 1) * n]`. Each stored value is loaded
/// once for all of them (the rows are read from cache once instead of four
/// times); every distance has the same bits as from [`squared_distances`].
/// Not inlined in wasm, so V8 optimises it mid-prediction (ARCHITECTURE.md,
/// "Hot loops in wasm").
#[cfg_attr(
    target_arch = "x86_64",
    multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx2+fma"))
)]
#[cfg_attr(target_arch = "wasm32", inline(never))]
pub(crate) fn squared_distances_4(
    cols: &[f64],
    n: usize,
    queries: [&[f64]; QUERY_BLOCK],
    dist: &mut [f64],
) {
    distances_body::<QUERY_BLOCK, DISTANCE_ROWS_4>(cols, n, queries, dist);
}

/// Rows per block in [`squared_distances_4`]: its 4 x R running sums fill
/// eight AVX2 registers natively, eight of wasm's sixteen 128-bit ones.
#[cfg(target_arch = "x86_64")]
const DISTANCE_ROWS_4: usize = 8;
/// Rows per block in [`squared_distances_4`] (see the x86-64 value).
#[cfg(not(target_arch = "x86_64"))]
const DISTANCE_ROWS_4: usize = 4;

/// The distance loop: rows in blocks of `R` whose running sums (for each
/// of the `Q` queries) stay in registers across all features, one load per
/// stored value, vectorised over the block's rows. The rows after the last
/// full block are summed one by one in the same order.
#[inline(always)]
fn distances_body<const Q: usize, const R: usize>(
    cols: &[f64],
    n: usize,
    queries: [&[f64]; Q],
    dist: &mut [f64],
) {
    let features = queries.iter().map(|q| q.len()).min().unwrap_or(0);
    let blocked = n - n % R;
    // Feature j of every query side by side, walked in step with the
    // columns: the inner loop then indexes nothing (no bounds checks).
    let by_feature: Vec<[f64; Q]> = (0..features)
        .map(|j| std::array::from_fn(|b| queries[b][j]))
        .collect();
    for start in (0..blocked).step_by(R) {
        let mut acc = [[0.0f64; R]; Q];
        for (column, query_values) in cols.chunks_exact(n).zip(&by_feature) {
            let block = &column[start..start + R];
            for (sums, &qj) in acc.iter_mut().zip(query_values) {
                for (a, &c) in sums.iter_mut().zip(block) {
                    let t = c - qj;
                    *a += t * t;
                }
            }
        }
        for (b, sums) in acc.iter().enumerate() {
            dist[b * n + start..b * n + start + R].copy_from_slice(sums);
        }
    }
    for (b, query) in queries.iter().enumerate() {
        for row in blocked..n {
            let mut d = 0.0;
            for (j, &qj) in query.iter().enumerate().take(features) {
                let t = cols[j * n + row] - qj;
                d += t * t;
            }
            dist[b * n + row] = d;
        }
    }
}

/// Solves the symmetric positive semi-definite system `a x = b`: Cholesky
/// when `a` is positive definite, otherwise the minimum-norm solution by the
/// eigen-decomposition (pseudo-inverse, eigenvalues below `1e-12` of the
/// largest dropped), like `numpy.linalg.lstsq`.
pub(crate) fn solve_psd(a: &[f64], n: usize, b: &[f64]) -> Result<Vec<f64>, ModelError> {
    if a.len() != n * n || b.len() != n || a.iter().chain(b).any(|v| !v.is_finite()) {
        return Err(ModelError::Numerical("non-finite normal equations".into()));
    }
    if let Some(l) = cholesky(a, n) {
        let mut x = b.to_vec();
        forward_substitute(&l, n, &mut x);
        back_substitute(&l, n, &mut x);
        return Ok(x);
    }
    let (values, vectors) = symmetric_eigen(a, n);
    let top = values.first().copied().unwrap_or(0.0).max(0.0);
    let mut x = vec![0.0; n];
    for (k, &lambda) in values.iter().enumerate() {
        if lambda <= 1e-12 * top || lambda <= 0.0 {
            continue;
        }
        let v = &vectors[k * n..(k + 1) * n];
        let coef = dot(v, b) / lambda;
        for (xi, vi) in x.iter_mut().zip(v) {
            *xi += coef * vi;
        }
    }
    Ok(x)
}

/// Eigen-decomposition of the symmetric `n x n` matrix `a` (row-major) by
/// cyclic Jacobi rotations: eigenvalues in decreasing order and the
/// matching unit eigenvectors, eigenvector `k` at `vectors[k*n..(k+1)*n]`.
/// Each vector's sign is fixed so that its largest-magnitude entry is
/// positive (a deterministic convention).
pub(crate) fn symmetric_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut m = a.to_vec();
    // v is column-major in effect: column k (v[i*n+k]) is eigenvector k.
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..100 {
        let mut off = 0.0;
        let mut diag = 0.0;
        for i in 0..n {
            diag += m[i * n + i] * m[i * n + i];
            for j in i + 1..n {
                off += m[i * n + j] * m[i * n + j];
            }
        }
        if off <= 1e-30 * diag || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let app = m[p * n + p];
                let aqq = m[q * n + q];
                let theta = (aqq - app) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                jacobi_rotate(&mut m, &mut v, n, (p, q), (c, t * c));
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| m[j * n + j].total_cmp(&m[i * n + i]).then(i.cmp(&j)));
    let values = order.iter().map(|&k| m[k * n + k]).collect();
    let mut vectors = vec![0.0; n * n];
    for (out, &k) in order.iter().enumerate() {
        let col: Vec<f64> = (0..n).map(|i| v[i * n + k]).collect();
        let big = col
            .iter()
            .copied()
            .fold(0.0f64, |acc, x| if x.abs() > acc.abs() { x } else { acc });
        let sign = if big < 0.0 { -1.0 } else { 1.0 };
        for (i, c) in col.iter().enumerate() {
            vectors[out * n + i] = sign * c;
        }
    }
    (values, vectors)
}

/// One Jacobi rotation by (cos, sin) = `cs` in the plane `pq` of the
/// `n x n` matrix `m` (zeroing `m[p][q]`), accumulated into the
/// eigenvectors `v`. A call per rotation, not inlined in wasm, so V8
/// optimises it while the solve runs (ARCHITECTURE.md, "Hot loops in wasm").
#[cfg_attr(target_arch = "wasm32", inline(never))]
fn jacobi_rotate(
    m: &mut [f64],
    v: &mut [f64],
    n: usize,
    (p, q): (usize, usize),
    (c, s): (f64, f64),
) {
    for k in 0..n {
        let mkp = m[k * n + p];
        let mkq = m[k * n + q];
        m[k * n + p] = c * mkp - s * mkq;
        m[k * n + q] = s * mkp + c * mkq;
    }
    for k in 0..n {
        let mpk = m[p * n + k];
        let mqk = m[q * n + k];
        m[p * n + k] = c * mpk - s * mqk;
        m[q * n + k] = s * mpk + c * mqk;
    }
    m[p * n + q] = 0.0;
    m[q * n + p] = 0.0;
    for k in 0..n {
        let vkp = v[k * n + p];
        let vkq = v[k * n + q];
        v[k * n + p] = c * vkp - s * vkq;
        v[k * n + q] = s * vkp + c * vkq;
    }
}

/// The logistic function `1 / (1 + e^-z)`, stable for large `|z|`.
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + libm::exp(-z))
    } else {
        let e = libm::exp(z);
        e / (1.0 + e)
    }
}

/// `ln(1 + e^z)`, stable for large `|z|`.
pub(crate) fn log1p_exp(z: f64) -> f64 {
    if z > 0.0 {
        z + libm::log1p(libm::exp(-z))
    } else {
        libm::log1p(libm::exp(z))
    }
}

/// Shuffles `items` in place (Fisher-Yates).
pub(crate) fn shuffle(items: &mut [usize], rng: &mut Xoshiro256PlusPlus) {
    for i in (1..items.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// The generator every model here draws from.
pub(crate) fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocked distance loop gives every row the bits of the plain
    /// feature-by-feature sum, including the rows after the last block.
    #[test]
    fn blocked_distances_match_the_plain_sum_bit_for_bit() {
        // 53 rows: full blocks of 16 and of 8, then the rows after them.
        let (n, features) = (16 * 3 + 5, 7);
        let value = |i: usize| ((i * 7919) % 1013) as f64 / 97.0 - 5.0;
        let cols: Vec<f64> = (0..n * features).map(value).collect();
        let queries: Vec<Vec<f64>> = (0..QUERY_BLOCK)
            .map(|b| (0..features).map(|j| value(j * 31 + 5 + b) * 0.3).collect())
            .collect();
        let plain = |q: &[f64], row: usize| {
            let mut d = 0.0;
            for (j, &qj) in q.iter().enumerate() {
                let t = cols[j * n + row] - qj;
                d += t * t;
            }
            d
        };
        let mut one = vec![f64::NAN; n];
        squared_distances(&cols, n, &queries[0], &mut one);
        for (row, &d) in one.iter().enumerate() {
            assert_eq!(d.to_bits(), plain(&queries[0], row).to_bits(), "row {row}");
        }
        let mut four = vec![f64::NAN; QUERY_BLOCK * n];
        let block = [&queries[0][..], &queries[1], &queries[2], &queries[3]];
        squared_distances_4(&cols, n, block, &mut four);
        for (b, q) in queries.iter().enumerate() {
            for row in 0..n {
                let d = four[b * n + row];
                assert_eq!(d.to_bits(), plain(q, row).to_bits(), "query {b} row {row}");
            }
        }
    }

    #[test]
    fn cholesky_solves_a_small_system() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let x = solve_psd(&a, 2, &[6.0, 5.0]).unwrap();
        assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn singular_systems_get_the_minimum_norm_solution() {
        // Columns identical: x0 + x1 = 1 with minimum norm is (0.5, 0.5).
        let a = [1.0, 1.0, 1.0, 1.0];
        let x = solve_psd(&a, 2, &[1.0, 1.0]).unwrap();
        assert!((x[0] - 0.5).abs() < 1e-12 && (x[1] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn jacobi_finds_known_eigenvalues() {
        let a = [2.0, 1.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 5.0];
        let (values, vectors) = symmetric_eigen(&a, 3);
        assert!((values[0] - 5.0).abs() < 1e-12);
        assert!((values[1] - 3.0).abs() < 1e-12);
        assert!((values[2] - 1.0).abs() < 1e-12);
        let h = 0.5f64.sqrt();
        assert!((vectors[3] - h).abs() < 1e-12 && (vectors[4] - h).abs() < 1e-12);
    }

    #[test]
    fn permutations_are_seeded() {
        let mut a: Vec<usize> = (0..10).collect();
        let mut b = a.clone();
        shuffle(&mut a, &mut rng(3));
        shuffle(&mut b, &mut rng(3));
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
    }
}
