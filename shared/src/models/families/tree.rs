//! CART decision trees with exact thresholds, as scikit-learn grows them:
//! classification by Gini or entropy, regression by squared error, splits
//! at midpoints between consecutive distinct sorted values. Grown level by
//! level over feature orders sorted once per fit, so AdaBoost and bagging
//! can refit with new sample weights without sorting again. Hand-written.
//! It must not use randomness: with every feature a candidate, the tree is
//! a function of the data alone.

use crate::models::families::hist::{self, FlatTree, Node};
use crate::models::{
    num, number, txt, CatalogEntry, Family, Matrix, Model, ModelError, Params, Task,
};

/// This family's entries.
pub fn entries() -> Vec<CatalogEntry> {
    let mut out = Vec::new();
    let clf: [(&str, &str, Option<f64>, f64); 6] = [
        ("decision_tree_clf_gini_depth3", "gini", Some(3.0), 1.0),
        ("decision_tree_clf_gini_depth5", "gini", Some(5.0), 1.0),
        (
            "decision_tree_clf_gini_depth8_leaf20",
            "gini",
            Some(8.0),
            20.0,
        ),
        ("decision_tree_clf_gini_leaf50", "gini", None, 50.0),
        (
            "decision_tree_clf_entropy_depth5",
            "entropy",
            Some(5.0),
            1.0,
        ),
        (
            "decision_tree_clf_entropy_depth8_leaf20",
            "entropy",
            Some(8.0),
            20.0,
        ),
    ];
    let reg: [(&str, &str, Option<f64>, f64); 4] = [
        ("decision_tree_reg_mse_depth3", "mse", Some(3.0), 1.0),
        ("decision_tree_reg_mse_depth5", "mse", Some(5.0), 1.0),
        (
            "decision_tree_reg_mse_depth8_leaf20",
            "mse",
            Some(8.0),
            20.0,
        ),
        ("decision_tree_reg_mse_leaf50", "mse", None, 50.0),
    ];
    for (task, list) in [
        (Task::Classification, &clf[..]),
        (Task::Regression, &reg[..]),
    ] {
        for &(name, criterion, depth, leaf) in list {
            let mut params = vec![
                ("criterion", txt(criterion)),
                ("min_samples_leaf", num(leaf)),
            ];
            if let Some(depth) = depth {
                params.push(("max_depth", num(depth)));
            }
            out.push(CatalogEntry::new(
                name,
                Family::DecisionTree,
                task,
                &params,
                "hand-written",
                |p: &Params| Ok(Box::new(DecisionTree::from_params(p)?) as Box<dyn Model>),
            ));
        }
    }
    out
}

/// Reads an optional numeric parameter.
pub(crate) fn optional(params: &Params, name: &str) -> Result<Option<f64>, ModelError> {
    if params.contains_key(name) {
        number(params, name).map(Some)
    } else {
        Ok(None)
    }
}

/// A positive whole-number parameter.
pub(crate) fn count(params: &Params, name: &str) -> Result<usize, ModelError> {
    let v = number(params, name)?;
    if v < 1.0 || v.fract() != 0.0 || v > 1e9 {
        return Err(ModelError::Param {
            name: name.into(),
            reason: format!("expected a whole number >= 1, got {v}"),
        });
    }
    Ok(v as usize)
}

/// Optional maximum depth (`None`: unlimited).
pub(crate) fn max_depth(params: &Params) -> Result<usize, ModelError> {
    match optional(params, "max_depth")? {
        None => Ok(usize::MAX),
        Some(_) => count(params, "max_depth"),
    }
}

/// What a CART node minimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Criterion {
    /// Gini impurity (classification).
    Gini,
    /// Shannon entropy in bits (classification).
    Entropy,
    /// Squared error (regression).
    Mse,
}

impl Criterion {
    /// Whether it is a classification criterion.
    pub fn is_classification(self) -> bool {
        self != Criterion::Mse
    }
}

/// Growth limits of a CART tree.
#[derive(Clone, Copy, Debug)]
pub struct CartConfig {
    /// Impurity measure.
    pub criterion: Criterion,
    /// Deepest level (root 0); `usize::MAX` for none.
    pub max_depth: usize,
    /// Fewest training rows in a leaf.
    pub min_samples_leaf: usize,
}

/// A CART decision tree (classifier or regressor).
#[derive(Clone, Debug)]
pub struct DecisionTree {
    config: CartConfig,
    tree: Option<FlatTree>,
    n_features: usize,
}

impl DecisionTree {
    /// An untrained tree.
    pub fn new(config: CartConfig) -> DecisionTree {
        DecisionTree {
            config,
            tree: None,
            n_features: 0,
        }
    }

    /// From catalog params `criterion`, `min_samples_leaf`, optional `max_depth`.
    pub fn from_params(params: &Params) -> Result<DecisionTree, ModelError> {
        let criterion = match crate::models::text(params, "criterion")? {
            "gini" => Criterion::Gini,
            "entropy" => Criterion::Entropy,
            "mse" => Criterion::Mse,
            other => {
                return Err(ModelError::Param {
                    name: "criterion".into(),
                    reason: format!("unknown criterion {other}"),
                })
            }
        };
        Ok(DecisionTree::new(CartConfig {
            criterion,
            max_depth: max_depth(params)?,
            min_samples_leaf: count(params, "min_samples_leaf")?,
        }))
    }
}

impl Model for DecisionTree {
    fn fit(&mut self, x: &Matrix, y: &[f64], _seed: u64) -> Result<(), ModelError> {
        self.tree = None;
        let data = Presorted::new(x, y)?;
        if self.config.criterion.is_classification() {
            check_two_classes(y)?;
        }
        let w = vec![1.0; y.len()];
        self.tree = Some(data.grow(&w, &self.config));
        self.n_features = x.cols();
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let tree = self.tree.as_ref().ok_or(ModelError::NotTrained)?;
        hist::check_predict(x, self.n_features)?;
        let classify = self.config.criterion.is_classification();
        Ok(x.iter_rows()
            .map(|row| {
                let v = tree.predict_row(row);
                if classify {
                    label(v)
                } else {
                    v
                }
            })
            .collect())
    }

    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        let tree = self.tree.as_ref().ok_or(ModelError::NotTrained)?;
        hist::check_predict(x, self.n_features)?;
        if !self.config.criterion.is_classification() {
            return Ok(None);
        }
        Ok(Some(
            x.iter_rows().map(|row| tree.predict_row(row)).collect(),
        ))
    }
}

/// The class of P(1) = `p`: 1 only when strictly more likely (ties go to 0,
/// as scikit-learn's argmax does).
pub(crate) fn label(p: f64) -> f64 {
    if p > 0.5 {
        1.0
    } else {
        0.0
    }
}

/// Fails unless the labels are 0/1 and both classes occur.
pub(crate) fn check_two_classes(y: &[f64]) -> Result<(), ModelError> {
    hist::check_labels(y)?;
    let ones = y.iter().filter(|&&v| v == 1.0).count();
    if ones == 0 || ones == y.len() {
        return Err(ModelError::TooLittleData(
            "classification needs both classes in the training labels".into(),
        ));
    }
    Ok(())
}

/// Marks a row outside every open node.
const NONE: u32 = u32::MAX;

/// scikit-learn's `FEATURE_THRESHOLD`: values closer than this are one value.
const FEATURE_THRESHOLD: f64 = 1e-7;

/// A training set with each feature's row order sorted once, ready for
/// repeated fits with different sample weights.
pub(crate) struct Presorted<'a> {
    x: &'a Matrix,
    y: &'a [f64],
    /// `order[f]`: row indices sorted by feature `f` (stable).
    order: Vec<Vec<u32>>,
}

/// Sums of one side of a split: weight, weighted target (or weight of
/// class 1), and row count.
#[derive(Clone, Copy, Debug, Default)]
struct Side {
    w: f64,
    s: f64,
    /// Weighted sum of squared targets (kept for node totals only).
    q: f64,
    n: usize,
}

/// An open node of the current level.
#[derive(Clone, Copy, Debug)]
struct Open {
    node: usize,
    depth: usize,
    total: Side,
}

/// Running state of one open node during one feature's pass.
#[derive(Clone, Copy, Debug)]
struct Scan {
    left: Side,
    last: f64,
    best_proxy: f64,
    best: Option<(usize, f64)>,
}

impl<'a> Presorted<'a> {
    /// Checks the data and sorts each feature.
    pub(crate) fn new(x: &'a Matrix, y: &'a [f64]) -> Result<Presorted<'a>, ModelError> {
        hist::check_training(x, y)?;
        let order = (0..x.cols())
            .map(|f| {
                let mut idx: Vec<u32> = (0..x.rows() as u32).collect();
                idx.sort_by(|&a, &b| x.get(a as usize, f).total_cmp(&x.get(b as usize, f)));
                idx
            })
            .collect();
        Ok(Presorted { x, y, order })
    }

    /// Grows one tree with sample weights `w` (rows of weight 0 are left
    /// out).
    pub(crate) fn grow(&self, w: &[f64], config: &CartConfig) -> FlatTree {
        let n = self.x.rows();
        let p = self.x.cols();
        let criterion = config.criterion;
        let mut slot = vec![NONE; n];
        let mut total = Side::default();
        for r in 0..n {
            if w[r] > 0.0 {
                slot[r] = 0;
                total.w += w[r];
                total.s += w[r] * self.y[r];
                total.q += w[r] * self.y[r] * self.y[r];
                total.n += 1;
            }
        }
        let mut nodes = vec![Node::leaf(leaf_value(total))];
        let mut open = Vec::new();
        if total.n > 0 && self.splittable(total, 0, config) {
            open.push(Open {
                node: 0,
                depth: 0,
                total,
            });
        } else {
            slot.fill(NONE);
        }
        let mut scans: Vec<Scan> = Vec::new();
        while !open.is_empty() {
            // Best split of every open node: (proxy, feature, threshold).
            let mut best: Vec<Option<(f64, usize, f64)>> = vec![None; open.len()];
            for f in 0..p {
                scans.clear();
                scans.extend(open.iter().map(|_| Scan {
                    left: Side::default(),
                    last: f64::NAN,
                    best_proxy: f64::NEG_INFINITY,
                    best: None,
                }));
                for &r in &self.order[f] {
                    let r = r as usize;
                    let k = slot[r];
                    if k == NONE {
                        continue;
                    }
                    let k = k as usize;
                    let value = self.x.get(r, f);
                    let scan = &mut scans[k];
                    let tot = open[k].total;
                    if scan.left.n >= config.min_samples_leaf
                        && tot.n - scan.left.n >= config.min_samples_leaf
                        && value > scan.last + FEATURE_THRESHOLD
                    {
                        let right = Side {
                            w: tot.w - scan.left.w,
                            s: tot.s - scan.left.s,
                            q: 0.0,
                            n: tot.n - scan.left.n,
                        };
                        let proxy = proxy(criterion, scan.left, right);
                        if proxy > scan.best_proxy {
                            scan.best_proxy = proxy;
                            scan.best = Some((f, hist::midpoint(scan.last, value)));
                        }
                    }
                    scan.left.w += w[r];
                    scan.left.s += w[r] * self.y[r];
                    scan.left.n += 1;
                    scan.last = value;
                }
                for (k, scan) in scans.iter().enumerate() {
                    if let Some((feature, threshold)) = scan.best {
                        if best[k].is_none_or(|(b, _, _)| scan.best_proxy > b) {
                            best[k] = Some((scan.best_proxy, feature, threshold));
                        }
                    }
                }
            }
            // Split the open nodes; children become the next level.
            let mut children: Vec<[usize; 2]> = vec![[usize::MAX; 2]; open.len()];
            for (k, choice) in best.iter().enumerate() {
                if let Some((_, feature, threshold)) = *choice {
                    let left = nodes.len();
                    nodes.push(Node::leaf(0.0));
                    nodes.push(Node::leaf(0.0));
                    let node = &mut nodes[open[k].node];
                    node.feature = feature as u32;
                    node.threshold = threshold;
                    node.left = left as u32;
                    node.right = (left + 1) as u32;
                    children[k] = [left, left + 1];
                }
            }
            let mut sides: Vec<[Side; 2]> = vec![[Side::default(); 2]; open.len()];
            let mut side_of = vec![0u8; n];
            for r in 0..n {
                let k = slot[r];
                if k == NONE {
                    continue;
                }
                let k = k as usize;
                match best[k] {
                    None => slot[r] = NONE,
                    Some((_, feature, threshold)) => {
                        let side = usize::from(self.x.get(r, feature) > threshold);
                        side_of[r] = side as u8;
                        let s = &mut sides[k][side];
                        s.w += w[r];
                        s.s += w[r] * self.y[r];
                        s.q += w[r] * self.y[r] * self.y[r];
                        s.n += 1;
                    }
                }
            }
            let mut next = Vec::new();
            let mut next_slot: Vec<[u32; 2]> = vec![[NONE; 2]; open.len()];
            for k in 0..open.len() {
                if best[k].is_none() {
                    continue;
                }
                for side in 0..2 {
                    let child = children[k][side];
                    let total = sides[k][side];
                    nodes[child].value = leaf_value(total);
                    let depth = open[k].depth + 1;
                    if self.splittable(total, depth, config) {
                        next_slot[k][side] = next.len() as u32;
                        next.push(Open {
                            node: child,
                            depth,
                            total,
                        });
                    }
                }
            }
            for r in 0..n {
                let k = slot[r];
                if k != NONE {
                    slot[r] = next_slot[k as usize][side_of[r] as usize];
                }
            }
            open = next;
        }
        FlatTree { nodes }
    }

    /// scikit-learn's stopping rules, with impurity above machine epsilon.
    fn splittable(&self, total: Side, depth: usize, config: &CartConfig) -> bool {
        if depth >= config.max_depth
            || total.n < 2
            || total.n < 2 * config.min_samples_leaf
            || total.w <= 0.0
        {
            return false;
        }
        impurity(config.criterion, total) > f64::EPSILON
    }
}

/// A node's prediction: P(1) or the weighted mean.
fn leaf_value(total: Side) -> f64 {
    if total.w > 0.0 {
        total.s / total.w
    } else {
        0.0
    }
}

/// Impurity of a node.
fn impurity(criterion: Criterion, side: Side) -> f64 {
    match criterion {
        Criterion::Gini => {
            let (c1, c0) = (side.s, side.w - side.s);
            1.0 - (c0 * c0 + c1 * c1) / (side.w * side.w)
        }
        Criterion::Entropy => {
            let mut e = 0.0;
            for c in [side.w - side.s, side.s] {
                if c > 0.0 {
                    let q = c / side.w;
                    e -= q * libm::log(q) / core::f64::consts::LN_2;
                }
            }
            e
        }
        Criterion::Mse => {
            let mean = side.s / side.w;
            side.q / side.w - mean * mean
        }
    }
}

/// scikit-learn's proxy impurity improvement (larger is better).
fn proxy(criterion: Criterion, left: Side, right: Side) -> f64 {
    match criterion {
        Criterion::Mse => left.s * left.s / left.w + right.s * right.s / right.w,
        _ => -right.w * impurity(criterion, right) - left.w * impurity(criterion, left),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_separable_set_is_split_perfectly() {
        let x = Matrix::new(
            6,
            2,
            vec![1.0, 9.0, 2.0, 8.0, 3.0, 7.0, 4.0, 6.0, 5.0, 5.0, 6.0, 4.0],
        )
        .unwrap();
        let y = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let mut tree = DecisionTree::new(CartConfig {
            criterion: Criterion::Gini,
            max_depth: usize::MAX,
            min_samples_leaf: 1,
        });
        tree.fit(&x, &y, 0).unwrap();
        assert_eq!(tree.predict(&x).unwrap(), y.to_vec());
        let t = tree.tree.as_ref().unwrap();
        assert_eq!(t.nodes.len(), 3);
        assert_eq!(t.nodes[0].feature, 0);
        assert_eq!(t.nodes[0].threshold, 3.5);
    }

    #[test]
    fn regression_leaf_means_and_depth_limit() {
        let x = Matrix::new(4, 1, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let y = [1.0, 1.0, 5.0, 7.0];
        let mut tree = DecisionTree::new(CartConfig {
            criterion: Criterion::Mse,
            max_depth: 1,
            min_samples_leaf: 1,
        });
        tree.fit(&x, &y, 0).unwrap();
        assert_eq!(tree.predict(&x).unwrap(), vec![1.0, 1.0, 6.0, 6.0]);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let mut tree = DecisionTree::from_params(&entries()[0].spec.params).unwrap();
        let x = Matrix::new(2, 1, vec![1.0, f64::NAN]).unwrap();
        assert!(tree.fit(&x, &[0.0, 1.0], 0).is_err());
        let x = Matrix::new(2, 1, vec![1.0, 2.0]).unwrap();
        assert!(tree.fit(&x, &[1.0, 1.0], 0).is_err());
        assert!(tree.fit(&x, &[1.0], 0).is_err());
        assert!(tree.fit(&Matrix::zeros(0, 1), &[], 0).is_err());
        assert_eq!(tree.predict(&x), Err(ModelError::NotTrained));
        tree.fit(&x, &[0.0, 1.0], 0).unwrap();
        assert!(tree.predict(&Matrix::zeros(1, 3)).is_err());
    }
}
