//! The `mlp` family: hand-written multi-layer perceptrons (no crate has
//! one that builds lean for wasm32).
//!
//! * Inputs are standardised on the training rows; regression targets are
//!   standardised too (and un-scaled at prediction), so one learning rate
//!   suits returns of any size.
//! * Hidden layers use ReLU (He-uniform initialisation) or tanh
//!   (Glorot-uniform); the output is one sigmoid unit trained on log-loss
//!   for classification, one linear unit trained on squared loss for
//!   regression (Glorot-uniform).
//! * Training is Adam (learning rate 0.001, betas 0.9/0.999, eps 1e-8) on
//!   mini-batches of 200 rows shuffled each epoch by the seeded
//!   Xoshiro256++, with an L2 penalty `alpha / (2 n_batch) * |W|^2` on the
//!   weights (scikit-learn's convention). Training stops early when the
//!   loss on the chronological last 10 % of the training rows has not
//!   improved by 1e-4 for 10 epochs (at most 200 epochs); the weights of the
//!   best validation epoch are kept.
//! * `exp` and `tanh` come from `libm`, and every sum runs in a fixed order,
//!   so predictions are bit-identical natively and in wasm32.
//!
//! Also home to small helpers the sibling `clustering` and `ensemble`
//! modules share: input validation and uniform draws from the seeded
//! generator.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::models::linalg::{add_column_products, at_width, tiles};
use crate::models::{
    num, number, text, txt, CatalogEntry, Family, Matrix, Model, ModelError, Params, Standardizer,
    Task,
};

/// Hidden layer sizes, activations and L2 strengths of this family's
/// entries: `(hidden, activation, alpha)`.
const CONFIGS: [(&str, &str, f64); 7] = [
    ("16", "relu", 1e-4),
    ("32", "relu", 1e-4),
    ("32,16", "relu", 1e-4),
    ("64,32", "relu", 1e-4),
    ("32", "tanh", 1e-4),
    ("32,16", "tanh", 1e-4),
    ("32,16", "relu", 1.0),
];

/// This family's entries: each configuration as a classifier and as a
/// regressor, named `mlp_{clf|reg}_{activation}_{sizes}_alpha_{alpha}`.
pub fn entries() -> Vec<CatalogEntry> {
    let mut out = Vec::new();
    for task in [Task::Classification, Task::Regression] {
        for (hidden, activation, alpha) in CONFIGS {
            let prefix = if task == Task::Classification {
                "mlp_clf"
            } else {
                "mlp_reg"
            };
            let alpha_name = if alpha >= 1.0 { "1" } else { "0_0001" };
            let name = format!(
                "{prefix}_{activation}_{}_alpha_{alpha_name}",
                hidden.replace(',', "_")
            );
            let factory: crate::models::Factory = if task == Task::Classification {
                |p: &Params| {
                    Ok(Box::new(Mlp::from_params(Task::Classification, p)?) as Box<dyn Model>)
                }
            } else {
                |p: &Params| Ok(Box::new(Mlp::from_params(Task::Regression, p)?) as Box<dyn Model>)
            };
            out.push(CatalogEntry::new(
                &name,
                Family::Mlp,
                task,
                &[
                    ("hidden_layers", txt(hidden)),
                    ("activation", txt(activation)),
                    ("alpha", num(alpha)),
                ],
                "hand-written",
                factory,
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Shared helpers (also used by `clustering` and `ensemble`).

/// Checks that `x` and `y` are non-empty, aligned and finite.
pub(crate) fn check_training(x: &Matrix, y: &[f64]) -> Result<(), ModelError> {
    if x.rows() != y.len() {
        return Err(ModelError::Shape(format!(
            "{} rows of features but {} targets",
            x.rows(),
            y.len()
        )));
    }
    if x.rows() == 0 || x.cols() == 0 {
        return Err(ModelError::TooLittleData(format!(
            "{} rows x {} features",
            x.rows(),
            x.cols()
        )));
    }
    check_finite(x)?;
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(ModelError::Numerical(format!("target {i} is not finite")));
    }
    Ok(())
}

/// Checks that every value of `x` is finite.
pub(crate) fn check_finite(x: &Matrix) -> Result<(), ModelError> {
    if let Some(i) = x.as_slice().iter().position(|v| !v.is_finite()) {
        let cols = x.cols().max(1);
        return Err(ModelError::Numerical(format!(
            "feature {} of row {} is not finite",
            i % cols,
            i / cols
        )));
    }
    Ok(())
}

/// Checks that classification labels are 0.0 or 1.0.
pub(crate) fn check_labels(y: &[f64]) -> Result<(), ModelError> {
    if let Some(i) = y.iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(ModelError::Shape(format!(
            "label {i} is {}, expected 0 or 1",
            y[i]
        )));
    }
    Ok(())
}

/// Checks that prediction inputs have the trained width and are finite.
pub(crate) fn check_predict(x: &Matrix, cols: usize) -> Result<(), ModelError> {
    if x.cols() != cols {
        return Err(ModelError::Shape(format!(
            "trained on {cols} features, got {}",
            x.cols()
        )));
    }
    check_finite(x)
}

/// A uniform draw in `[0, 1)` with 53 random bits.
pub(crate) fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform index in `0..n` (`n > 0`), by rejection: no modulo bias.
pub(crate) fn index_below(rng: &mut Xoshiro256PlusPlus, n: usize) -> usize {
    let n = n as u64;
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let v = rng.next_u64();
        if v < zone {
            return (v % n) as usize;
        }
    }
}

/// Shuffles `items` in place (Fisher-Yates).
pub(crate) fn shuffle<T>(rng: &mut Xoshiro256PlusPlus, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = index_below(rng, i + 1);
        items.swap(i, j);
    }
}

/// Logistic function through `libm::exp`, stable for large |z|.
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + libm::exp(-z))
    } else {
        let e = libm::exp(z);
        e / (1.0 + e)
    }
}

// ---------------------------------------------------------------------------
// The network.

/// Hidden-layer activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// max(0, z), He-uniform initialisation.
    Relu,
    /// tanh(z), Glorot-uniform initialisation.
    Tanh,
}

/// Training settings of an [`Mlp`].
#[derive(Clone, Debug, PartialEq)]
pub struct MlpConfig {
    /// Classification (sigmoid output, log-loss) or regression (linear, squared).
    pub task: Task,
    /// Sizes of the hidden layers, input side first.
    pub hidden: Vec<usize>,
    /// Hidden activation.
    pub activation: Activation,
    /// L2 penalty on the weights.
    pub alpha: f64,
    /// Adam step size.
    pub learning_rate: f64,
    /// Rows per mini-batch (capped at the number of training rows).
    pub batch_size: usize,
    /// Most epochs.
    pub max_epochs: usize,
    /// Share of the training rows, taken from the end, used for early
    /// stopping; 0 trains on all rows for `max_epochs` epochs, stopping when
    /// the training loss stalls.
    pub validation_fraction: f64,
    /// Epochs without an improvement of `tol` before stopping.
    pub patience: usize,
    /// Smallest improvement of the monitored loss that counts.
    pub tol: f64,
}

impl MlpConfig {
    /// The defaults described in the module documentation.
    pub fn new(task: Task, hidden: Vec<usize>, activation: Activation, alpha: f64) -> MlpConfig {
        MlpConfig {
            task,
            hidden,
            activation,
            alpha,
            learning_rate: 1e-3,
            batch_size: 200,
            max_epochs: 200,
            validation_fraction: 0.1,
            patience: 10,
            tol: 1e-4,
        }
    }
}

/// One dense layer: `weights` is `outputs x inputs`, row-major.
#[derive(Clone, Debug, PartialEq)]
struct Layer {
    inputs: usize,
    outputs: usize,
    weights: Vec<f64>,
    bias: Vec<f64>,
    /// `weights` transposed (`inputs x outputs`), what [`forward`] reads:
    /// one input's weights to every output side by side, so the forward
    /// pass updates all outputs at once (a loop that vectorises) while each
    /// output's sum still runs over the inputs in order.
    by_input: Vec<f64>,
}

impl Layer {
    /// A layer from its `outputs x inputs` weights and its bias.
    fn new(inputs: usize, outputs: usize, weights: Vec<f64>, bias: Vec<f64>) -> Layer {
        let mut layer = Layer {
            inputs,
            outputs,
            weights,
            bias,
            by_input: vec![0.0; inputs * outputs],
        };
        layer.transpose_weights();
        layer
    }

    /// Copies `weights` into `by_input` (after every update).
    fn transpose_weights(&mut self) {
        for (o, w) in self.weights.chunks_exact(self.inputs).enumerate() {
            for (i, &v) in w.iter().enumerate() {
                self.by_input[i * self.outputs + o] = v;
            }
        }
    }
}

/// What training learned.
#[derive(Clone, Debug, PartialEq)]
struct Fitted {
    scaler: Standardizer,
    cols: usize,
    layers: Vec<Layer>,
    /// Regression target mean and scale (0 and 1 for classification).
    y_mean: f64,
    y_scale: f64,
}

/// A multi-layer perceptron classifier or regressor.
#[derive(Clone, Debug)]
pub struct Mlp {
    config: MlpConfig,
    fitted: Option<Fitted>,
    epochs_run: usize,
}

impl Mlp {
    /// An untrained network.
    pub fn new(config: MlpConfig) -> Result<Mlp, ModelError> {
        if matches!(config.task, Task::Clustering) {
            return Err(param("task", "an MLP classifies or regresses"));
        }
        if config.hidden.is_empty() || config.hidden.iter().any(|&h| h == 0 || h > 4096) {
            return Err(param("hidden_layers", "one or more sizes in 1..=4096"));
        }
        if !(config.alpha >= 0.0 && config.alpha.is_finite()) {
            return Err(param("alpha", "must be finite and >= 0"));
        }
        if !(config.learning_rate > 0.0 && config.learning_rate.is_finite()) {
            return Err(param("learning_rate", "must be finite and > 0"));
        }
        if config.batch_size == 0 || config.max_epochs == 0 {
            return Err(param("batch_size", "batch size and epochs must be > 0"));
        }
        if !(0.0..0.5).contains(&config.validation_fraction) {
            return Err(param("validation_fraction", "must be in [0, 0.5)"));
        }
        Ok(Mlp {
            config,
            fitted: None,
            epochs_run: 0,
        })
    }

    /// From catalog params `hidden_layers` ("32,16"), `activation`
    /// ("relu" | "tanh") and `alpha`.
    pub fn from_params(task: Task, params: &Params) -> Result<Mlp, ModelError> {
        let hidden = text(params, "hidden_layers")?
            .split(',')
            .map(|s| s.trim().parse::<usize>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| param("hidden_layers", "comma-separated sizes, e.g. 32,16"))?;
        let activation = match text(params, "activation")? {
            "relu" => Activation::Relu,
            "tanh" => Activation::Tanh,
            other => return Err(param("activation", &format!("relu or tanh, not {other}"))),
        };
        let alpha = number(params, "alpha")?;
        Mlp::new(MlpConfig::new(task, hidden, activation, alpha))
    }

    /// Epochs the last `fit` ran.
    pub fn epochs_run(&self) -> usize {
        self.epochs_run
    }

    /// Raw network outputs (standardised scale) for standardised rows.
    fn forward_rows(&self, fitted: &Fitted, z: &Matrix) -> Vec<f64> {
        let mut buf = Buffers::new(&fitted.layers, 1);
        (0..z.rows())
            .map(|i| {
                forward(
                    &fitted.layers,
                    self.config.activation,
                    z.row(i),
                    1,
                    &mut buf.acts,
                );
                buf.acts[fitted.layers.len()][0]
            })
            .collect()
    }
}

fn param(name: &str, reason: &str) -> ModelError {
    ModelError::Param {
        name: name.to_string(),
        reason: reason.to_string(),
    }
}

/// Activations per layer for a batch: `acts[0]` is the input,
/// `acts[l + 1]` the output of layer `l` (after its activation; the last is
/// the raw output before the sigmoid), and the back-propagated deltas.
struct Buffers {
    acts: Vec<Vec<f64>>,
    deltas: Vec<Vec<f64>>,
}

impl Buffers {
    fn new(layers: &[Layer], batch: usize) -> Buffers {
        let mut acts = vec![vec![0.0; batch * layers[0].inputs]];
        let mut deltas = Vec::new();
        for layer in layers {
            acts.push(vec![0.0; batch * layer.outputs]);
            deltas.push(vec![0.0; batch * layer.outputs]);
        }
        Buffers { acts, deltas }
    }
}

/// Forward pass of `batch` rows stored row-major in `input`; fills `acts`.
#[cfg_attr(target_arch = "wasm32", inline(never))]
fn forward(
    layers: &[Layer],
    activation: Activation,
    input: &[f64],
    batch: usize,
    acts: &mut [Vec<f64>],
) {
    acts[0][..input.len()].copy_from_slice(input);
    let last = layers.len() - 1;
    for (l, layer) in layers.iter().enumerate() {
        let (before, after) = acts.split_at_mut(l + 1);
        let a_in = &before[l];
        let a_out = &mut after[0];
        for r in 0..batch {
            let row = &a_in[r * layer.inputs..(r + 1) * layer.inputs];
            let out = &mut a_out[r * layer.outputs..(r + 1) * layer.outputs];
            // out[o] = bias[o] + x[0] w[o][0] + x[1] w[o][1] + ..., summed
            // in that order.
            out.copy_from_slice(&layer.bias);
            for (start, width) in tiles(layer.outputs) {
                let weights = (&layer.by_input[..], layer.outputs);
                at_width!(width, add_column_products((row, 1), 0, weights, start, out));
            }
            if l != last {
                for o in out.iter_mut() {
                    *o = match activation {
                        // A compare and select, not `f64::max`: in wasm that
                        // is a call to `fmax` for every unit (and which zero
                        // it returns for -0.0 is unspecified; this gives
                        // +0.0 on both targets).
                        Activation::Relu => {
                            if *o > 0.0 {
                                *o
                            } else {
                                0.0
                            }
                        }
                        Activation::Tanh => libm::tanh(*o),
                    };
                }
            }
        }
    }
}

/// Back-propagation of one mini-batch of `b` rows: fills `grads` (weights,
/// bias per layer, with the L2 term `reg * w`) from the output deltas in
/// `buf.deltas` and the activations of the forward pass. Not inlined in
/// wasm, so V8 optimises it mid-fit (ARCHITECTURE.md, "Hot loops in wasm").
#[cfg_attr(target_arch = "wasm32", inline(never))]
fn backward(
    layers: &[Layer],
    activation: Activation,
    reg: f64,
    b: usize,
    buf: &mut Buffers,
    grads: &mut [(Vec<f64>, Vec<f64>)],
) {
    for l in (0..layers.len()).rev() {
        let layer = &layers[l];
        let (gw, gb) = &mut grads[l];
        gw.fill(0.0);
        gb.fill(0.0);
        let a_in = &buf.acts[l][..b * layer.inputs];
        let delta = &buf.deltas[l][..b * layer.outputs];
        for d_row in delta.chunks_exact(layer.outputs) {
            for (gbo, &d) in gb.iter_mut().zip(d_row) {
                *gbo += d;
            }
        }
        // gw[o][i]: the sum over the rows of delta[k][o] * a_in[k][i]. A
        // zero delta (a ReLU unit that was off) adds a zero, which leaves
        // every sum as it was.
        for (o, g) in gw.chunks_exact_mut(layer.inputs).enumerate() {
            for (start, width) in tiles(layer.inputs) {
                let (left, right) = ((delta, layer.outputs), (a_in, layer.inputs));
                at_width!(width, add_column_products(left, o, right, start, g));
            }
        }
        for (g, w) in gw.iter_mut().zip(&layer.weights) {
            *g += reg * w;
        }
        if l > 0 {
            let (lower, upper) = buf.deltas.split_at_mut(l);
            let delta = &upper[0];
            let prev = &mut lower[l - 1];
            prev[..b * layer.inputs].fill(0.0);
            for k in 0..b {
                let d_row = &delta[k * layer.outputs..(k + 1) * layer.outputs];
                let p_row = &mut prev[k * layer.inputs..(k + 1) * layer.inputs];
                // p[i] = d[0] w[0][i] + d[1] w[1][i] + ..., in output order.
                for (start, width) in tiles(layer.inputs) {
                    let weights = (&layer.weights[..], layer.inputs);
                    at_width!(
                        width,
                        add_column_products((d_row, 1), 0, weights, start, p_row)
                    );
                }
                // Through the activation of layer l - 1's output.
                let a_row = &a_in[k * layer.inputs..(k + 1) * layer.inputs];
                for (p, a) in p_row.iter_mut().zip(a_row) {
                    *p *= match activation {
                        Activation::Relu => {
                            if *a > 0.0 {
                                1.0
                            } else {
                                0.0
                            }
                        }
                        Activation::Tanh => 1.0 - a * a,
                    };
                }
            }
        }
    }
}

/// One Adam update of every layer's weights and bias from `grads`.
#[cfg_attr(target_arch = "wasm32", inline(never))]
fn adam_step(
    layers: &mut [Layer],
    grads: &[(Vec<f64>, Vec<f64>)],
    adam: &mut Adam,
    learning_rate: f64,
) {
    adam.beta1_t *= BETA1;
    adam.beta2_t *= BETA2;
    let step = learning_rate * (1.0 - adam.beta2_t).sqrt() / (1.0 - adam.beta1_t);
    for (l, layer) in layers.iter_mut().enumerate() {
        let (gw, gb) = &grads[l];
        for (params, grad, slot) in [
            (&mut layer.weights, gw, 2 * l),
            (&mut layer.bias, gb, 2 * l + 1),
        ] {
            let (m, v) = (&mut adam.m[slot], &mut adam.v[slot]);
            for (((p, g), mi), vi) in params
                .iter_mut()
                .zip(grad)
                .zip(m.iter_mut())
                .zip(v.iter_mut())
            {
                *mi = BETA1 * *mi + (1.0 - BETA1) * g;
                *vi = BETA2 * *vi + (1.0 - BETA2) * g * g;
                *p -= step * *mi / (vi.sqrt() + EPS);
            }
        }
        layer.transpose_weights();
    }
}

/// Mean loss of rows `z` (standardised) against targets `t` (0/1 or
/// standardised returns), without the penalty.
fn data_loss(
    layers: &[Layer],
    activation: Activation,
    task: Task,
    z: &Matrix,
    t: &[f64],
    buf: &mut Buffers,
) -> f64 {
    let mut total = 0.0;
    let last = layers.len();
    for (i, target) in t.iter().enumerate() {
        forward(layers, activation, z.row(i), 1, &mut buf.acts);
        total += pointwise_loss(task, buf.acts[last][0], *target);
    }
    total / t.len().max(1) as f64
}

/// Log-loss of a logit or half squared error of an output.
fn pointwise_loss(task: Task, out: f64, target: f64) -> f64 {
    if task == Task::Classification {
        // log(1 + e^out) - target * out, computed stably.
        let softplus = if out > 0.0 {
            out + libm::log1p(libm::exp(-out))
        } else {
            libm::log1p(libm::exp(out))
        };
        softplus - target * out
    } else {
        0.5 * (out - target) * (out - target)
    }
}

/// Adam moments for every parameter, in layer order (weights then bias).
struct Adam {
    m: Vec<Vec<f64>>,
    v: Vec<Vec<f64>>,
    beta1_t: f64,
    beta2_t: f64,
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

impl Model for Mlp {
    fn fit(&mut self, x: &Matrix, y: &[f64], seed: u64) -> Result<(), ModelError> {
        self.fitted = None;
        check_training(x, y)?;
        let cfg = self.config.clone();
        let n = x.rows();
        let (y_mean, y_scale) = if cfg.task == Task::Classification {
            check_labels(y)?;
            let ups = y.iter().filter(|&&v| v == 1.0).count();
            if ups == 0 || ups == n {
                return Err(ModelError::TooLittleData(
                    "the training labels hold a single class".into(),
                ));
            }
            (0.0, 1.0)
        } else {
            let mean = y.iter().sum::<f64>() / n as f64;
            let var = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
            let sd = var.sqrt();
            (mean, if sd > 1e-300 { sd } else { 1.0 })
        };
        let targets: Vec<f64> = y.iter().map(|v| (v - y_mean) / y_scale).collect();

        let n_val = if cfg.validation_fraction > 0.0 && n >= 20 {
            ((n as f64 * cfg.validation_fraction).ceil() as usize).max(1)
        } else {
            0
        };
        let n_train = n - n_val;
        // Statistics from the rows the network trains on, not the tail.
        let scaler = Standardizer::fit(&x.slice_rows(0, n_train));
        let z = scaler.transform(x);
        let z_train = z.slice_rows(0, n_train);
        let z_val = z.slice_rows(n_train, n);
        let t_train = &targets[..n_train];
        let t_val = &targets[n_train..];

        // Initialisation.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut sizes = vec![x.cols()];
        sizes.extend(&cfg.hidden);
        sizes.push(1);
        let mut layers = Vec::with_capacity(sizes.len() - 1);
        for w in sizes.windows(2) {
            let (fan_in, fan_out) = (w[0], w[1]);
            let is_output = layers.len() == sizes.len() - 2;
            let bound = if !is_output && cfg.activation == Activation::Relu {
                (6.0 / fan_in as f64).sqrt()
            } else if is_output && cfg.task == Task::Classification {
                (2.0 / (fan_in + fan_out) as f64).sqrt()
            } else {
                (6.0 / (fan_in + fan_out) as f64).sqrt()
            };
            let mut weights = vec![0.0; fan_in * fan_out];
            for v in weights.iter_mut() {
                *v = (2.0 * uniform(&mut rng) - 1.0) * bound;
            }
            let mut bias = vec![0.0; fan_out];
            for v in bias.iter_mut() {
                *v = (2.0 * uniform(&mut rng) - 1.0) * bound;
            }
            layers.push(Layer::new(fan_in, fan_out, weights, bias));
        }

        let batch_size = cfg.batch_size.min(n_train);
        let mut buf = Buffers::new(&layers, batch_size);
        let mut eval_buf = Buffers::new(&layers, 1);
        let mut grads: Vec<(Vec<f64>, Vec<f64>)> = layers
            .iter()
            .map(|l| (vec![0.0; l.weights.len()], vec![0.0; l.bias.len()]))
            .collect();
        let mut adam = Adam {
            m: layers
                .iter()
                .flat_map(|l| [vec![0.0; l.weights.len()], vec![0.0; l.bias.len()]])
                .collect(),
            v: layers
                .iter()
                .flat_map(|l| [vec![0.0; l.weights.len()], vec![0.0; l.bias.len()]])
                .collect(),
            beta1_t: 1.0,
            beta2_t: 1.0,
        };
        let mut order: Vec<usize> = (0..n_train).collect();
        let mut input = vec![0.0; batch_size * x.cols()];
        let mut batch_t = vec![0.0; batch_size];
        let mut best_loss = f64::INFINITY;
        let mut best_layers = layers.clone();
        let mut stale = 0;
        let mut epochs = 0;
        let last = layers.len() - 1;

        for _epoch in 0..cfg.max_epochs {
            epochs += 1;
            shuffle(&mut rng, &mut order);
            let mut epoch_loss = 0.0;
            for chunk in order.chunks(batch_size) {
                let b = chunk.len();
                for (k, &i) in chunk.iter().enumerate() {
                    input[k * x.cols()..(k + 1) * x.cols()].copy_from_slice(z_train.row(i));
                    batch_t[k] = t_train[i];
                }
                forward(
                    &layers,
                    cfg.activation,
                    &input[..b * x.cols()],
                    b,
                    &mut buf.acts,
                );
                // Output delta: d loss / d output, per row, divided by b.
                let inv_b = 1.0 / b as f64;
                for (k, &target) in batch_t.iter().enumerate().take(b) {
                    let out = buf.acts[last + 1][k];
                    epoch_loss += pointwise_loss(cfg.task, out, target);
                    let pred = if cfg.task == Task::Classification {
                        sigmoid(out)
                    } else {
                        out
                    };
                    buf.deltas[last][k] = (pred - target) * inv_b;
                }
                backward(
                    &layers,
                    cfg.activation,
                    cfg.alpha * inv_b,
                    b,
                    &mut buf,
                    &mut grads,
                );
                adam_step(&mut layers, &grads, &mut adam, cfg.learning_rate);
            }
            let monitored = if n_val > 0 {
                data_loss(
                    &layers,
                    cfg.activation,
                    cfg.task,
                    &z_val,
                    t_val,
                    &mut eval_buf,
                )
            } else {
                epoch_loss / n_train as f64
            };
            if !monitored.is_finite() {
                return Err(ModelError::Numerical(
                    "the MLP's loss diverged to a non-finite value".into(),
                ));
            }
            if monitored < best_loss - cfg.tol {
                best_loss = monitored;
                best_layers.clone_from(&layers);
                stale = 0;
            } else {
                if monitored < best_loss {
                    best_loss = monitored;
                    best_layers.clone_from(&layers);
                }
                stale += 1;
                if stale >= cfg.patience {
                    break;
                }
            }
        }
        if best_layers
            .iter()
            .any(|l| l.weights.iter().chain(&l.bias).any(|v| !v.is_finite()))
        {
            return Err(ModelError::Numerical("the MLP's weights diverged".into()));
        }
        self.epochs_run = epochs;
        self.fitted = Some(Fitted {
            scaler,
            cols: x.cols(),
            layers: best_layers,
            y_mean,
            y_scale,
        });
        Ok(())
    }

    fn predict(&self, x: &Matrix) -> Result<Vec<f64>, ModelError> {
        let fitted = self.fitted.as_ref().ok_or(ModelError::NotTrained)?;
        check_predict(x, fitted.cols)?;
        let z = fitted.scaler.transform(x);
        let raw = self.forward_rows(fitted, &z);
        Ok(if self.config.task == Task::Classification {
            raw.into_iter()
                .map(|o| if o > 0.0 { 1.0 } else { 0.0 })
                .collect()
        } else {
            raw.into_iter()
                .map(|o| fitted.y_mean + fitted.y_scale * o)
                .collect()
        })
    }

    fn predict_proba(&self, x: &Matrix) -> Result<Option<Vec<f64>>, ModelError> {
        if self.config.task != Task::Classification {
            return Ok(None);
        }
        let fitted = self.fitted.as_ref().ok_or(ModelError::NotTrained)?;
        check_predict(x, fitted.cols)?;
        let z = fitted.scaler.transform(x);
        Ok(Some(
            self.forward_rows(fitted, &z)
                .into_iter()
                .map(sigmoid)
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xor_data(n: usize, seed: u64) -> (Matrix, Vec<f64>) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for _ in 0..n {
            let a = 2.0 * uniform(&mut rng) - 1.0;
            let b = 2.0 * uniform(&mut rng) - 1.0;
            rows.push(vec![a, b]);
            y.push(if (a > 0.0) != (b > 0.0) { 1.0 } else { 0.0 });
        }
        (Matrix::from_rows(&rows).unwrap(), y)
    }

    #[test]
    fn learns_xor() {
        let (x, y) = xor_data(800, 1);
        let mut cfg = MlpConfig::new(Task::Classification, vec![16], Activation::Tanh, 1e-4);
        cfg.learning_rate = 0.01;
        cfg.batch_size = 32;
        let mut model = Mlp::new(cfg).unwrap();
        model.fit(&x, &y, 7).unwrap();
        let (xt, yt) = xor_data(400, 2);
        let pred = model.predict(&xt).unwrap();
        let acc = pred.iter().zip(&yt).filter(|(a, b)| a == b).count() as f64 / 400.0;
        assert!(acc > 0.93, "XOR accuracy {acc}");
        let proba = model.predict_proba(&xt).unwrap().unwrap();
        assert!(proba.iter().all(|p| (0.0..=1.0).contains(p)));
    }

    #[test]
    fn regression_recovers_a_line() {
        let rows: Vec<Vec<f64>> = (0..400).map(|i| vec![i as f64 / 100.0 - 2.0]).collect();
        let y: Vec<f64> = rows.iter().map(|r| 2.0 * r[0] + 1.0).collect();
        let x = Matrix::from_rows(&rows).unwrap();
        let mut cfg = MlpConfig::new(Task::Regression, vec![16], Activation::Relu, 0.0);
        cfg.learning_rate = 0.01;
        cfg.batch_size = 32;
        cfg.validation_fraction = 0.0;
        cfg.tol = 1e-9;
        let mut model = Mlp::new(cfg).unwrap();
        model.fit(&x, &y, 3).unwrap();
        let probe = Matrix::from_rows(&[vec![-1.0], vec![0.0], vec![1.0]]).unwrap();
        let pred = model.predict(&probe).unwrap();
        for (p, want) in pred.iter().zip([-1.0, 1.0, 3.0]) {
            assert!((p - want).abs() < 0.05, "{p} vs {want}");
        }
    }

    #[test]
    fn deterministic_and_seeded() {
        let (x, y) = xor_data(300, 4);
        let entry = entries()
            .into_iter()
            .find(|e| e.spec.name == "mlp_clf_relu_32_16_alpha_0_0001")
            .unwrap();
        let mut a = entry.build().unwrap();
        let mut b = entry.build().unwrap();
        a.fit(&x, &y, 11).unwrap();
        b.fit(&x, &y, 11).unwrap();
        assert_eq!(a.predict_proba(&x).unwrap(), b.predict_proba(&x).unwrap());
        b.fit(&x, &y, 12).unwrap();
        assert_ne!(a.predict_proba(&x).unwrap(), b.predict_proba(&x).unwrap());
    }

    #[test]
    fn bad_inputs_are_errors() {
        let x = Matrix::from_rows(&[vec![1.0], vec![2.0], vec![3.0]]).unwrap();
        let mut model = Mlp::from_params(Task::Classification, &entries()[0].spec.params).unwrap();
        assert_eq!(model.predict(&x), Err(ModelError::NotTrained));
        assert!(matches!(
            model.fit(&x, &[1.0, 1.0], 0),
            Err(ModelError::Shape(_))
        ));
        assert!(matches!(
            model.fit(&x, &[1.0, 1.0, 1.0], 0),
            Err(ModelError::TooLittleData(_))
        ));
        assert!(model.fit(&x, &[1.0, 0.5, 0.0], 0).is_err());
        let nan = Matrix::from_rows(&[vec![f64::NAN], vec![2.0], vec![3.0]]).unwrap();
        assert!(model.fit(&nan, &[1.0, 0.0, 1.0], 0).is_err());
        assert!(matches!(
            model.fit(&Matrix::zeros(0, 1), &[], 0),
            Err(ModelError::TooLittleData(_))
        ));
        // Constant columns and one row train without panicking.
        let flat = Matrix::from_rows(&[vec![5.0], vec![5.0]]).unwrap();
        model.fit(&flat, &[0.0, 1.0], 0).unwrap();
        assert!(model.predict(&Matrix::zeros(2, 2)).is_err());
        assert_eq!(model.predict(&flat).unwrap().len(), 2);
        let mut reg = Mlp::from_params(Task::Regression, &entries()[8].spec.params).unwrap();
        reg.fit(&Matrix::from_rows(&[vec![1.0]]).unwrap(), &[0.5], 0)
            .unwrap();
        assert!(Mlp::from_params(Task::Regression, &Params::new()).is_err());
    }

    #[test]
    fn entries_are_many_and_buildable() {
        let all = entries();
        assert!(all.len() >= 12);
        for e in &all {
            e.build().unwrap();
        }
    }
}
