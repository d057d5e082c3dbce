//! Portfolio optimisation: aligned returns of several assets, expected
//! return and covariance estimators, and the optimisers (minimum variance,
//! maximum Sharpe, target return and target risk, the efficient frontier,
//! risk parity, hierarchical risk parity and minimum CVaR).
//!
//! Must not fetch, read files, read a clock or spawn threads: callers hand
//! in validated [`crate::data::Series`]. Must not fill, invent or silently
//! drop observations: [`align::align_returns`] reports every dropped date
//! and why, and refuses series of different frequencies unless asked to
//! resample (which is labelled). Bad input is an error naming the field or
//! asset, never a panic or NaN weights.
//!
//! Which parts use a solver and which are written by hand:
//! - `clarabel` (interior point, pure Rust): the quadratic programs of
//!   minimum variance, maximum Sharpe, target return and the frontier; the
//!   second-order cone program of target risk; the linear programs of the
//!   maximum-return corner and of minimum CVaR (Rockafellar-Uryasev).
//! - By hand: the estimators (means, exponential weights, CAPM betas,
//!   Ledoit-Wolf shrinkage with both targets), risk parity (Spinu's convex
//!   formulation solved by Newton's method), hierarchical risk parity
//!   (López de Prado), and the risk figures of every result.
//!
//! Files, one job each:
//! - `align`: series to an aligned [`ReturnMatrix`] with an [`AlignReport`];
//! - `estimate`: expected returns and the sample / EWMA covariance;
//! - `shrinkage`: Ledoit-Wolf covariance shrinkage (two targets);
//! - `constraints`: long-only / shorts, bounds, leverage, checked;
//! - `solver`: the clarabel problem builder shared by the optimisers;
//! - `mean_variance`: min variance, max Sharpe, targets, frontier;
//! - `risk_parity`, `hrp`, `cvar`: the other optimisers;
//! - `result`: [`Portfolio`] and its risk figures.

pub mod align;
pub mod constraints;
pub mod cvar;
pub mod estimate;
pub mod hrp;
pub mod mean_variance;
pub mod result;
pub mod risk_parity;
pub mod shrinkage;
mod solver;

pub use align::{
    align_returns, AlignOptions, AlignReport, AssetSeries, DroppedDate, PortfolioFrequency,
    ReturnKind, ReturnMatrix, ValueKind,
};
pub use constraints::Constraints;
pub use cvar::{historical_var_cvar, min_cvar, CvarPortfolio};
pub use estimate::{
    capm_returns, estimate, ewma_covariance, ewma_returns, mean_returns, sample_covariance,
    CovarianceEstimator, Estimates, ReturnEstimator,
};
pub use hrp::hierarchical_risk_parity;
pub use mean_variance::{efficient_frontier, max_sharpe, min_variance, target_return, target_risk};
pub use result::{Portfolio, SolveStatus};
pub use risk_parity::risk_parity;
pub use shrinkage::{ledoit_wolf_constant_correlation, ledoit_wolf_identity, Shrunk};

use crate::calendar::Date;

/// Why a portfolio computation was refused. Each variant names the field or
/// asset at fault and what to change.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PortfolioError {
    /// Fewer assets than the method needs.
    #[error("{count} asset(s) given; at least {min} are needed: add assets")]
    TooFewAssets {
        /// Assets given.
        count: usize,
        /// The minimum.
        min: usize,
    },
    /// Fewer aligned dates (or scenarios) than the method needs.
    #[error("{count} {what} left; at least {min} are needed: widen the date range or add data")]
    TooFewDates {
        /// Rows left, e.g. after alignment.
        count: usize,
        /// The minimum.
        min: usize,
        /// "aligned returns", "scenarios", ...
        what: &'static str,
    },
    /// Two assets share a name.
    #[error("asset \"{asset}\" appears twice: give each asset a distinct name")]
    DuplicateAsset {
        /// The repeated name.
        asset: String,
    },
    /// A number is NaN or infinite.
    #[error("{field} is {value}, not a finite number")]
    NotFinite {
        /// Which input, e.g. "expected_returns[2]" or "AAPL return on 2001-02-01".
        field: String,
        /// The offending number.
        value: f64,
    },
    /// A price is zero or negative, so no return can be computed from it.
    #[error("asset \"{asset}\" has price {value} on {date}: prices must be positive (or mark the series as returns)")]
    NonPositivePrice {
        /// The asset.
        asset: String,
        /// The date.
        date: Date,
        /// The price.
        value: f64,
    },
    /// A return of -100 % or less (log returns undefined).
    #[error(
        "asset \"{asset}\" has return {value} on {date}: a return must be above -1 for log returns"
    )]
    ReturnBelowMinusOne {
        /// The asset.
        asset: String,
        /// The date.
        date: Date,
        /// The return.
        value: f64,
    },
    /// The series' frequency could not be told from its dates.
    #[error("asset \"{asset}\": median gap of {median_gap_days} days between dates is neither daily (1-4), weekly (5-10) nor monthly (26-35)")]
    UnknownFrequency {
        /// The asset.
        asset: String,
        /// Median days between consecutive dates.
        median_gap_days: i64,
    },
    /// A declared frequency disagrees with the dates.
    #[error("asset \"{asset}\" is declared {declared} but its dates are {inferred}: fix the declaration")]
    FrequencyDisagrees {
        /// The asset.
        asset: String,
        /// What the caller declared.
        declared: PortfolioFrequency,
        /// What the dates say.
        inferred: PortfolioFrequency,
    },
    /// Series of different frequencies, not resampled.
    #[error("asset \"{asset}\" is {frequency} but \"{first_asset}\" is {first_frequency}: use series of one frequency, or ask to resample to monthly")]
    MixedFrequencies {
        /// The first asset.
        first_asset: String,
        /// Its frequency.
        first_frequency: PortfolioFrequency,
        /// The asset that differs.
        asset: String,
        /// Its frequency.
        frequency: PortfolioFrequency,
    },
    /// A series has (nearly) zero variance: no risk model can use it.
    #[error("asset \"{asset}\" has constant returns (variance {variance:e}): remove it")]
    ConstantSeries {
        /// The asset.
        asset: String,
        /// Its sample variance.
        variance: f64,
    },
    /// Lengths that must agree do not.
    #[error("{field} has {got} entries; expected {expected}")]
    Length {
        /// Which input.
        field: &'static str,
        /// Expected count.
        expected: usize,
        /// Given count.
        got: usize,
    },
    /// A parameter is out of its allowed range.
    #[error("{field} = {value}: {reason}")]
    Parameter {
        /// Which parameter.
        field: &'static str,
        /// Its value.
        value: f64,
        /// The allowed range.
        reason: &'static str,
    },
    /// The covariance is not symmetric.
    #[error("covariance is not symmetric at ({row}, {col}): {a} vs {b}")]
    NotSymmetric {
        /// Row.
        row: usize,
        /// Column.
        col: usize,
        /// Entry (row, col).
        a: f64,
        /// Entry (col, row).
        b: f64,
    },
    /// The covariance is singular or not positive definite.
    #[error("the covariance matrix is singular or not positive definite ({reason}): use Ledoit-Wolf shrinkage, more dates than assets, or drop redundant assets")]
    Singular {
        /// What showed it.
        reason: String,
    },
    /// The bounds, budget and leverage limit admit no portfolio.
    #[error("infeasible constraints: {reason}")]
    Infeasible {
        /// Why.
        reason: String,
    },
    /// A target return or risk outside what the constraints allow.
    #[error("target {field} = {value} is unreachable: it must lie in [{min}, {max}]")]
    UnreachableTarget {
        /// "return" or "volatility".
        field: &'static str,
        /// The target.
        value: f64,
        /// The smallest reachable value.
        min: f64,
        /// The largest reachable value (may be infinite).
        max: f64,
    },
    /// No portfolio has an expected return above the risk-free rate.
    #[error("no asset's expected return beats the risk-free rate {risk_free} (best: \"{best_asset}\" at {best_return}): lower the risk-free rate or allow other assets")]
    NoAssetBeatsRiskFree {
        /// The risk-free rate.
        risk_free: f64,
        /// The asset with the highest expected return.
        best_asset: String,
        /// Its expected return.
        best_return: f64,
    },
    /// The problem is unbounded (e.g. maximum return with shorts and no limits).
    #[error("{what} is unbounded: add per-asset bounds or a leverage limit")]
    Unbounded {
        /// What is unbounded.
        what: &'static str,
    },
    /// The estimates and the returns name different assets.
    #[error("asset {position} is \"{got}\" in the returns but \"{expected}\" in the estimates: use estimates made from the same returns")]
    AssetMismatch {
        /// Column.
        position: usize,
        /// Name in the estimates.
        expected: String,
        /// Name in the returns.
        got: String,
    },
    /// The solver stopped without a solution.
    #[error("the solver stopped without a solution ({status}) for {problem}")]
    Solver {
        /// The problem.
        problem: &'static str,
        /// The solver's status in words.
        status: String,
    },
}
