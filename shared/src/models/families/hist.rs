//! The histogram tree learner behind the random forests, extra trees,
//! gradient boosting and bagged trees: every feature is binned once into at
//! most 255 quantile bins (u8 codes, edges learned on the training rows),
//! trees grow on the codes with per-node histograms of gradient, hessian and
//! weight sums (the larger child's histogram is the parent's minus the
//! smaller child's), and the result is a flattened node array that predicts
//! on raw feature values. Single-threaded, no allocation per node beyond a
//! few reused buffers, deterministic for a given seed on every target.
//! It must not read a clock, spawn threads or use an unseeded generator.

use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::models::{Matrix, ModelError};

/// Most bins per feature (codes fit in a `u8`).
pub(crate) const MAX_BINS: usize = 255;

/// Checks a training set: same number of rows, at least one row and one
/// column, every value finite.
pub(crate) fn check_training(x: &Matrix, y: &[f64]) -> Result<(), ModelError> {
    if x.rows() != y.len() {
        return Err(ModelError::Shape(format!(
            "{} feature rows but {} targets",
            x.rows(),
            y.len()
        )));
    }
    if x.rows() == 0 {
        return Err(ModelError::TooLittleData("no training rows".into()));
    }
    if x.cols() == 0 {
        return Err(ModelError::Shape("no feature columns".into()));
    }
    if x.as_slice().iter().any(|v| !v.is_finite()) {
        return Err(ModelError::Numerical("non-finite feature value".into()));
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::Numerical("non-finite target".into()));
    }
    Ok(())
}

/// Checks a prediction matrix against the number of trained features.
pub(crate) fn check_predict(x: &Matrix, n_features: usize) -> Result<(), ModelError> {
    if x.cols() != n_features {
        return Err(ModelError::Shape(format!(
            "{} feature columns, the model was trained on {n_features}",
            x.cols()
        )));
    }
    if x.as_slice().iter().any(|v| !v.is_finite()) {
        return Err(ModelError::Numerical("non-finite feature value".into()));
    }
    Ok(())
}

/// Whether every target is 0 or 1.
pub(crate) fn check_labels(y: &[f64]) -> Result<(), ModelError> {
    if y.iter().any(|&v| v != 0.0 && v != 1.0) {
        return Err(ModelError::Param {
            name: "y".into(),
            reason: "classification labels must be 0 or 1".into(),
        });
    }
    Ok(())
}

/// A uniform integer in `0..n` (`n > 0`) from the seeded generator
/// (Lemire's multiply-shift; the tiny bias is irrelevant here and the
/// result is the same on every target).
pub(crate) fn below(rng: &mut Xoshiro256PlusPlus, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

/// A uniform `f64` in `[0, 1)`.
pub(crate) fn unit(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Per-feature bin edges: value `v` of feature `f` gets code
/// `#{edges[f] < v}`, so "code <= b" is exactly "v <= edges[f][b]".
#[derive(Clone, Debug, Default)]
pub(crate) struct Bins {
    edges: Vec<Vec<f64>>,
}

impl Bins {
    /// Quantile edges of each column of `x`: with at most `MAX_BINS`
    /// distinct values every value gets its own bin (edges at midpoints, as
    /// CART places thresholds), otherwise the edges cut the sorted values
    /// into nearly equal counts.
    pub(crate) fn fit(x: &Matrix) -> Bins {
        let n = x.rows();
        let mut column = Vec::with_capacity(n);
        let edges = (0..x.cols())
            .map(|f| {
                column.clear();
                column.extend(x.iter_rows().map(|row| row[f]));
                column.sort_by(f64::total_cmp);
                let mut distinct = column.clone();
                distinct.dedup();
                let mut edges = Vec::new();
                if distinct.len() <= MAX_BINS {
                    for pair in distinct.windows(2) {
                        edges.push(midpoint(pair[0], pair[1]));
                    }
                } else {
                    for k in 1..MAX_BINS {
                        let q = column[(k * n / MAX_BINS).saturating_sub(1)];
                        let next = column.partition_point(|&v| v <= q);
                        if next >= n {
                            break;
                        }
                        let edge = midpoint(q, column[next]);
                        if edges.last().is_none_or(|&last| edge > last) {
                            edges.push(edge);
                        }
                    }
                }
                edges
            })
            .collect();
        Bins { edges }
    }

    /// Number of features.
    pub(crate) fn n_features(&self) -> usize {
        self.edges.len()
    }

    /// Number of bins of feature `f`.
    pub(crate) fn n_bins(&self, f: usize) -> usize {
        self.edges[f].len() + 1
    }

    /// The code of value `v` of feature `f`.
    pub(crate) fn code(&self, f: usize, v: f64) -> u8 {
        self.edges[f].partition_point(|&e| e < v) as u8
    }

    /// The threshold of the split "code <= b" of feature `f`.
    pub(crate) fn threshold(&self, f: usize, b: usize) -> f64 {
        self.edges[f][b]
    }

    /// Row-major codes of `x`.
    pub(crate) fn codes(&self, x: &Matrix) -> Vec<u8> {
        let mut out = Vec::with_capacity(x.rows() * x.cols());
        for row in x.iter_rows() {
            out.extend(row.iter().enumerate().map(|(f, &v)| self.code(f, v)));
        }
        out
    }
}

/// The midpoint of `a < b` as CART computes it (`a/2 + b/2`, falling back
/// to `a` where rounding reaches `b`).
pub(crate) fn midpoint(a: f64, b: f64) -> f64 {
    let m = a / 2.0 + b / 2.0;
    if m >= b || !m.is_finite() {
        a
    } else {
        m
    }
}

/// How a node chooses its threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SplitKind {
    /// The best bin boundary of each candidate feature.
    Best,
    /// One random boundary between the node's smallest and largest code of
    /// each candidate feature (extremely randomised trees).
    Random,
}

/// Growth limits and regularisation of one tree.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GrowConfig {
    /// Deepest level (the root is depth 0); `usize::MAX` for none.
    pub max_depth: usize,
    /// Least total weight in a leaf.
    pub min_leaf_weight: f64,
    /// Least hessian sum in a leaf (gradient boosting).
    pub min_leaf_hessian: f64,
    /// L2 penalty on leaf values: a leaf predicts `G / (H + lambda)`.
    pub lambda: f64,
    /// Candidate features per split (all when >= the number of features).
    pub max_features: usize,
    /// Best or random thresholds.
    pub split: SplitKind,
}

/// Index of a leaf's marker in [`Node::feature`].
pub(crate) const LEAF: u32 = u32::MAX;

/// One node of a flattened tree.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Node {
    /// Split feature, or `LEAF`.
    pub feature: u32,
    /// Left child (`x[feature] <= threshold`).
    pub left: u32,
    /// Right child.
    pub right: u32,
    /// Split threshold on the raw value.
    pub threshold: f64,
    /// Leaf value (also kept on inner nodes).
    pub value: f64,
}

impl Node {
    /// A leaf predicting `value`.
    pub(crate) fn leaf(value: f64) -> Node {
        Node {
            feature: LEAF,
            left: 0,
            right: 0,
            threshold: 0.0,
            value,
        }
    }
}

/// A trained tree as a flat node array (root at 0).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct FlatTree {
    /// The nodes, root first.
    pub nodes: Vec<Node>,
}

impl FlatTree {
    /// The leaf value reached by `row`.
    #[inline]
    pub(crate) fn predict_row(&self, row: &[f64]) -> f64 {
        let mut i = 0usize;
        loop {
            let node = &self.nodes[i];
            if node.feature == LEAF {
                return node.value;
            }
            i = if row[node.feature as usize] <= node.threshold {
                node.left as usize
            } else {
                node.right as usize
            };
        }
    }

    /// Adds this tree's output for each row of `x` to `sums` (one tree over
    /// all rows keeps its nodes in cache: the ensembles' prediction loop).
    /// One call per tree, not inlined in wasm, so V8 optimises it during
    /// the first prediction (ARCHITECTURE.md, "Hot loops in wasm").
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    pub(crate) fn add_outputs(&self, x: &Matrix, sums: &mut [f64]) {
        for (s, row) in sums.iter_mut().zip(x.iter_rows()) {
            *s += self.predict_row(row);
        }
    }

    /// Scales every node value by `factor` (the learning rate of boosting).
    pub(crate) fn scale(&mut self, factor: f64) {
        for node in &mut self.nodes {
            node.value *= factor;
        }
    }
}

/// Gradient, hessian and weight sums.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    g: f64,
    h: f64,
    w: f64,
}

impl Sums {
    #[inline]
    fn add(&mut self, g: f64, h: f64, w: f64) {
        self.g += g;
        self.h += h;
        self.w += w;
    }

    #[inline]
    fn minus(self, other: Sums) -> Sums {
        Sums {
            g: self.g - other.g,
            h: self.h - other.h,
            w: self.w - other.w,
        }
    }
}

/// The training set in binned form with the per-row statistics of one
/// tree: `g` (weighted target or negative gradient), `h` (weight or
/// hessian) and `w` (sample weight, e.g. bootstrap counts).
pub(crate) struct BinnedData<'a> {
    /// The bins.
    pub bins: &'a Bins,
    /// Row-major codes, `rows x bins.n_features()`.
    pub codes: &'a [u8],
}

/// The best split found for one node.
#[derive(Clone, Copy, Debug)]
struct Split {
    feature: usize,
    bin: usize,
    gain: f64,
}

/// Reused buffers of a grower: histograms, the row partition and scratch.
#[derive(Default)]
pub(crate) struct Grower {
    /// Per-level histogram pool: `n_features * MAX_BINS` sums each.
    hist_pool: Vec<Vec<Sums>>,
    scratch_rows: Vec<u32>,
    sorted: Vec<(u8, Sums)>,
    features: Vec<usize>,
}

/// A node waiting to be split.
struct Pending {
    node: usize,
    start: usize,
    end: usize,
    depth: usize,
    /// Index of its full histogram in the pool, if it has one.
    hist: Option<usize>,
}

/// Nodes with fewer rows than this find splits by sorting instead of
/// through histograms.
const SMALL_NODE: usize = 64;

impl Grower {
    /// Grows one tree on `rows` (indices of rows with positive weight).
    /// `g`, `h`, `w` are indexed by row.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn grow(
        &mut self,
        data: &BinnedData<'_>,
        g: &[f64],
        h: &[f64],
        w: &[f64],
        mut rows: Vec<u32>,
        config: &GrowConfig,
        rng: &mut Xoshiro256PlusPlus,
    ) -> FlatTree {
        let p = data.bins.n_features();
        let all_features = config.max_features >= p;
        // Full histograms (and the sibling subtraction) pay off when every
        // feature is a candidate at every node.
        let use_subtraction = all_features && config.split == SplitKind::Best;
        let mut nodes = vec![Node {
            feature: LEAF,
            left: 0,
            right: 0,
            threshold: 0.0,
            value: 0.0,
        }];
        // Every buffer but the scratch (0) is free when a tree starts: the
        // pool is reused across the trees of a fit instead of allocating
        // (and faulting in) fresh histograms for every tree.
        if self
            .hist_pool
            .first()
            .is_some_and(|b| b.len() != p * MAX_BINS)
        {
            self.hist_pool.clear();
        }
        let mut free_hists: Vec<usize> = (1..self.hist_pool.len()).rev().collect();
        let mut stack = vec![Pending {
            node: 0,
            start: 0,
            end: rows.len(),
            depth: 0,
            hist: None,
        }];
        while let Some(task) = stack.pop() {
            let node_rows = &rows[task.start..task.end];
            let mut total = Sums::default();
            for &r in node_rows {
                let r = r as usize;
                total.add(g[r], h[r], w[r]);
            }
            let denominator = total.h + config.lambda;
            nodes[task.node].value = if denominator > 0.0 {
                total.g / denominator
            } else {
                0.0
            };
            let splittable = task.depth < config.max_depth
                && total.w >= 2.0 * config.min_leaf_weight
                && total.h >= 2.0 * config.min_leaf_hessian
                && node_rows.len() >= 2;
            if !splittable {
                if let Some(index) = task.hist {
                    free_hists.push(index);
                }
                continue;
            }
            // Candidate features.
            self.features.clear();
            self.features.extend(0..p);
            if !all_features {
                for i in 0..config.max_features {
                    let j = i + below(rng, p - i);
                    self.features.swap(i, j);
                }
                self.features.truncate(config.max_features.max(1));
            }
            let large = node_rows.len() >= SMALL_NODE;
            // Full histogram of this node when subtracting.
            let hist_index = if use_subtraction && large {
                match task.hist {
                    Some(index) => Some(index),
                    None => {
                        let index = self.take_hist(&mut free_hists, p);
                        build_full(&mut self.hist_pool[index], data, node_rows, g, h, w);
                        Some(index)
                    }
                }
            } else {
                if let Some(index) = task.hist {
                    free_hists.push(index);
                }
                None
            };
            let mut best: Option<Split> = None;
            let parent_score = score(total, config.lambda);
            for fi in 0..self.features.len() {
                let f = self.features[fi];
                let candidate = match (config.split, hist_index) {
                    (SplitKind::Best, Some(index)) => {
                        let nb = data.bins.n_bins(f);
                        let hist = &self.hist_pool[index][f * MAX_BINS..f * MAX_BINS + nb];
                        best_in_hist(hist, total, config)
                    }
                    (SplitKind::Best, None) if large => {
                        let nb = data.bins.n_bins(f);
                        if self.hist_pool.is_empty() {
                            self.hist_pool.push(vec![Sums::default(); p * MAX_BINS]);
                        }
                        let hist = &mut self.hist_pool[0][..nb];
                        hist.fill(Sums::default());
                        for &r in node_rows {
                            let r = r as usize;
                            hist[data.codes[r * p + f] as usize].add(g[r], h[r], w[r]);
                        }
                        let hist = &self.hist_pool[0][..nb];
                        best_in_hist(hist, total, config)
                    }
                    (SplitKind::Best, None) => {
                        self.sorted.clear();
                        self.sorted.extend(node_rows.iter().map(|&r| {
                            let r = r as usize;
                            (
                                data.codes[r * p + f],
                                Sums {
                                    g: g[r],
                                    h: h[r],
                                    w: w[r],
                                },
                            )
                        }));
                        self.sorted.sort_by_key(|entry| entry.0);
                        best_in_sorted(&self.sorted, total, config)
                    }
                    (SplitKind::Random, _) => {
                        random_split(data, node_rows, f, g, h, w, total, config, rng)
                    }
                };
                if let Some((bin, gain)) = candidate {
                    let gain = gain - parent_score;
                    if best.is_none_or(|b| gain > b.gain) {
                        best = Some(Split {
                            feature: f,
                            bin,
                            gain,
                        });
                    }
                }
            }
            let Some(split) = best.filter(|s| s.gain > 1e-12 * parent_score.abs().max(1e-300))
            else {
                if let Some(index) = hist_index {
                    free_hists.push(index);
                }
                continue;
            };
            // Stable partition: left rows first, both halves in row order.
            let f = split.feature;
            self.scratch_rows.clear();
            let mut write = task.start;
            for i in task.start..task.end {
                let r = rows[i];
                if data.codes[r as usize * p + f] as usize <= split.bin {
                    rows[write] = r;
                    write += 1;
                } else {
                    self.scratch_rows.push(r);
                }
            }
            rows[write..task.end].copy_from_slice(&self.scratch_rows);
            let mid = write;
            if mid == task.start || mid == task.end {
                if let Some(index) = hist_index {
                    free_hists.push(index);
                }
                continue;
            }
            let left = nodes.len();
            nodes.push(nodes[task.node]);
            nodes.push(nodes[task.node]);
            for child in [left, left + 1] {
                nodes[child].feature = LEAF;
            }
            let parent = &mut nodes[task.node];
            parent.feature = f as u32;
            parent.left = left as u32;
            parent.right = (left + 1) as u32;
            parent.threshold = data.bins.threshold(f, split.bin);
            // Children's histograms: the smaller one built, the larger one
            // the parent's minus it (in the parent's buffer).
            let (left_hist, right_hist) = match hist_index {
                Some(parent_index) => {
                    let n_left = mid - task.start;
                    let n_right = task.end - mid;
                    let (small_range, small_is_left) = if n_left <= n_right {
                        (task.start..mid, true)
                    } else {
                        (mid..task.end, false)
                    };
                    let large_n = n_left.max(n_right);
                    if large_n >= SMALL_NODE {
                        let small_index = self.take_hist(&mut free_hists, p);
                        let (small, parent_hist) =
                            two_mut(&mut self.hist_pool, small_index, parent_index);
                        build_full(small, data, &rows[small_range], g, h, w);
                        for (target, s) in parent_hist.iter_mut().zip(small.iter()) {
                            *target = target.minus(*s);
                        }
                        if small_is_left {
                            (Some(small_index), Some(parent_index))
                        } else {
                            (Some(parent_index), Some(small_index))
                        }
                    } else {
                        free_hists.push(parent_index);
                        (None, None)
                    }
                }
                None => (None, None),
            };
            // Push right first so the left subtree is grown first.
            stack.push(Pending {
                node: left + 1,
                start: mid,
                end: task.end,
                depth: task.depth + 1,
                hist: right_hist,
            });
            stack.push(Pending {
                node: left,
                start: task.start,
                end: mid,
                depth: task.depth + 1,
                hist: left_hist,
            });
        }
        FlatTree { nodes }
    }

    /// A free histogram buffer (reused or new).
    fn take_hist(&mut self, free: &mut Vec<usize>, p: usize) -> usize {
        // Buffer 0 is the scratch of per-feature histograms; never hand it out.
        if self.hist_pool.is_empty() {
            self.hist_pool.push(vec![Sums::default(); p * MAX_BINS]);
        }
        if let Some(index) = free.pop() {
            return index;
        }
        self.hist_pool.push(vec![Sums::default(); p * MAX_BINS]);
        self.hist_pool.len() - 1
    }
}

/// Two distinct buffers of the pool, mutably.
fn two_mut(pool: &mut [Vec<Sums>], a: usize, b: usize) -> (&mut [Sums], &mut [Sums]) {
    if a < b {
        let (low, high) = pool.split_at_mut(b);
        (&mut low[a], &mut high[0])
    } else {
        let (low, high) = pool.split_at_mut(a);
        (&mut high[0], &mut low[b])
    }
}

/// Fills `hist` (all features, `MAX_BINS` slots each) from `rows`.
fn build_full(
    hist: &mut [Sums],
    data: &BinnedData<'_>,
    rows: &[u32],
    g: &[f64],
    h: &[f64],
    w: &[f64],
) {
    let p = data.bins.n_features();
    hist.fill(Sums::default());
    for &r in rows {
        let r = r as usize;
        let (gr, hr, wr) = (g[r], h[r], w[r]);
        let codes = &data.codes[r * p..(r + 1) * p];
        for (f, &code) in codes.iter().enumerate() {
            hist[f * MAX_BINS + code as usize].add(gr, hr, wr);
        }
    }
}

/// The children's score `G_L²/(H_L+λ) + G_R²/(H_R+λ)`, if both sides meet
/// the leaf limits.
#[inline]
fn children_score(left: Sums, right: Sums, config: &GrowConfig) -> Option<f64> {
    if left.w < config.min_leaf_weight
        || right.w < config.min_leaf_weight
        || left.h < config.min_leaf_hessian
        || right.h < config.min_leaf_hessian
        || left.w <= 0.0
        || right.w <= 0.0
    {
        return None;
    }
    Some(score(left, config.lambda) + score(right, config.lambda))
}

/// A node's score `G²/(H+λ)`.
#[inline]
fn score(s: Sums, lambda: f64) -> f64 {
    let d = s.h + lambda;
    if d > 0.0 {
        s.g * s.g / d
    } else {
        0.0
    }
}

/// The best boundary of one feature's histogram: `(bin, children score)`.
fn best_in_hist(hist: &[Sums], total: Sums, config: &GrowConfig) -> Option<(usize, f64)> {
    let mut left = Sums::default();
    let mut best: Option<(usize, f64)> = None;
    for (b, bin) in hist.iter().enumerate().take(hist.len().saturating_sub(1)) {
        if bin.w == 0.0 && bin.h == 0.0 {
            continue;
        }
        left.add(bin.g, bin.h, bin.w);
        if let Some(s) = children_score(left, total.minus(left), config) {
            if best.is_none_or(|(_, v)| s > v) {
                best = Some((b, s));
            }
        }
    }
    best
}

/// The best boundary from a node's `(code, sums)` sorted by code.
fn best_in_sorted(sorted: &[(u8, Sums)], total: Sums, config: &GrowConfig) -> Option<(usize, f64)> {
    let mut left = Sums::default();
    let mut best: Option<(usize, f64)> = None;
    for i in 0..sorted.len().saturating_sub(1) {
        let (code, s) = sorted[i];
        left.add(s.g, s.h, s.w);
        if sorted[i + 1].0 == code {
            continue;
        }
        if let Some(v) = children_score(left, total.minus(left), config) {
            if best.is_none_or(|(_, b)| v > b) {
                best = Some((code as usize, v));
            }
        }
    }
    best
}

/// A random boundary of feature `f` between the node's extreme codes.
#[allow(clippy::too_many_arguments)]
fn random_split(
    data: &BinnedData<'_>,
    rows: &[u32],
    f: usize,
    g: &[f64],
    h: &[f64],
    w: &[f64],
    total: Sums,
    config: &GrowConfig,
    rng: &mut Xoshiro256PlusPlus,
) -> Option<(usize, f64)> {
    let p = data.bins.n_features();
    let (mut lo, mut hi) = (u8::MAX, 0u8);
    for &r in rows {
        let c = data.codes[r as usize * p + f];
        lo = lo.min(c);
        hi = hi.max(c);
    }
    if lo >= hi {
        return None;
    }
    let bin = lo as usize + below(rng, (hi - lo) as usize);
    let mut left = Sums::default();
    for &r in rows {
        let r = r as usize;
        if data.codes[r * p + f] as usize <= bin {
            left.add(g[r], h[r], w[r]);
        }
    }
    children_score(left, total.minus(left), config).map(|s| (bin, s))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn config(max_depth: usize) -> GrowConfig {
        GrowConfig {
            max_depth,
            min_leaf_weight: 1.0,
            min_leaf_hessian: 0.0,
            lambda: 0.0,
            max_features: usize::MAX,
            split: SplitKind::Best,
        }
    }

    #[test]
    fn bins_follow_distinct_values_and_quantiles() {
        let x = Matrix::new(4, 1, vec![3.0, 1.0, 2.0, 1.0]).unwrap();
        let bins = Bins::fit(&x);
        assert_eq!(bins.n_bins(0), 3);
        assert_eq!(bins.codes(&x), vec![2, 0, 1, 0]);
        assert_eq!(bins.threshold(0, 0), 1.5);
        let many = Matrix::new(1000, 1, (0..1000).map(f64::from).collect()).unwrap();
        let bins = Bins::fit(&many);
        assert!(bins.n_bins(0) <= MAX_BINS);
        assert!(bins.n_bins(0) > 200);
    }

    #[test]
    fn a_separable_set_is_split_perfectly() {
        // y = 1 exactly when x0 > 0.5; x1 is noise.
        let rows: Vec<Vec<f64>> = (0..200)
            .map(|i| vec![f64::from(i) / 200.0, f64::from((i * 37) % 11)])
            .collect();
        let y: Vec<f64> = rows
            .iter()
            .map(|r| f64::from(u8::from(r[0] > 0.5)))
            .collect();
        let x = Matrix::from_rows(&rows).unwrap();
        let bins = Bins::fit(&x);
        let codes = bins.codes(&x);
        let data = BinnedData {
            bins: &bins,
            codes: &codes,
        };
        let w = vec![1.0; 200];
        let g: Vec<f64> = y.clone();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let tree =
            Grower::default().grow(&data, &g, &w, &w, (0..200).collect(), &config(1), &mut rng);
        assert_eq!(tree.nodes.len(), 3);
        for (row, label) in rows.iter().zip(&y) {
            assert_eq!(tree.predict_row(row), *label);
        }
    }
}
