//! The `risk_report` action: VaR and expected shortfall by each asked
//! method, the largest drawdown, the historical stress episodes inside
//! the data, and a backtest of a rolling VaR.
//!
//! Must not compute a risk figure itself: every figure comes from
//! [`crate::risk`].

use serde::{Deserialize, Serialize};

use super::align::{align, value_kind};
use crate::actions::{RiskMethod, RiskReport};
use crate::data::Series;
use crate::portfolio::{AlignReport, ValueKind};
use crate::risk::{
    backtest_var, historical, historical_episodes, max_drawdown, monte_carlo, parametric, replay,
    rolling_forecasts, AlignedPrices, Distribution, Episode, EpisodeResult, MaxDrawdown,
    VarBacktest, VarEstimate, VarMethod,
};

/// Rolling window of the VaR backtest, in returns (longer when the
/// confidence needs more observations for one tail loss).
pub const VAR_BACKTEST_WINDOW: usize = 250;

/// A risk report's figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskOutcome {
    /// The asset or the weighted portfolio in words.
    pub label: String,
    /// What alignment kept and dropped.
    pub report: AlignReport,
    /// Returns used.
    pub observations: usize,
    /// The portfolio's return each period (after alignment), for the
    /// distribution chart.
    pub returns: Vec<f64>,
    /// The value of 1 invested, rebalanced each period: `(date, value)`.
    pub values: Vec<(crate::calendar::Date, f64)>,
    /// Confidence and horizon.
    pub confidence: f64,
    /// Horizon in trading days.
    pub horizon_days: u32,
    /// Each method's VaR and ES, or why it could not run.
    pub estimates: Vec<(RiskMethod, Result<VarEstimate, String>)>,
    /// The simulation's label when Monte Carlo ran.
    pub simulation: Option<String>,
    /// The largest drawdown of the value curve.
    pub drawdown: Result<MaxDrawdown, String>,
    /// The built-in historical stress episodes inside the data's span, then
    /// the user-picked ones that could be replayed, in the action's order.
    pub stress: Vec<EpisodeResult>,
    /// Why stress episodes were not replayed, when they were not.
    pub stress_note: Option<String>,
    /// Each user-picked episode that could not be replayed, with why
    /// (e.g. outside the data's dates).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stress_refused: Vec<String>,
    /// Backtest of a rolling one-day historical VaR (window, result).
    pub backtest: (usize, Result<VarBacktest, String>),
}

/// The report of `action` on `series` (its assets in order).
pub fn risk_report(action: &RiskReport, series: &[Series]) -> Result<RiskOutcome, String> {
    if action.assets.len() != series.len() {
        return Err(format!(
            "{} series for {} assets",
            series.len(),
            action.assets.len()
        ));
    }
    let weights = action.portfolio_weights();
    let (matrix, report) = align(&action.assets, series)?;
    let returns: Vec<f64> = (0..matrix.n_dates())
        .map(|t| matrix.row(t).iter().zip(&weights).map(|(r, w)| r * w).sum())
        .collect();
    let (confidence, h) = (action.confidence, action.horizon_days as usize);
    let mut simulation = None;
    let estimates = action
        .methods
        .iter()
        .map(|&method| {
            let estimate = match method {
                RiskMethod::Historical => historical(&returns, confidence, h),
                RiskMethod::Normal => parametric(&returns, confidence, h, Distribution::Normal),
                RiskMethod::StudentT => parametric(&returns, confidence, h, Distribution::StudentT),
                RiskMethod::MonteCarlo => monte_carlo(
                    &returns,
                    confidence,
                    h,
                    Distribution::StudentT,
                    action.scenarios as usize,
                    action.seed,
                )
                .map(|sim| {
                    simulation = Some(sim.label.clone());
                    sim.estimate
                }),
            };
            (method, estimate.map_err(|e| e.to_string()))
        })
        .collect();
    // The value of 1 invested, rebalanced each period, from the first kept date.
    let mut dates = matrix.dates().to_vec();
    let mut values: Vec<f64> = returns
        .iter()
        .scan(1.0, |v, r| {
            *v *= 1.0 + r;
            Some(*v)
        })
        .collect();
    if dates.first().is_some_and(|d| *d > report.common_first) {
        dates.insert(0, report.common_first);
        values.insert(0, 1.0);
    }
    let drawdown = max_drawdown(&dates, &values).map_err(|e| e.to_string());
    let mut picked = Vec::with_capacity(action.episodes.len());
    for choice in &action.episodes {
        picked.push(
            choice
                .episode()
                .map_err(|(field, why)| format!("{}: {field} {why}", choice.label()))?,
        );
    }
    let (stress, stress_note, stress_refused) = stress_episodes(series, &weights, &picked);
    let window = VAR_BACKTEST_WINDOW
        .max(crate::risk::var::min_observations(confidence).unwrap_or(VAR_BACKTEST_WINDOW));
    let backtest = rolling_forecasts(&returns, window, confidence, VarMethod::Historical)
        .and_then(|forecasts| backtest_var(&returns[window..], &forecasts, confidence))
        .map_err(|e| e.to_string());
    let label = if action.assets.len() == 1 {
        action.assets[0].clone()
    } else {
        action
            .assets
            .iter()
            .zip(&weights)
            .map(|(a, w)| format!("{:.0}% {a}", w * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(RiskOutcome {
        label,
        observations: returns.len(),
        values: dates.into_iter().zip(values).collect(),
        returns,
        report,
        confidence,
        horizon_days: action.horizon_days,
        estimates,
        simulation,
        drawdown,
        stress,
        stress_note,
        stress_refused,
        backtest: (window, backtest),
    })
}

/// Replays the built-in historical episodes that lie inside the data
/// (prices only: return series have no price path to replay), then each of
/// the user's `picked` episodes; a picked one that cannot be replayed is
/// listed with the reason (the third part) instead of silently dropped.
fn stress_episodes(
    series: &[Series],
    weights: &[f64],
    picked: &[Episode],
) -> (Vec<EpisodeResult>, Option<String>, Vec<String>) {
    let refuse_all = |why: &str| {
        picked
            .iter()
            .map(|e| format!("{}: {why}", e.name))
            .collect::<Vec<_>>()
    };
    if series.iter().any(|s| value_kind(s) != ValueKind::Prices) {
        let why = "not replayed: some series are returns, not prices";
        return (Vec::new(), Some(why.to_string()), refuse_all(why));
    }
    let refs: Vec<&Series> = series.iter().collect();
    let prices = match AlignedPrices::new(&refs) {
        Ok(prices) => prices,
        Err(e) => {
            let why = e.to_string();
            return (Vec::new(), Some(why.clone()), refuse_all(&why));
        }
    };
    let mut found: Vec<EpisodeResult> = historical_episodes()
        .iter()
        .filter_map(|episode| replay(&prices, weights, episode).ok())
        .collect();
    let note = found
        .is_empty()
        .then(|| "no built-in episode lies inside the data's span".to_string());
    let mut refused = Vec::new();
    for episode in picked {
        match replay(&prices, weights, episode) {
            Ok(result) => found.push(result),
            Err(e) => refused.push(format!("{}: {e}", episode.name)),
        }
    }
    (found, note, refused)
}
