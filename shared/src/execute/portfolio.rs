//! The `optimise_portfolio` action: align the assets, estimate expected
//! returns and covariance as asked, and run the chosen optimiser.
//!
//! Must not optimise by itself: every figure comes from
//! [`crate::portfolio`].

use serde::{Deserialize, Serialize};

use super::align::align;
use crate::actions::{OptimisePortfolio, PortfolioMethod, ReturnsChoice};
use crate::data::Series;
use crate::portfolio::{
    efficient_frontier, estimate, hierarchical_risk_parity, max_sharpe, min_cvar, min_variance,
    risk_parity, target_return, target_risk, AlignReport, Portfolio, PortfolioFrequency,
    ReturnEstimator,
};

/// An optimised portfolio with how it was obtained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PortfolioOutcome {
    /// The method.
    pub method: PortfolioMethod,
    /// Weights and figures.
    pub portfolio: Portfolio,
    /// What alignment kept and dropped.
    pub report: AlignReport,
    /// The aligned data's frequency.
    pub frequency: PortfolioFrequency,
    /// Ledoit-Wolf shrinkage intensity, when shrunk.
    pub shrinkage: Option<f64>,
    /// Minimum CVaR: (confidence, VaR, CVaR) per period.
    pub cvar: Option<(f64, f64, f64)>,
    /// The efficient frontier under the action's constraints, lowest risk
    /// first ([`FRONTIER_POINTS`] points), annualised; empty when it could
    /// not be traced (then [`PortfolioOutcome::frontier_note`] says why).
    #[serde(default)]
    pub frontier: Vec<RiskReturn>,
    /// Why the frontier is empty, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontier_note: Option<String>,
    /// Each asset alone (in the order of the weights), annualised: its
    /// expected return and the square root of its variance.
    #[serde(default)]
    pub asset_points: Vec<RiskReturn>,
}

/// Points traced on the efficient frontier.
pub const FRONTIER_POINTS: usize = 30;

/// One point in the risk-return plane, annualised.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskReturn {
    /// Volatility.
    pub volatility: f64,
    /// Expected return.
    pub expected_return: f64,
}

/// Optimises `action` on `series` (its assets in order, then the CAPM
/// market when it is not one of them, as [`OptimisePortfolio::data_requests`]).
pub fn optimise(action: &OptimisePortfolio, series: &[Series]) -> Result<PortfolioOutcome, String> {
    let mut names = action.assets.clone();
    names.extend(action.extra_market().map(str::to_string));
    if names.len() != series.len() {
        return Err(format!(
            "{} series for {} assets",
            series.len(),
            names.len()
        ));
    }
    let (mut matrix, report) = align(&names, series)?;
    let mut market = None;
    if action.expected_returns == ReturnsChoice::Capm {
        let name = action.market.as_deref().unwrap_or_default();
        let j = names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| format!("market {name} was not fetched"))?;
        market = Some(matrix.column(j));
        if action.extra_market().is_some() {
            matrix = matrix
                .without_asset(j)
                .ok_or_else(|| "the market could not be set aside".to_string())?;
        }
    }
    let returns = match (action.expected_returns, market) {
        (ReturnsChoice::Capm, Some(market)) => ReturnEstimator::Capm {
            market,
            risk_free: action.risk_free,
        },
        (ReturnsChoice::Ewma, _) => ReturnEstimator::Ewma {
            half_life: action.half_life(),
        },
        _ => ReturnEstimator::Mean,
    };
    let est =
        estimate(&matrix, &returns, action.covariance_estimator()).map_err(|e| e.to_string())?;
    let constraints = action.constraints();
    let rf = action.risk_free;
    let target = action.target.unwrap_or_default();
    let mut cvar = None;
    let portfolio = match action.method {
        PortfolioMethod::MinVariance => min_variance(&est, &constraints, rf),
        PortfolioMethod::MaxSharpe => max_sharpe(&est, &constraints, rf),
        PortfolioMethod::RiskParity => risk_parity(&est, None, rf),
        PortfolioMethod::Hrp => hierarchical_risk_parity(&est, rf),
        PortfolioMethod::TargetReturn => target_return(&est, &constraints, target, rf),
        PortfolioMethod::TargetRisk => target_risk(&est, &constraints, target, rf),
        PortfolioMethod::MinCvar => min_cvar(&matrix, &est, &constraints, action.confidence(), rf)
            .map(|c| {
                cvar = Some((c.confidence, c.var, c.cvar));
                c.portfolio
            }),
    }
    .map_err(|e| e.to_string())?;
    let (frontier, frontier_note) =
        match efficient_frontier(&est, &constraints, FRONTIER_POINTS, rf) {
            Ok(points) => (
                points
                    .iter()
                    .map(|p| RiskReturn {
                        volatility: p.volatility,
                        expected_return: p.expected_return,
                    })
                    .collect(),
                None,
            ),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
    let n = est.n();
    let asset_points = (0..n)
        .map(|i| RiskReturn {
            volatility: est.covariance()[i * n + i].max(0.0).sqrt(),
            expected_return: est.expected_returns()[i],
        })
        .collect();
    Ok(PortfolioOutcome {
        method: action.method,
        portfolio,
        frequency: matrix.frequency(),
        report,
        shrinkage: est.shrinkage(),
        cvar,
        frontier,
        frontier_note,
        asset_points,
    })
}
