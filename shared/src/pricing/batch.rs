//! Batch pricing over slices (structure of arrays): many options that share
//! rate, dividend yield and kind, as a heatmap or a chain needs them. Inputs
//! are assumed already validated by the caller (positive spots, strikes,
//! times and volatilities).

use super::bsm;
use super::fastmath;
use super::inputs::{OptionKind, OptionParams};

/// Columns of a batch of European options that share carry and kind.
#[derive(Clone, Copy, Debug)]
pub struct BatchInputs<'a> {
    /// Spot of each option.
    pub spots: &'a [f64],
    /// Strike of each option.
    pub strikes: &'a [f64],
    /// Years to expiry of each option.
    pub years: &'a [f64],
    /// Volatility of each option.
    pub volatilities: &'a [f64],
    /// Shared risk-free rate.
    pub rate: f64,
    /// Shared dividend yield.
    pub dividend_yield: f64,
    /// Shared option kind.
    pub kind: OptionKind,
}

impl BatchInputs<'_> {
    /// Number of complete rows (the shortest column decides).
    pub fn len(&self) -> usize {
        self.spots
            .len()
            .min(self.strikes.len())
            .min(self.years.len())
            .min(self.volatilities.len())
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn row(&self, i: usize) -> OptionParams {
        OptionParams {
            spot: self.spots[i],
            strike: self.strikes[i],
            years: self.years[i],
            rate: self.rate,
            dividend_yield: self.dividend_yield,
            volatility: self.volatilities[i],
            kind: self.kind,
        }
    }
}

/// Owned columns of a batch, for callers that start from a list of options.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Columns {
    /// Spot of each option.
    pub spots: Vec<f64>,
    /// Strike of each option.
    pub strikes: Vec<f64>,
    /// Years to expiry of each option.
    pub years: Vec<f64>,
    /// Volatility of each option.
    pub volatilities: Vec<f64>,
}

impl Columns {
    /// Splits `options` into columns (their carry and kind are dropped).
    pub fn from_options(options: &[OptionParams]) -> Self {
        let column = |f: fn(&OptionParams) -> f64| options.iter().map(f).collect();
        Columns {
            spots: column(|p| p.spot),
            strikes: column(|p| p.strike),
            years: column(|p| p.years),
            volatilities: column(|p| p.volatility),
        }
    }

    /// Borrows the columns as a batch with the given shared terms.
    pub fn inputs(&self, rate: f64, dividend_yield: f64, kind: OptionKind) -> BatchInputs<'_> {
        BatchInputs {
            spots: &self.spots,
            strikes: &self.strikes,
            years: &self.years,
            volatilities: &self.volatilities,
            rate,
            dividend_yield,
            kind,
        }
    }
}

/// Rows per chunk of the batch kernel (the scratch column lives on the stack).
const CHUNK: usize = 256;

/// Writes the Black-Scholes-Merton price of each row into `out` (up to the
/// shorter of `out` and the inputs).
///
/// The main loops are straight-line arithmetic over the columns
/// (branch-free maths from [`super::fastmath`]), run in stages over chunks
/// of rows, that LLVM vectorises: four lanes wide with fused multiply-add
/// on x86-64-v3, eight where the CPU has AVX-512 (picked at run time with
/// `multiversion`; the same IEEE operations, so the same bits), two in the
/// browser (SIMD128, no FMA). Rows whose two price terms cancel (far out of
/// the money) are then repriced one by one with the accurate fallback of
/// [`bsm::price`]. Every price is within 1e-13 (relative) of
/// [`bsm::price`]'s (`tests/cross_platform.rs`, natively and in Chromium).
#[cfg_attr(
    target_arch = "x86_64",
    multiversion::multiversion(targets("x86_64+avx512f+avx512vl+avx512dq+avx2+fma"))
)]
pub fn prices<'a>(inputs: &BatchInputs<'a>, out: &mut [f64]) {
    let n = inputs.len().min(out.len());
    let sign = match inputs.kind {
        OptionKind::Call => 1.0,
        OptionKind::Put => -1.0,
    };
    let (rate, dividend_yield) = (inputs.rate, inputs.dividend_yield);
    let carry = rate - dividend_yield;
    // Scratch columns: the kernel runs in stages over each chunk (the
    // arguments, then each CDF, then the price) so that each stage's loop
    // body is short enough for the CPU to overlap many rows' long
    // dependency chains (one long body left it waiting on latency).
    let mut up = [0.0f64; CHUNK];
    let mut down = [0.0f64; CHUNK];
    let mut spot_factor = [0.0f64; CHUNK];
    let mut strike_factor = [0.0f64; CHUNK];
    let mut leading = [0.0f64; CHUNK];
    let mut start = 0;
    while start < n {
        let end = (start + CHUNK).min(n);
        let rows = start..end;
        let (spots, strikes) = (&inputs.spots[rows.clone()], &inputs.strikes[rows.clone()]);
        let (years, vols) = (&inputs.years[rows.clone()], &inputs.volatilities[rows]);
        let out_chunk = &mut out[start..end];
        let len = out_chunk.len();
        for i in 0..len {
            let (s, k, t, v) = (spots[i], strikes[i], years[i], vols[i]);
            let vol_sqrt_t = v * t.sqrt();
            let d1 = (fastmath::ln(s / k) + (carry + 0.5 * v * v) * t) / vol_sqrt_t;
            up[i] = sign * d1;
            down[i] = sign * (d1 - vol_sqrt_t);
            // e^(-rt) e^((r-q)t) = e^(-qt): one exponential fewer.
            spot_factor[i] = s * fastmath::exp(-dividend_yield * t);
            strike_factor[i] = k * fastmath::exp(-rate * t);
        }
        for x in &mut up[..len] {
            *x = fastmath::norm_cdf(*x);
        }
        for x in &mut down[..len] {
            *x = fastmath::norm_cdf(*x);
        }
        for i in 0..len {
            let spot_term = spot_factor[i] * up[i];
            let strike_term = strike_factor[i] * down[i];
            out_chunk[i] = sign * (spot_term - strike_term);
            leading[i] = if sign > 0.0 { spot_term } else { strike_term };
        }
        for i in 0..out_chunk.len() {
            if out_chunk[i] * bsm::CANCELLATION_LIMIT < leading[i] {
                out_chunk[i] = bsm::price(&inputs.row(start + i));
            }
        }
        start = end;
    }
}
