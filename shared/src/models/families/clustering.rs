//! The `clustering` family: unsupervised regimes, labelled afterwards with
//! the share of up moves seen in each. All hand-written (no ndarray, no
//! getrandom: the browser build stays lean).
//!
//! Every model standardises the features on the training rows, clusters
//! the training rows, and gives each regime `P(up) = (ups + 1) / (rows + 2)`
//! (Laplace smoothing) from the training labels. `predict` assigns each test
//! row to a regime and returns 1.0 when that regime's P(up) is above 0.5;
//! `predict_proba` returns the P(up).
//!
//! * **k-means**: k-means++ seeding (scikit-learn's greedy variant,
//!   `2 + ln k` local trials) from the seeded Xoshiro256++, then Lloyd
//!   iterations until no label changes (at most 300); an empty cluster is
//!   moved to the row farthest from its centre. Test rows go to the nearest
//!   centroid.
//! * **DBSCAN**: distances are root-mean-square differences per
//!   standardised feature (`sqrt(|a - b|^2 / d)`), so one `eps` means the
//!   same whatever the number of features; a core row has at least
//!   `min_samples` rows (itself included) within `eps`. Noise rows form
//!   their own regime. A test row joins the cluster of its nearest core row
//!   within `eps`, else the noise regime.
//! * **Agglomerative** (Ward, average, complete linkage): an n x n distance
//!   matrix is too much at 5,000 rows, so a seeded subsample of at most
//!   1,000 training rows is clustered (nearest-neighbour chain with
//!   Lance-Williams updates, then the tree is cut at k clusters); every
//!   other training row and every test row goes to the nearest cluster
//!   centroid.
//! * **Gaussian mixtures**: EM with diagonal or full covariances
//!   (`reg_covar` 1e-6 added to the diagonal, tolerance 1e-3 on the mean
//!   log-likelihood, at most 100 iterations) started from the k-means
//!   labels above, as scikit-learn's `init_params="kmeans"` does. Test rows
//!   go to the most likely component.

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::mlp::{check_labels, check_predict, check_training, shuffle, uniform};
use crate::models::linalg::{column_major, squared_distances, squared_distances_4, QUERY_BLOCK};
use crate::models::{
    num, number, text, txt, CatalogEntry, Family, Matrix, Model, ModelError, Params, Standardizer,
    Task,
};

/// This family's entries.
pub fn entries() -> Vec<CatalogEntry> {
    let mut out = Vec::new();
    for k in [2.0, 3.0, 4.0, 5.0, 6.0, 8.0] {
        out.push(CatalogEntry::new(
            &format!("kmeans_k{k}"),
            Family::Clustering,
            Task::Clustering,
            &[("algorithm", txt("kmeans")), ("k", num(k))],
            "hand-written",
            |p: &Params| {
                let k = count(p, "k")?;
                Ok(Box::new(RegimeModel::new(KMeans::new(k))) as Box<dyn Model>)
            },
        ));
    }
    for (eps, eps_name, min_samples) in [
        (0.4, "0_4", 5.0),
        (0.5, "0_5", 10.0),
        (0.75, "0_75", 10.0),
        (1.0, "1", 20.0),
    ] {
        out.push(CatalogEntry::new(
            &format!("dbscan_eps{eps_name}_min{min_samples}"),
            Family::Clustering,
            Task::Clustering,
            &[
                ("algorithm", txt("dbscan")),
                ("eps", num(eps)),
                ("min_samples", num(min_samples)),
            ],
            "hand-written",
            |p: &Params| {
                let eps = number(p, "eps")?;
                let min_samples = count(p, "min_samples")?;
                Ok(Box::new(RegimeModel::new(Dbscan::new(eps, min_samples)?)) as Box<dyn Model>)
            },
        ));
    }
    for (linkage, k) in [
        ("ward", 2.0),
        ("ward", 3.0),
        ("ward", 4.0),
        ("average", 3.0),
        ("complete", 3.0),
        ("complete", 5.0),
    ] {
        out.push(CatalogEntry::new(
            &format!("agglomerative_{linkage}_k{k}"),
            Family::Clustering,
            Task::Clustering,
            &[
                ("algorithm", txt("agglomerative")),
                ("linkage", txt(linkage)),
                ("k", num(k)),
            ],
            "hand-written",
            |p: &Params| {
                let k = count(p, "k")?;
                let linkage = match text(p, "linkage")? {
                    "ward" => Linkage::Ward,
                    "average" => Linkage::Average,
                    "complete" => Linkage::Complete,
                    other => return Err(param("linkage", &format!("unknown linkage {other}"))),
                };
                Ok(Box::new(RegimeModel::new(Agglomerative::new(k, linkage))) as Box<dyn Model>)
            },
        ));
    }
    for (cov, k) in [
        ("diag", 2.0),
        ("diag", 3.0),
        ("diag", 4.0),
        ("full", 2.0),
        ("full", 3.0),
        ("full", 4.0),
    ] {
        out.push(CatalogEntry::new(
            &format!("gmm_{cov}_k{k}"),
            Family::Clustering,
            Task::Clustering,
            &[
                ("algorithm", txt("gaussian_mixture")),
                ("covariance", txt(cov)),
                ("k", num(k)),
            ],
            "hand-written",
            |p: &Params| {
                let k = count(p, "k")?;
                let covariance = match text(p, "covariance")? {
                    "diag" => Covariance::Diagonal,
                    "full" => Covariance::Full,
                    other => {
                        return Err(param("covariance", &format!("diag or full, not {other}")))
                    }
                };
                Ok(
                    Box::new(RegimeModel::new(GaussianMixture::new(k, covariance)))
                        as Box<dyn Model>,
                )
            },
        ));
    }
    out
}

fn param(name: &str, reason: &str) -> ModelError {
    ModelError::Param {
        name: name.to_string(),
        reason: reason.to_string(),
    }
}

/// A positive whole-number parameter.
fn count(p: &Params, name: &str) -> Result<usize, ModelError> {
    let v = number(p, name)?;
    if !(1.0..=1e6).contains(&v) || v.fract() != 0.0 {
        return Err(param(name, "must be a whole number >= 1"));
    }
    Ok(v as usize)
}

/// Squared Euclidean distance.
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut s = 0.0;
    for (x, y) in a.iter().zip(b) {
        let d = x - y;
        s += d * d;
    }
    s
}

/// Squared Euclidean distance if it is at most `limit`, else `None`; stops
/// summing once the partial sum exceeds `limit` (the terms are never
/// negative, so the answer is the same as from the full sum).
fn sq_dist_within(a: &[f64], b: &[f64], limit: f64) -> Option<f64> {
    let mut s = 0.0;
    for (ca, cb) in a.chunks(4).zip(b.chunks(4)) {
        for (x, y) in ca.iter().zip(cb) {
            let d = x - y;
            s += d * d;
        }
        if s > limit {
            return None;
        }
    }
    Some(s)
}

/// [`nearest`] for every row of the column-major `cols` (`n` rows, see
/// [`column_major`]): each row's centre into `labels` and squared distance
/// into `dists`. [`QUERY_BLOCK`] centres at a time over all rows (one pass
/// over the data per block), so the distance loop vectorises; every
/// distance is still summed in feature order and ties go to the first
/// centre, so the answers are [`nearest`]'s, bit for bit. `scratch` holds
/// `QUERY_BLOCK * n` values.
fn nearest_all(
    cols: &[f64],
    n: usize,
    centres: &Matrix,
    labels: &mut [usize],
    dists: &mut [f64],
    scratch: &mut [f64],
) {
    labels.fill(0);
    dists.fill(f64::INFINITY);
    let k = centres.rows();
    let mut first = 0;
    while first < k {
        let block = if k - first >= QUERY_BLOCK {
            let four = std::array::from_fn(|b| centres.row(first + b));
            squared_distances_4(cols, n, four, scratch);
            QUERY_BLOCK
        } else {
            squared_distances(cols, n, centres.row(first), &mut scratch[..n]);
            1
        };
        for b in 0..block {
            keep_nearer(&scratch[b * n..(b + 1) * n], first + b, labels, dists);
        }
        first += block;
    }
}

/// Moves each row whose distance `candidate` to `centre` is below its best
/// so far (`dists`) to that centre.
#[cfg_attr(target_arch = "wasm32", inline(never))]
fn keep_nearer(candidate: &[f64], centre: usize, labels: &mut [usize], dists: &mut [f64]) {
    for ((label, best), &d) in labels.iter_mut().zip(dists.iter_mut()).zip(candidate) {
        if d < *best {
            *best = d;
            *label = centre;
        }
    }
}

/// The nearest centre of every row of `z` ([`nearest`], vectorised).
fn nearest_labels(z: &Matrix, centres: &Matrix) -> Vec<usize> {
    let n = z.rows();
    let (mut labels, mut dists) = (vec![0; n], vec![0.0; n]);
    let mut scratch = vec![0.0; QUERY_BLOCK * n];
    nearest_all(
        &column_major(z),
        n,
        centres,
        &mut labels,
        &mut dists,
        &mut scratch,
    );
    labels
}

/// Index and squared distance of the nearest row of `centres` (first on ties).
fn nearest(row: &[f64], centres: &Matrix) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for c in 0..centres.rows() {
        let d = sq_dist(row, centres.row(c));
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

// ---------------------------------------------------------------------------
// Regime labelling.

/// A clustering algorithm on standardised rows.
pub trait Clusterer: Send {
    /// Clusters the (standardised) training rows; returns each row's regime
    /// in `0..self.regimes()`.
    fn cluster(&mut self, z: &Matrix, seed: u64) -> Result<Vec<usize>, ModelError>;
    /// Number of regimes after `cluster`.
    fn regimes(&self) -> usize;
    /// Regime of each (standardised) row.
    fn assign(&self, z: &Matrix) -> Vec<usize>;
}

/// A clusterer whose regimes are labelled with their training share of up
/// moves: the catalog's clustering model.
#[derive(Clone, Debug)]
pub struct RegimeModel<C> {
    clusterer: C,
    fitted: Option<(Standardizer, usize, Vec<f64>)>,
}

impl<C: Clusterer> RegimeModel<C> {
    /// Wraps `clusterer`.
    pub fn new(clusterer: C) -> RegimeModel<C> {
        RegimeModel {
            clusterer,
            fitted: None,
        }
    }

    /// The clusterer (trained after `fit`).
    pub fn clusterer(&self) -> &C {
        &self.clusterer
    }

    /// P(up) of each regime after `fit`.
    pub fn regime_p_up(&self) -> Option<&[f64]> {
        self.fitted.as_ref().map(|f| f.2.as_slice())
    }

    fn p_up_rows(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let (scaler, cols, p_up) = self.fitted.as_ref().ok_or(ModelError::NotTrained)?;
        check_predict(x, *cols)?;
        let z = scaler.transform(x);
        Ok(self
            .clusterer
            .assign(&z)
            .into_iter()
            .map(|r| p_up.get(r).copied().unwrap_or(0.5))
            .collect())
    }
}

impl<C: Clusterer> Model for RegimeModel<C> {
    fn fit(&mut self, x: &Matrix, y: &[f64], seed: u64) -> Result<(), ModelError> {
        self.fitted = None;
        check_training(x, y)?;
        check_labels(y)?;
        let scaler = Standardizer::fit(x);
        let z = scaler.transform(x);
        let labels = self.clusterer.cluster(&z, seed)?;
        let regimes = self.clusterer.regimes();
        let mut ups = vec![0usize; regimes];
        let mut rows = vec![0usize; regimes];
        for (&r, &label) in labels.iter().zip(y) {
            rows[r] += 1;
            if label == 1.0 {
                ups[r] += 1;
            }
        }
        let p_up = ups
            .iter()
            .zip(&rows)
            .map(|(&u, &n)| (u as f64 + 1.0) / (n as f64 + 2.0))
            .collect();
        self.fitted = Some((scaler, x.cols(), p_up));
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        Ok(self
            .p_up_rows(x)?
            .into_iter()
            .map(|p| if p > 0.5 { 1.0 } else { 0.0 })
            .collect())
    }

    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        self.p_up_rows(x).map(Some)
    }
}

fn enough_rows(z: &Matrix, k: usize) -> Result<(), ModelError> {
    if z.rows() < k {
        return Err(ModelError::TooLittleData(format!(
            "{} rows cannot form {k} clusters",
            z.rows()
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// k-means.

/// What Lloyd's algorithm found.
#[derive(Clone, Debug, PartialEq)]
pub struct KMeansFit {
    /// Final centres, `k x d`.
    pub centroids: Matrix,
    /// Cluster of each row.
    pub labels: Vec<usize>,
    /// Sum of squared distances of rows to their centres.
    pub inertia: f64,
    /// Lloyd iterations run.
    pub iterations: usize,
}

/// k-means++ initial centres (scikit-learn's greedy variant) drawn from `rng`.
pub fn kmeans_plus_plus(z: &Matrix, k: usize, rng: &mut Xoshiro256PlusPlus) -> Matrix {
    seed_centres(z, &column_major(z), k, rng)
}

/// [`kmeans_plus_plus`] given `z`'s [`column_major`] copy `cols`.
fn seed_centres(z: &Matrix, cols: &[f64], k: usize, rng: &mut Xoshiro256PlusPlus) -> Matrix {
    let n = z.rows();
    let trials = 2 + libm::log(k as f64) as usize;
    let mut chosen = vec![super::mlp::index_below(rng, n)];
    let mut closest = vec![0.0; n];
    squared_distances(cols, n, z.row(chosen[0]), &mut closest);
    let mut potential: f64 = closest.iter().sum();
    for _ in 1..k {
        let mut cumulative = Vec::with_capacity(n);
        let mut s = 0.0;
        for d in &closest {
            s += d;
            cumulative.push(s);
        }
        let mut best: Option<(usize, f64, Vec<f64>)> = None;
        for _ in 0..trials {
            let target = uniform(rng) * potential;
            let candidate = cumulative.partition_point(|&c| c <= target).min(n - 1);
            let mut dist = vec![0.0; n];
            squared_distances(cols, n, z.row(candidate), &mut dist);
            // `c.min(*d)` without `f64::min`, a call to `fmin` per row in
            // wasm; the same value (distances are never NaN: the rows are
            // checked finite).
            for (d, &c) in dist.iter_mut().zip(&closest) {
                if c < *d {
                    *d = c;
                }
            }
            let pot: f64 = dist.iter().sum();
            if best.as_ref().is_none_or(|b| pot < b.1) {
                best = Some((candidate, pot, dist));
            }
        }
        if let Some((candidate, pot, dist)) = best {
            chosen.push(candidate);
            potential = pot;
            closest = dist;
        }
    }
    z.select_rows(&chosen)
}

/// Lloyd iterations from `init` centres until no label changes (at most
/// `max_iter`).
pub fn lloyd(z: &Matrix, init: &Matrix, max_iter: usize) -> Result<KMeansFit, ModelError> {
    lloyd_on(z, &column_major(z), init, max_iter)
}

/// [`lloyd`] given `z`'s [`column_major`] copy `cols`.
fn lloyd_on(
    z: &Matrix,
    cols: &[f64],
    init: &Matrix,
    max_iter: usize,
) -> Result<KMeansFit, ModelError> {
    let (n, d, k) = (z.rows(), z.cols(), init.rows());
    if init.cols() != d || k == 0 {
        return Err(ModelError::Shape(
            "initial centres do not match the data".into(),
        ));
    }
    enough_rows(z, k)?;
    let mut centres = init.clone();
    let mut labels = vec![usize::MAX; n];
    let mut next = vec![0; n];
    let mut dists = vec![0.0; n];
    let mut scratch = vec![0.0; QUERY_BLOCK * n];
    let mut iterations = 0;
    for _ in 0..max_iter {
        iterations += 1;
        nearest_all(cols, n, &centres, &mut next, &mut dists, &mut scratch);
        if next == labels {
            break;
        }
        labels.copy_from_slice(&next);
        // New centres: the means of their rows.
        let (mut sums, mut counts) = cluster_sums(z, &labels, k);
        // Empty clusters take the rows farthest from their centres.
        let mut far: Vec<usize> = Vec::new();
        if counts.contains(&0) {
            far = (0..n).collect();
            far.sort_by(|&a, &b| dists[b].total_cmp(&dists[a]).then(a.cmp(&b)));
        }
        let mut next_far = far.into_iter();
        for c in 0..k {
            if counts[c] == 0 {
                if let Some(i) = next_far.next() {
                    let old = labels[i];
                    counts[old] -= 1;
                    for (s, v) in sums.row_mut(old).iter_mut().zip(z.row(i)) {
                        *s -= v;
                    }
                    labels[i] = c;
                    counts[c] = 1;
                    sums.row_mut(c).copy_from_slice(z.row(i));
                }
            }
        }
        for (c, &count) in counts.iter().enumerate() {
            let inv = 1.0 / count.max(1) as f64;
            let row = sums.row(c).to_vec();
            for (m, s) in centres.row_mut(c).iter_mut().zip(row) {
                *m = s * inv;
            }
        }
    }
    // Labels consistent with the final centres.
    nearest_all(cols, n, &centres, &mut labels, &mut dists, &mut scratch);
    let inertia = dists.iter().sum();
    Ok(KMeansFit {
        centroids: centres,
        labels,
        inertia,
        iterations,
    })
}

/// The sum of the rows of `z` in each of the `k` clusters (`k x d`) and
/// how many rows each holds. Not inlined in wasm, so V8 optimises it after
/// the first iterations (ARCHITECTURE.md, "Hot loops in wasm").
#[cfg_attr(target_arch = "wasm32", inline(never))]
fn cluster_sums(z: &Matrix, labels: &[usize], k: usize) -> (Matrix, Vec<usize>) {
    let mut sums = Matrix::zeros(k, z.cols());
    let mut counts = vec![0usize; k];
    for (i, &label) in labels.iter().enumerate() {
        counts[label] += 1;
        for (s, v) in sums.row_mut(label).iter_mut().zip(z.row(i)) {
            *s += v;
        }
    }
    (sums, counts)
}

/// k-means with k-means++ seeding.
#[derive(Clone, Debug)]
pub struct KMeans {
    k: usize,
    centroids: Option<Matrix>,
}

impl KMeans {
    /// Untrained, `k` clusters.
    pub fn new(k: usize) -> KMeans {
        KMeans { k, centroids: None }
    }

    /// Clusters `z` from the seed: the [`KMeansFit`].
    pub fn run(z: &Matrix, k: usize, seed: u64) -> Result<KMeansFit, ModelError> {
        enough_rows(z, k.max(1))?;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        // One column-major copy serves the seeding and the iterations.
        let cols = column_major(z);
        let init = seed_centres(z, &cols, k, &mut rng);
        lloyd_on(z, &cols, &init, 300)
    }
}

impl Clusterer for KMeans {
    fn cluster(&mut self, z: &Matrix, seed: u64) -> Result<Vec<usize>, ModelError> {
        let fit = KMeans::run(z, self.k, seed)?;
        self.centroids = Some(fit.centroids);
        Ok(fit.labels)
    }

    fn regimes(&self) -> usize {
        self.k
    }

    fn assign(&self, z: &Matrix) -> Vec<usize> {
        match &self.centroids {
            Some(c) => nearest_labels(z, c),
            None => vec![0; z.rows()],
        }
    }
}

// ---------------------------------------------------------------------------
// DBSCAN.

/// DBSCAN with a per-feature RMS distance.
#[derive(Clone, Debug)]
pub struct Dbscan {
    eps: f64,
    min_samples: usize,
    /// Core rows and their clusters; the noise regime is `clusters`.
    core: Option<(Matrix, Vec<usize>)>,
    clusters: usize,
}

impl Dbscan {
    /// Untrained; `eps` in RMS standard deviations per feature.
    pub fn new(eps: f64, min_samples: usize) -> Result<Dbscan, ModelError> {
        if !(eps > 0.0 && eps.is_finite()) {
            return Err(param("eps", "must be > 0"));
        }
        Ok(Dbscan {
            eps,
            min_samples,
            core: None,
            clusters: 0,
        })
    }

    /// Cluster of each row, `None` for noise (scikit-learn's -1), and the
    /// core flags.
    pub fn labels(&self, z: &Matrix) -> (Vec<Option<usize>>, Vec<bool>, usize) {
        let n = z.rows();
        let limit = self.eps * self.eps * z.cols() as f64;
        // Neighbour lists from one pass over the pairs (kept while they fit
        // in 16 M entries; past that, recomputed per expanded core row).
        const CAP: usize = 16 << 20;
        let mut lists: Option<Vec<Vec<u32>>> = Some(vec![Vec::new(); n]);
        let mut stored = 0usize;
        let mut counts = vec![1usize; n];
        for i in 0..n {
            for j in i + 1..n {
                if sq_dist_within(z.row(i), z.row(j), limit).is_some() {
                    counts[i] += 1;
                    counts[j] += 1;
                    if let Some(l) = lists.as_mut() {
                        stored += 2;
                        if stored > CAP {
                            lists = None;
                        } else {
                            l[i].push(j as u32);
                            l[j].push(i as u32);
                        }
                    }
                }
            }
        }
        let neighbours = |i: usize| -> Vec<usize> {
            match &lists {
                Some(l) => {
                    let mut v: Vec<usize> = l[i].iter().map(|&j| j as usize).collect();
                    v.push(i);
                    v.sort_unstable();
                    v
                }
                None => (0..n)
                    .filter(|&j| sq_dist_within(z.row(i), z.row(j), limit).is_some())
                    .collect(),
            }
        };
        let core: Vec<bool> = counts.iter().map(|&c| c >= self.min_samples).collect();
        let mut labels: Vec<Option<usize>> = vec![None; n];
        let mut clusters = 0;
        let mut stack = Vec::new();
        for start in 0..n {
            if labels[start].is_some() || !core[start] {
                continue;
            }
            labels[start] = Some(clusters);
            stack.push(start);
            while let Some(i) = stack.pop() {
                for j in neighbours(i) {
                    if labels[j].is_none() {
                        labels[j] = Some(clusters);
                        if core[j] {
                            stack.push(j);
                        }
                    }
                }
            }
            clusters += 1;
        }
        (labels, core, clusters)
    }
}

impl Clusterer for Dbscan {
    fn cluster(&mut self, z: &Matrix, _seed: u64) -> Result<Vec<usize>, ModelError> {
        let (labels, core, clusters) = self.labels(z);
        let core_rows: Vec<usize> = (0..z.rows()).filter(|&i| core[i]).collect();
        let core_labels = core_rows.iter().filter_map(|&i| labels[i]).collect();
        self.core = Some((z.select_rows(&core_rows), core_labels));
        self.clusters = clusters;
        Ok(labels.into_iter().map(|l| l.unwrap_or(clusters)).collect())
    }

    fn regimes(&self) -> usize {
        self.clusters + 1
    }

    fn assign(&self, z: &Matrix) -> Vec<usize> {
        let limit = self.eps * self.eps * z.cols() as f64;
        match &self.core {
            Some((rows, labels)) if rows.rows() > 0 => (0..z.rows())
                .map(|i| {
                    // The nearest core row within eps (first on ties).
                    let mut best: Option<(usize, f64)> = None;
                    for c in 0..rows.rows() {
                        let bound = best.map_or(limit, |b| b.1);
                        if let Some(d) = sq_dist_within(z.row(i), rows.row(c), bound) {
                            if best.is_none_or(|b| d < b.1) {
                                best = Some((c, d));
                            }
                        }
                    }
                    best.map_or(self.clusters, |(c, _)| labels[c])
                })
                .collect(),
            _ => vec![self.clusters; z.rows()],
        }
    }
}

// ---------------------------------------------------------------------------
// Agglomerative clustering.

/// How the distance between merged clusters is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linkage {
    /// Least increase of within-cluster variance.
    Ward,
    /// Mean pairwise distance.
    Average,
    /// Largest pairwise distance.
    Complete,
}

/// Most rows the agglomerative tree is built on.
pub const AGGLOMERATIVE_SAMPLE: usize = 1000;

/// Agglomerative clustering of a subsample, extended by nearest centroid.
#[derive(Clone, Debug)]
pub struct Agglomerative {
    k: usize,
    linkage: Linkage,
    centroids: Option<Matrix>,
}

impl Agglomerative {
    /// Untrained, cut at `k` clusters.
    pub fn new(k: usize, linkage: Linkage) -> Agglomerative {
        Agglomerative {
            k,
            linkage,
            centroids: None,
        }
    }

    /// Cluster labels (0..k, numbered by first row) of all rows of `z`
    /// (use at most ~1,000 rows: the distance matrix is n x n).
    pub fn tree_labels(z: &Matrix, k: usize, linkage: Linkage) -> Vec<usize> {
        let m = z.rows();
        let mut d = vec![0.0; m * m];
        for i in 0..m {
            for j in i + 1..m {
                let sq = sq_dist(z.row(i), z.row(j));
                let v = if linkage == Linkage::Ward {
                    sq
                } else {
                    sq.sqrt()
                };
                d[i * m + j] = v;
                d[j * m + i] = v;
            }
        }
        let mut active = vec![true; m];
        let mut size = vec![1usize; m];
        let mut chain: Vec<usize> = Vec::new();
        let mut merges: Vec<(usize, usize, f64)> = Vec::with_capacity(m.saturating_sub(1));
        while merges.len() + 1 < m {
            if chain.is_empty() {
                if let Some(first) = active.iter().position(|&a| a) {
                    chain.push(first);
                }
            }
            let (a, b) = loop {
                let a = chain[chain.len() - 1];
                let prev = if chain.len() >= 2 {
                    Some(chain[chain.len() - 2])
                } else {
                    None
                };
                let mut best = prev.map_or((usize::MAX, f64::INFINITY), |p| (p, d[a * m + p]));
                for j in 0..m {
                    if j != a && active[j] && d[a * m + j] < best.1 {
                        best = (j, d[a * m + j]);
                    }
                }
                let b = best.0;
                if Some(b) == prev {
                    chain.pop();
                    chain.pop();
                    break (a, b);
                }
                chain.push(b);
            };
            let dab = d[a * m + b];
            merges.push((a.min(b), a.max(b), dab));
            // The merged cluster lives in slot `keep`.
            let (keep, gone) = (a.min(b), a.max(b));
            let (na, nb) = (size[keep] as f64, size[gone] as f64);
            for j in 0..m {
                if !active[j] || j == keep || j == gone {
                    continue;
                }
                let (dk, dg) = (d[keep * m + j], d[gone * m + j]);
                let v = match linkage {
                    Linkage::Ward => {
                        let nj = size[j] as f64;
                        ((na + nj) * dk + (nb + nj) * dg - nj * dab) / (na + nb + nj)
                    }
                    Linkage::Average => (na * dk + nb * dg) / (na + nb),
                    Linkage::Complete => dk.max(dg),
                };
                d[keep * m + j] = v;
                d[j * m + keep] = v;
            }
            active[gone] = false;
            size[keep] += size[gone];
        }
        // Cut: apply the m - k cheapest merges (reducible linkages keep the
        // tree consistent when merges are taken in order of height).
        merges.sort_by(|x, y| x.2.total_cmp(&y.2));
        let mut parent: Vec<usize> = (0..m).collect();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for &(a, b, _) in merges.iter().take(m.saturating_sub(k)) {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
        let mut names: Vec<Option<usize>> = vec![None; m];
        let mut next = 0;
        (0..m)
            .map(|i| {
                let r = root(&mut parent, i);
                *names[r].get_or_insert_with(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect()
    }
}

impl Clusterer for Agglomerative {
    fn cluster(&mut self, z: &Matrix, seed: u64) -> Result<Vec<usize>, ModelError> {
        enough_rows(z, self.k)?;
        let n = z.rows();
        let sample: Vec<usize> = if n <= AGGLOMERATIVE_SAMPLE {
            (0..n).collect()
        } else {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let mut all: Vec<usize> = (0..n).collect();
            shuffle(&mut rng, &mut all);
            let mut picked = all[..AGGLOMERATIVE_SAMPLE].to_vec();
            picked.sort_unstable();
            picked
        };
        let sub = z.select_rows(&sample);
        let labels = Agglomerative::tree_labels(&sub, self.k, self.linkage);
        let clusters = labels.iter().max().map_or(0, |m| m + 1);
        let mut centroids = Matrix::zeros(clusters, z.cols());
        let mut counts = vec![0usize; clusters];
        for (r, &c) in labels.iter().enumerate() {
            counts[c] += 1;
            for (s, v) in centroids.row_mut(c).iter_mut().zip(sub.row(r)) {
                *s += v;
            }
        }
        for (c, &count) in counts.iter().enumerate() {
            let inv = 1.0 / count.max(1) as f64;
            centroids.row_mut(c).iter_mut().for_each(|v| *v *= inv);
        }
        let mut out = vec![0; n];
        let mut in_sample = vec![None; n];
        for (r, &i) in sample.iter().enumerate() {
            in_sample[i] = Some(labels[r]);
        }
        for i in 0..n {
            out[i] = in_sample[i].unwrap_or_else(|| nearest(z.row(i), &centroids).0);
        }
        self.centroids = Some(centroids);
        Ok(out)
    }

    fn regimes(&self) -> usize {
        self.centroids.as_ref().map_or(self.k, Matrix::rows)
    }

    fn assign(&self, z: &Matrix) -> Vec<usize> {
        match &self.centroids {
            Some(c) => nearest_labels(z, c),
            None => vec![0; z.rows()],
        }
    }
}

// ---------------------------------------------------------------------------
// Gaussian mixtures.

/// Covariance structure of a mixture component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Covariance {
    /// Per-feature variances.
    Diagonal,
    /// A full covariance matrix.
    Full,
}

/// Variance added to every covariance diagonal.
pub const REG_COVAR: f64 = 1e-6;

/// A fitted mixture.
#[derive(Clone, Debug, PartialEq)]
pub struct GmmFit {
    /// Mixing weights.
    pub weights: Vec<f64>,
    /// Component means, `k x d`.
    pub means: Matrix,
    /// Per component: the variances (diagonal) or the lower Cholesky
    /// factor of the covariance, row-major `d x d` (full).
    factors: Vec<Vec<f64>>,
    /// Per component: ln det of the covariance.
    log_dets: Vec<f64>,
    covariance: Covariance,
    /// EM iterations run.
    pub iterations: usize,
    /// Whether the change of the mean log-likelihood fell below the tolerance.
    pub converged: bool,
}

const LN_2PI: f64 = 1.837_877_066_409_345_5;

impl GmmFit {
    /// `ln(weight_c) + ln N(row | component c)` for each component.
    fn weighted_log_prob(&self, row: &[f64], out: &mut [f64], work: &mut [f64]) {
        let d = row.len();
        for (c, o) in out.iter_mut().enumerate() {
            let mean = self.means.row(c);
            let f = &self.factors[c];
            let maha = match self.covariance {
                Covariance::Diagonal => {
                    let mut s = 0.0;
                    for j in 0..d {
                        let diff = row[j] - mean[j];
                        s += diff * diff / f[j];
                    }
                    s
                }
                Covariance::Full => {
                    // Solve L y = (row - mean); maha = |y|^2.
                    let mut s = 0.0;
                    for i in 0..d {
                        let mut v = row[i] - mean[i];
                        for j in 0..i {
                            v -= f[i * d + j] * work[j];
                        }
                        v /= f[i * d + i];
                        work[i] = v;
                        s += v * v;
                    }
                    s
                }
            };
            *o = libm::log(self.weights[c]) - 0.5 * (d as f64 * LN_2PI + maha + self.log_dets[c]);
        }
    }

    /// Mean log-likelihood of the rows of `z`.
    pub fn score(&self, z: &Matrix) -> f64 {
        let k = self.weights.len();
        let mut lp = vec![0.0; k];
        let mut work = vec![0.0; z.cols()];
        let mut total = 0.0;
        for i in 0..z.rows() {
            self.weighted_log_prob(z.row(i), &mut lp, &mut work);
            total += log_sum_exp(&lp);
        }
        total / z.rows().max(1) as f64
    }

    /// Most likely component of each row of `z`.
    pub fn predict(&self, z: &Matrix) -> Vec<usize> {
        let k = self.weights.len();
        let mut lp = vec![0.0; k];
        let mut work = vec![0.0; z.cols()];
        (0..z.rows())
            .map(|i| {
                self.weighted_log_prob(z.row(i), &mut lp, &mut work);
                let mut best = 0;
                for c in 1..k {
                    if lp[c] > lp[best] {
                        best = c;
                    }
                }
                best
            })
            .collect()
    }
}

fn log_sum_exp(v: &[f64]) -> f64 {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    let mut s = 0.0;
    for x in v {
        s += libm::exp(x - max);
    }
    max + libm::log(s)
}

/// M-step: weights, means and covariances from responsibilities
/// (`n x k`, row-major), as scikit-learn computes them.
fn m_step(
    z: &Matrix,
    resp: &[f64],
    k: usize,
    covariance: Covariance,
) -> Result<GmmFit, ModelError> {
    let (n, d) = (z.rows(), z.cols());
    let mut nk = vec![10.0 * f64::EPSILON; k];
    for i in 0..n {
        for c in 0..k {
            nk[c] += resp[i * k + c];
        }
    }
    let mut means = Matrix::zeros(k, d);
    for i in 0..n {
        for c in 0..k {
            let r = resp[i * k + c];
            for (m, v) in means.row_mut(c).iter_mut().zip(z.row(i)) {
                *m += r * v;
            }
        }
    }
    for (c, &count) in nk.iter().enumerate() {
        means.row_mut(c).iter_mut().for_each(|m| *m /= count);
    }
    let mut factors = Vec::with_capacity(k);
    for c in 0..k {
        let mean = means.row(c).to_vec();
        match covariance {
            Covariance::Diagonal => {
                let mut var = vec![0.0; d];
                for i in 0..n {
                    let r = resp[i * k + c];
                    for ((s, v), m) in var.iter_mut().zip(z.row(i)).zip(&mean) {
                        *s += r * (v - m) * (v - m);
                    }
                }
                var.iter_mut().for_each(|s| *s = *s / nk[c] + REG_COVAR);
                factors.push(var);
            }
            Covariance::Full => {
                let mut cov = vec![0.0; d * d];
                let mut diff = vec![0.0; d];
                for i in 0..n {
                    let r = resp[i * k + c];
                    for ((df, v), m) in diff.iter_mut().zip(z.row(i)).zip(&mean) {
                        *df = v - m;
                    }
                    for a in 0..d {
                        let ra = r * diff[a];
                        for b in 0..=a {
                            cov[a * d + b] += ra * diff[b];
                        }
                    }
                }
                for a in 0..d {
                    for b in 0..=a {
                        cov[a * d + b] /= nk[c];
                    }
                    cov[a * d + a] += REG_COVAR;
                }
                factors.push(cholesky(&cov, d)?);
            }
        }
    }
    let weights = nk.iter().map(|v| v / n as f64).collect();
    let log_dets = factors
        .iter()
        .map(|f| match covariance {
            Covariance::Diagonal => f.iter().map(|v| libm::log(*v)).sum(),
            Covariance::Full => (0..d).map(|i| 2.0 * libm::log(f[i * d + i])).sum(),
        })
        .collect();
    Ok(GmmFit {
        weights,
        means,
        factors,
        log_dets,
        covariance,
        iterations: 0,
        converged: false,
    })
}

/// Lower Cholesky factor of the symmetric matrix whose lower triangle is `a`.
fn cholesky(a: &[f64], d: usize) -> Result<Vec<f64>, ModelError> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = a[i * d + j];
            for p in 0..j {
                s -= l[i * d + p] * l[j * d + p];
            }
            if i == j {
                if s.is_nan() || s <= 0.0 || !s.is_finite() {
                    return Err(ModelError::Numerical(
                        "a mixture covariance is not positive definite".into(),
                    ));
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    Ok(l)
}

/// EM from hard initial labels (`0..k`), scikit-learn's schedule: M-step
/// from the labels, then E/M steps until the mean log-likelihood changes by
/// less than `tol` (at most `max_iter`).
pub fn gmm_em(
    z: &Matrix,
    labels: &[usize],
    k: usize,
    covariance: Covariance,
    max_iter: usize,
    tol: f64,
) -> Result<GmmFit, ModelError> {
    let n = z.rows();
    if labels.len() != n || labels.iter().any(|&l| l >= k) {
        return Err(ModelError::Shape("initial labels do not match".into()));
    }
    enough_rows(z, k)?;
    let mut resp = vec![0.0; n * k];
    for (i, &l) in labels.iter().enumerate() {
        resp[i * k + l] = 1.0;
    }
    let mut fit = m_step(z, &resp, k, covariance)?;
    let mut lower = f64::NEG_INFINITY;
    let mut lp = vec![0.0; k];
    let mut work = vec![0.0; z.cols()];
    let mut converged = false;
    let mut iterations = 0;
    for _ in 0..max_iter {
        iterations += 1;
        let previous = lower;
        let mut total = 0.0;
        for i in 0..n {
            fit.weighted_log_prob(z.row(i), &mut lp, &mut work);
            let norm = log_sum_exp(&lp);
            total += norm;
            for c in 0..k {
                resp[i * k + c] = libm::exp(lp[c] - norm);
            }
        }
        lower = total / n as f64;
        if !lower.is_finite() {
            return Err(ModelError::Numerical(
                "the mixture's likelihood is not finite".into(),
            ));
        }
        fit = m_step(z, &resp, k, covariance)?;
        if (lower - previous).abs() < tol {
            converged = true;
            break;
        }
    }
    fit.iterations = iterations;
    fit.converged = converged;
    Ok(fit)
}

/// A Gaussian mixture started from seeded k-means.
#[derive(Clone, Debug)]
pub struct GaussianMixture {
    k: usize,
    covariance: Covariance,
    fit: Option<GmmFit>,
}

impl GaussianMixture {
    /// Untrained, `k` components.
    pub fn new(k: usize, covariance: Covariance) -> GaussianMixture {
        GaussianMixture {
            k,
            covariance,
            fit: None,
        }
    }

    /// The fitted mixture.
    pub fn mixture(&self) -> Option<&GmmFit> {
        self.fit.as_ref()
    }
}

impl Clusterer for GaussianMixture {
    fn cluster(&mut self, z: &Matrix, seed: u64) -> Result<Vec<usize>, ModelError> {
        let init = KMeans::run(z, self.k, seed)?;
        let fit = gmm_em(z, &init.labels, self.k, self.covariance, 100, 1e-3)?;
        let labels = fit.predict(z);
        self.fit = Some(fit);
        Ok(labels)
    }

    fn regimes(&self) -> usize {
        self.k
    }

    fn assign(&self, z: &Matrix) -> Vec<usize> {
        match &self.fit {
            Some(f) => f.predict(z),
            None => vec![0; z.rows()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tight blobs around (0,0), (10,0), (0,10), labels up only in
    /// the second.
    fn blobs() -> (Matrix, Vec<f64>) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for i in 0..90 {
            let (cx, cy) = [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)][i % 3];
            rows.push(vec![
                cx + uniform(&mut rng) - 0.5,
                cy + uniform(&mut rng) - 0.5,
            ]);
            y.push(if i % 3 == 1 { 1.0 } else { 0.0 });
        }
        (Matrix::from_rows(&rows).unwrap(), y)
    }

    fn by_name(name: &str) -> Box<dyn Model> {
        entries()
            .into_iter()
            .find(|e| e.spec.name == name)
            .unwrap()
            .build()
            .unwrap()
    }

    #[test]
    fn every_algorithm_finds_the_blobs_and_labels_them() {
        let (x, y) = blobs();
        let probe = Matrix::from_rows(&[vec![10.2, 0.1], vec![0.1, 9.8], vec![-0.2, 0.3]]).unwrap();
        for name in [
            "kmeans_k3",
            "gmm_diag_k3",
            "gmm_full_k3",
            "agglomerative_ward_k3",
            "agglomerative_average_k3",
            "agglomerative_complete_k3",
            "dbscan_eps0_4_min5",
        ] {
            let mut m = by_name(name);
            m.fit(&x, &y, 1).unwrap();
            assert_eq!(m.predict(&probe).unwrap(), vec![1.0, 0.0, 0.0], "{name}");
            let p = m.predict_proba(&probe).unwrap().unwrap();
            // 30 up of 30: (30 + 1) / (30 + 2).
            assert!((p[0] - 31.0 / 32.0).abs() < 1e-12, "{name} {p:?}");
            assert!((p[1] - 1.0 / 32.0).abs() < 1e-12, "{name} {p:?}");
        }
    }

    #[test]
    fn dbscan_noise_is_its_own_regime() {
        let (x, y) = blobs();
        let mut m = RegimeModel::new(Dbscan::new(0.4, 5).unwrap());
        m.fit(&x, &y, 0).unwrap();
        assert_eq!(m.clusterer().regimes(), 4);
        let far = Matrix::from_rows(&[vec![50.0, 50.0]]).unwrap();
        // No training row is noise: the noise regime's P(up) is (0+1)/(0+2).
        assert_eq!(m.predict_proba(&far).unwrap().unwrap(), vec![0.5]);
    }

    #[test]
    fn lloyd_matches_a_hand_computed_case() {
        let z = Matrix::from_rows(&[vec![0.0], vec![1.0], vec![9.0], vec![11.0]]).unwrap();
        let init = Matrix::from_rows(&[vec![0.0], vec![1.0]]).unwrap();
        let fit = lloyd(&z, &init, 100).unwrap();
        assert_eq!(fit.labels, vec![0, 0, 1, 1]);
        assert_eq!(fit.centroids.column(0), vec![0.5, 10.0]);
        assert_eq!(fit.inertia, 0.25 + 0.25 + 1.0 + 1.0);
    }

    #[test]
    fn ward_tree_cut_is_right() {
        let z =
            Matrix::from_rows(&[vec![0.0], vec![0.1], vec![5.0], vec![5.2], vec![20.0]]).unwrap();
        assert_eq!(
            Agglomerative::tree_labels(&z, 3, Linkage::Ward),
            vec![0, 0, 1, 1, 2]
        );
        assert_eq!(
            Agglomerative::tree_labels(&z, 2, Linkage::Complete),
            vec![0, 0, 0, 0, 1]
        );
        assert_eq!(
            Agglomerative::tree_labels(&z, 1, Linkage::Average),
            vec![0; 5]
        );
    }

    #[test]
    fn deterministic_subsampled_and_robust() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let rows: Vec<Vec<f64>> = (0..1500)
            .map(|_| vec![uniform(&mut rng), uniform(&mut rng), uniform(&mut rng)])
            .collect();
        let y: Vec<f64> = (0..1500).map(|i| (i % 2) as f64).collect();
        let x = Matrix::from_rows(&rows).unwrap();
        for name in ["agglomerative_ward_k4", "kmeans_k5", "gmm_full_k2"] {
            let mut a = by_name(name);
            let mut b = by_name(name);
            a.fit(&x, &y, 3).unwrap();
            b.fit(&x, &y, 3).unwrap();
            assert_eq!(a.predict_proba(&x).unwrap(), b.predict_proba(&x).unwrap());
        }
        // Bad inputs are errors, never panics.
        let mut m = by_name("kmeans_k8");
        assert_eq!(m.predict(&x), Err(ModelError::NotTrained));
        let few = Matrix::from_rows(&[vec![1.0], vec![2.0]]).unwrap();
        assert!(matches!(
            m.fit(&few, &[0.0, 1.0], 0),
            Err(ModelError::TooLittleData(_))
        ));
        assert!(m.fit(&few, &[0.0], 0).is_err());
        let nan = Matrix::from_rows(&[vec![f64::NAN], vec![2.0]]).unwrap();
        assert!(by_name("gmm_diag_k2").fit(&nan, &[0.0, 1.0], 0).is_err());
        // Constant columns and a single class train.
        let flat = Matrix::from_rows(&vec![vec![3.0, 3.0]; 12]).unwrap();
        for e in entries() {
            let mut model = e.build().unwrap();
            let r = model.fit(&flat, &[1.0; 12], 0);
            if r.is_ok() {
                assert_eq!(
                    model.predict(&flat).unwrap(),
                    vec![1.0; 12],
                    "{}",
                    e.spec.name
                );
            }
            assert!(model.predict(&Matrix::zeros(1, 3)).is_err());
        }
    }

    #[test]
    fn entries_are_many() {
        assert!(entries().len() >= 18);
    }
}
