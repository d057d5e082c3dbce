//! The finance actions' input structs (`optimise_portfolio`, `risk_report`,
//! `backtest`), their defaults and what they mean for the shared libraries:
//! the data requests to fetch through the gateway, the estimators,
//! constraints, rules and sizing of [`crate::portfolio`], [`crate::risk`]
//! and [`crate::backtest`].
//!
//! Pure conversions: nothing here fetches or computes a portfolio, a risk
//! figure or a backtest; the app's chat card does, on data fetched through
//! the gateway.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::schema_check::cut;
use crate::api::DataRequest;
use crate::backtest::{Direction, Rule, Sizing};
use crate::portfolio::{Constraints, CovarianceEstimator};

/// Fewest and most assets of a portfolio optimisation.
pub const PORTFOLIO_ASSETS: (usize, usize) = (2, 20);
/// Most assets of a risk report's portfolio.
pub const RISK_ASSETS_MAX: usize = 20;
/// Allowed confidence levels (risk report and minimum CVaR).
pub const CONFIDENCE: (f64, f64) = (0.9, 0.999);
/// Allowed risk horizons in trading days.
pub const RISK_HORIZON_DAYS: (u32, u32) = (1, 30);
/// Allowed Monte Carlo scenarios (the simulation is capped at a million).
pub const SCENARIOS: (u32, u32) = (1_000, 1_000_000);
/// Allowed annual risk-free rates (decimals).
pub const RISK_FREE: (f64, f64) = (-0.05, 0.25);
/// Allowed half-lives of the exponentially weighted estimators, in periods.
pub const HALF_LIFE: (f64, f64) = (2.0, 1_000.0);
/// Gross leverage allowed when a portfolio may short.
pub const SHORT_LEVERAGE: f64 = 2.0;
/// Most user-picked stress episodes of a risk report.
pub const EPISODES_MAX: usize = 10;
/// Allowed per-asset bounds with shorts (long-only: 0 to 1).
pub const BOUND_RANGE_SHORTS: (f64, f64) = (-SHORT_LEVERAGE, SHORT_LEVERAGE);
/// Tolerance on the sum of a risk report's weights.
pub const WEIGHT_SUM_TOLERANCE: f64 = 1e-6;

/// How the portfolio is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PortfolioMethod {
    /// The lowest-volatility portfolio.
    MinVariance,
    /// The highest Sharpe ratio (tangency portfolio).
    MaxSharpe,
    /// Equal risk contributions.
    RiskParity,
    /// Hierarchical risk parity (López de Prado).
    Hrp,
    /// The lowest historical CVaR at `confidence`.
    MinCvar,
    /// The lowest volatility with at least `target` annual return.
    TargetReturn,
    /// The highest return with at most `target` annual volatility.
    TargetRisk,
}

impl PortfolioMethod {
    /// The method in words, e.g. "Minimum variance".
    pub fn label(self) -> &'static str {
        match self {
            PortfolioMethod::MinVariance => "Minimum variance",
            PortfolioMethod::MaxSharpe => "Maximum Sharpe",
            PortfolioMethod::RiskParity => "Risk parity",
            PortfolioMethod::Hrp => "Hierarchical risk parity",
            PortfolioMethod::MinCvar => "Minimum CVaR",
            PortfolioMethod::TargetReturn => "Target return",
            PortfolioMethod::TargetRisk => "Target risk",
        }
    }
}

/// How the covariance is estimated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CovarianceChoice {
    /// The sample covariance.
    Sample,
    /// Exponentially weighted, with `half_life`.
    Ewma,
    /// Ledoit-Wolf shrinkage to constant correlation (the default).
    LedoitWolf,
}

/// How expected returns are estimated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnsChoice {
    /// The historical mean (the default).
    Mean,
    /// Exponentially weighted mean, with `half_life`.
    Ewma,
    /// CAPM against the `market` asset.
    Capm,
}

/// `optimise_portfolio`: optimise a portfolio of 2 to 20 real assets (bundled datasets, uploads or fetched series).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OptimisePortfolio {
    /// Data source of every asset: `bundled` (default), `user_upload`, `polygon` (stock tickers; needs `from` and `to`) or `fred` (series ids).
    #[serde(default = "default_source")]
    pub source: String,
    /// 2 to 20 distinct dataset ids (e.g. `sp500`, `nasdaq`, `wti`), upload ids, Polygon tickers (`AAPL`) or FRED series ids (`DGS10`).
    pub assets: Vec<String>,
    /// The optimiser.
    pub method: PortfolioMethod,
    /// Target annual return (`target_return`) or volatility (`target_risk`) as a decimal (0.08 = 8%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// Covariance estimator (default `ledoit_wolf`).
    #[serde(default = "default_covariance")]
    pub covariance: CovarianceChoice,
    /// Expected-return estimator (default `mean`).
    #[serde(default = "default_returns")]
    pub expected_returns: ReturnsChoice,
    /// The market asset for `capm` (same source), e.g. `sp500`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
    /// Half-life in periods of the `ewma` estimators, 2 to 1000 (default 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half_life: Option<f64>,
    /// No short positions (default true); with shorts, gross leverage is at most 2.
    #[serde(default = "default_true")]
    pub long_only: bool,
    /// Largest weight of any one asset, in (0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_weight: Option<f64>,
    /// Per-asset weight bounds (not for `risk_parity` or `hrp`); a bound's
    /// `min`/`max` replace the long-only floor and `max_weight` for its asset.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bounds: Vec<AssetBound>,
    /// Annual risk-free rate as a decimal, -0.05 to 0.25 (default 0).
    #[serde(default)]
    pub risk_free: f64,
    /// Confidence of `min_cvar`, 0.9 to 0.999 (default 0.95).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// First date, `YYYY-MM-DD` (required for `polygon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last date, `YYYY-MM-DD` (required for `polygon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// One asset's weight bounds in `optimise_portfolio`, as decimals
/// (0.1 = 10%). Long-only: 0 to 1; with shorts: -2 to 2.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetBound {
    /// The asset, one of `assets`.
    pub asset: String,
    /// Smallest weight (default: 0 when long-only, else `-max_weight` or none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Largest weight (default: `max_weight` or none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// A user-picked stress episode of `risk_report`, replayed next to the
/// built-in ones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EpisodeChoice {
    /// Display name (default: "from to to").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// First date, `YYYY-MM-DD`.
    pub from: String,
    /// Last date, `YYYY-MM-DD`, after `from`.
    pub to: String,
}

impl EpisodeChoice {
    /// The name shown: the given one, or "FROM to TO".
    pub fn label(&self) -> String {
        match self.name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => format!("{} to {}", self.from.trim(), self.to.trim()),
        }
    }

    /// The library's episode, or why the dates do not make one (the
    /// field named is `from` or `to`).
    pub fn episode(&self) -> Result<crate::risk::Episode, (&'static str, String)> {
        let parse = |field: &'static str, text: &str| {
            if text.trim().is_empty() {
                return Err((
                    field,
                    "is empty: give a date in the form YYYY-MM-DD".to_string(),
                ));
            }
            crate::calendar::Date::parse(text.trim()).map_err(|_| {
                (
                    field,
                    format!("\"{}\" is not a date in the form YYYY-MM-DD", cut(text)),
                )
            })
        };
        let from = parse("from", &self.from)?;
        let to = parse("to", &self.to)?;
        crate::risk::Episode::custom(&self.label(), from, to)
            .map_err(|_| ("to", format!("{to} is not after the start {from}")))
    }
}

/// A VaR method of the risk report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskMethod {
    /// Empirical quantile of the observed returns.
    Historical,
    /// Parametric, normal distribution.
    Normal,
    /// Parametric, Student-t fitted by maximum likelihood.
    StudentT,
    /// Monte Carlo simulation of a fitted Student-t (labelled a simulation).
    MonteCarlo,
}

impl RiskMethod {
    /// Every method, in report order.
    pub const ALL: [RiskMethod; 4] = [
        RiskMethod::Historical,
        RiskMethod::Normal,
        RiskMethod::StudentT,
        RiskMethod::MonteCarlo,
    ];

    /// The method in words.
    pub fn label(self) -> &'static str {
        match self {
            RiskMethod::Historical => "historical",
            RiskMethod::Normal => "normal",
            RiskMethod::StudentT => "Student-t",
            RiskMethod::MonteCarlo => "Monte Carlo (simulation)",
        }
    }
}

/// `risk_report`: value at risk, expected shortfall, drawdown, stress episodes and a VaR backtest of one asset or a weighted portfolio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskReport {
    /// Data source of every asset: `bundled` (default), `user_upload`, `polygon` (stock tickers; needs `from` and `to`) or `fred` (series ids).
    #[serde(default = "default_source")]
    pub source: String,
    /// One dataset id (e.g. `sp500`), upload id, Polygon ticker or FRED series id, or up to 20 for a portfolio.
    pub assets: Vec<String>,
    /// Portfolio weights, one per asset, summing to 1 (omit for one asset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<f64>>,
    /// Confidence level, 0.9 to 0.999 (default 0.99).
    #[serde(default = "default_confidence")]
    pub confidence: f64,
    /// Horizon in trading days, 1 to 30 (default 1).
    #[serde(default = "default_one")]
    pub horizon_days: u32,
    /// VaR methods (default: all four).
    #[serde(default = "default_methods")]
    pub methods: Vec<RiskMethod>,
    /// Monte Carlo scenarios, 1,000 to 1,000,000 (default 100,000).
    #[serde(default = "default_scenarios")]
    pub scenarios: u32,
    /// Monte Carlo seed (default 42).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Stress episodes picked by dates (at most 10), replayed next to the
    /// built-in ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub episodes: Vec<EpisodeChoice>,
    /// First date, `YYYY-MM-DD` (required for `polygon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last date, `YYYY-MM-DD` (required for `polygon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// A technical trading rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleChoice {
    /// Long while SMA(`fast`) is above SMA(`slow`).
    MaCrossover,
    /// RSI(`period`) mean reversion between `lower` and `upper`.
    Rsi,
    /// Bollinger bands (`period`, `k` deviations) mean reversion.
    Bollinger,
    /// Time-series momentum over `lookback` bars.
    Momentum,
}

/// Long-only or long-short.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectionChoice {
    /// Long or flat (the default).
    LongOnly,
    /// Long, flat or short.
    LongShort,
}

/// How a signal becomes a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SizingChoice {
    /// The whole capital (the default).
    Full,
    /// A fixed `fraction` of capital.
    FixedFraction,
    /// Scale to `target_volatility` over `vol_lookback` bars.
    VolatilityTarget,
}

/// `backtest`: backtest a technical rule on one real series against buy-and-hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backtest {
    /// Data source: `bundled` (default), `user_upload`, `polygon` (a stock ticker; needs `from` and `to`) or `fred` (a series id).
    #[serde(default = "default_source")]
    pub source: String,
    /// Dataset id (e.g. `sp500`), upload id, Polygon ticker (`AAPL`) or FRED series id (`DGS10`).
    pub symbol: String,
    /// The trading rule.
    pub rule: RuleChoice,
    /// `ma_crossover`: fast SMA period (default 50), below `slow`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fast: Option<u32>,
    /// `ma_crossover`: slow SMA period (default 200), at most 1000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow: Option<u32>,
    /// `rsi` (default 14) or `bollinger` (default 20) period, 2 to 500.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u32>,
    /// `rsi`: oversold level (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<f64>,
    /// `rsi`: overbought level (default 70).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<f64>,
    /// `bollinger`: band width in standard deviations (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<f64>,
    /// `momentum`: lookback in bars, 1 to 1000 (default 252).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lookback: Option<u32>,
    /// `long_only` (default) or `long_short`.
    #[serde(default = "default_direction")]
    pub direction: DirectionChoice,
    /// Position sizing (default `full`).
    #[serde(default = "default_sizing")]
    pub sizing: SizingChoice,
    /// `fixed_fraction`: the fraction of capital, in (0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraction: Option<f64>,
    /// `volatility_target`: annual target volatility as a decimal, in (0, 2].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_volatility: Option<f64>,
    /// `volatility_target`: bars in the volatility estimate, 2 to 1000 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vol_lookback: Option<u32>,
    /// Commission in basis points per unit of position change (default 5).
    #[serde(default = "default_cost")]
    pub cost_bps: f64,
    /// Slippage in basis points per unit of position change (default 0).
    #[serde(default)]
    pub slippage_bps: f64,
    /// First date, `YYYY-MM-DD` (required for `polygon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last date, `YYYY-MM-DD` (required for `polygon`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

fn default_source() -> String {
    "bundled".to_string()
}
fn default_covariance() -> CovarianceChoice {
    CovarianceChoice::LedoitWolf
}
fn default_returns() -> ReturnsChoice {
    ReturnsChoice::Mean
}
fn default_true() -> bool {
    true
}
fn default_confidence() -> f64 {
    0.99
}
fn default_one() -> u32 {
    1
}
fn default_methods() -> Vec<RiskMethod> {
    RiskMethod::ALL.to_vec()
}
fn default_scenarios() -> u32 {
    100_000
}
fn default_seed() -> u64 {
    42
}
fn default_direction() -> DirectionChoice {
    DirectionChoice::LongOnly
}
fn default_sizing() -> SizingChoice {
    SizingChoice::Full
}
fn default_cost() -> f64 {
    5.0
}

/// The gateway request for one asset of `source` over `from`..`to`.
fn request(source: &str, symbol: &str, from: &Option<String>, to: &Option<String>) -> DataRequest {
    DataRequest {
        source: source.to_string(),
        symbol: symbol.to_string(),
        from: from.clone(),
        to: to.clone(),
        timespan: None,
        multiplier: None,
    }
}

impl OptimisePortfolio {
    /// The default EWMA half-life in periods.
    pub const DEFAULT_HALF_LIFE: f64 = 60.0;
    /// The default minimum-CVaR confidence.
    pub const DEFAULT_CONFIDENCE: f64 = 0.95;

    /// The market asset when CAPM needs one that is not among the assets.
    pub fn extra_market(&self) -> Option<&str> {
        match (self.expected_returns, self.market.as_deref()) {
            (ReturnsChoice::Capm, Some(market)) if !self.assets.iter().any(|a| a == market) => {
                Some(market)
            }
            _ => None,
        }
    }

    /// The data to fetch: every asset, then the CAPM market when it is
    /// not one of them.
    pub fn data_requests(&self) -> Vec<DataRequest> {
        self.assets
            .iter()
            .map(String::as_str)
            .chain(self.extra_market())
            .map(|symbol| request(&self.source, symbol, &self.from, &self.to))
            .collect()
    }

    /// The half-life of the EWMA estimators.
    pub fn half_life(&self) -> f64 {
        self.half_life.unwrap_or(Self::DEFAULT_HALF_LIFE)
    }

    /// The minimum-CVaR confidence.
    pub fn confidence(&self) -> f64 {
        self.confidence.unwrap_or(Self::DEFAULT_CONFIDENCE)
    }

    /// The covariance estimator.
    pub fn covariance_estimator(&self) -> CovarianceEstimator {
        match self.covariance {
            CovarianceChoice::Sample => CovarianceEstimator::Sample,
            CovarianceChoice::Ewma => CovarianceEstimator::Ewma {
                half_life: self.half_life(),
            },
            CovarianceChoice::LedoitWolf => CovarianceEstimator::LedoitWolfConstantCorrelation,
        }
    }

    /// Long-only or shorts up to [`SHORT_LEVERAGE`], with the per-asset
    /// cap (and, with shorts, the same cap below: `-max_weight`), then each
    /// [`AssetBound`] in place of those defaults for its asset. Bounds for
    /// assets not in the list are ignored here (validation refuses them).
    pub fn constraints(&self) -> Constraints {
        let n = self.assets.len();
        let mut constraints = if self.long_only {
            Constraints::long_only()
        } else {
            Constraints::with_shorts(Some(SHORT_LEVERAGE))
        };
        if let Some(cap) = self.max_weight {
            constraints.upper = Some(vec![cap; n]);
            if !self.long_only {
                constraints.lower = Some(vec![-cap; n]);
            }
        }
        if self.bounds.is_empty() {
            return constraints;
        }
        let floor = if self.long_only {
            0.0
        } else {
            f64::NEG_INFINITY
        };
        let mut lower = constraints.lower.take().unwrap_or_else(|| vec![floor; n]);
        let mut upper = constraints
            .upper
            .take()
            .unwrap_or_else(|| vec![f64::INFINITY; n]);
        for bound in &self.bounds {
            if let Some(i) = self.assets.iter().position(|a| *a == bound.asset) {
                if let Some(min) = bound.min {
                    lower[i] = min;
                }
                if let Some(max) = bound.max {
                    upper[i] = max;
                }
            }
        }
        constraints.lower = Some(lower);
        constraints.upper = Some(upper);
        constraints
    }
}

impl RiskReport {
    /// The data to fetch: every asset.
    pub fn data_requests(&self) -> Vec<DataRequest> {
        self.assets
            .iter()
            .map(|symbol| request(&self.source, symbol, &self.from, &self.to))
            .collect()
    }

    /// The weights: as given, or 1 for a single asset.
    pub fn portfolio_weights(&self) -> Vec<f64> {
        match &self.weights {
            Some(weights) => weights.clone(),
            None => vec![1.0 / self.assets.len().max(1) as f64; self.assets.len()],
        }
    }
}

impl Backtest {
    /// The default fast and slow SMA periods.
    pub const DEFAULT_MA: (u32, u32) = (50, 200);
    /// The default RSI period and levels.
    pub const DEFAULT_RSI: (u32, f64, f64) = (14, 30.0, 70.0);
    /// The default Bollinger period and width.
    pub const DEFAULT_BOLLINGER: (u32, f64) = (20, 2.0);
    /// The default momentum lookback.
    pub const DEFAULT_MOMENTUM: u32 = 252;
    /// The default volatility-target lookback.
    pub const DEFAULT_VOL_LOOKBACK: u32 = 20;

    /// The data to fetch.
    pub fn data_request(&self) -> DataRequest {
        request(&self.source, &self.symbol, &self.from, &self.to)
    }

    /// The rule with its parameters (defaults filled in).
    pub fn trading_rule(&self) -> Rule {
        let n = |v: Option<u32>, d: u32| v.unwrap_or(d) as usize;
        match self.rule {
            RuleChoice::MaCrossover => Rule::MaCrossover {
                fast: n(self.fast, Self::DEFAULT_MA.0),
                slow: n(self.slow, Self::DEFAULT_MA.1),
            },
            RuleChoice::Rsi => Rule::Rsi {
                period: n(self.period, Self::DEFAULT_RSI.0),
                lower: self.lower.unwrap_or(Self::DEFAULT_RSI.1),
                upper: self.upper.unwrap_or(Self::DEFAULT_RSI.2),
            },
            RuleChoice::Bollinger => Rule::Bollinger {
                period: n(self.period, Self::DEFAULT_BOLLINGER.0),
                k: self.k.unwrap_or(Self::DEFAULT_BOLLINGER.1),
            },
            RuleChoice::Momentum => Rule::Momentum {
                lookback: n(self.lookback, Self::DEFAULT_MOMENTUM),
            },
        }
    }

    /// Long-only or long-short.
    pub fn trading_direction(&self) -> Direction {
        match self.direction {
            DirectionChoice::LongOnly => Direction::LongOnly,
            DirectionChoice::LongShort => Direction::LongShort,
        }
    }

    /// The sizing with its parameters. A missing fraction or target is
    /// NaN here, which validation refuses first (naming the field).
    pub fn position_sizing(&self) -> Sizing {
        match self.sizing {
            SizingChoice::Full => Sizing::Full,
            SizingChoice::FixedFraction => Sizing::FixedFraction {
                fraction: self.fraction.unwrap_or(f64::NAN),
            },
            SizingChoice::VolatilityTarget => Sizing::VolatilityTarget {
                target: self.target_volatility.unwrap_or(f64::NAN),
                lookback: self.vol_lookback.unwrap_or(Self::DEFAULT_VOL_LOOKBACK) as usize,
            },
        }
    }

    /// The library's configuration at `periods_per_year` (252 for daily
    /// bars, 12 for monthly).
    pub fn config(&self, periods_per_year: f64) -> crate::backtest::BacktestConfig {
        crate::backtest::BacktestConfig {
            signal: crate::backtest::Signal::Rule(self.trading_rule()),
            direction: self.trading_direction(),
            sizing: self.position_sizing(),
            cost_bps: self.cost_bps,
            slippage_bps: self.slippage_bps,
            periods_per_year,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portfolio() -> OptimisePortfolio {
        serde_json::from_value(serde_json::json!({
            "assets": ["sp500", "nasdaq"], "method": "min_variance"
        }))
        .unwrap()
    }

    #[test]
    fn portfolio_defaults_and_requests() {
        let p = portfolio();
        assert_eq!(p.source, "bundled");
        assert_eq!(p.covariance, CovarianceChoice::LedoitWolf);
        assert_eq!(p.expected_returns, ReturnsChoice::Mean);
        assert!(p.long_only);
        assert_eq!(p.risk_free, 0.0);
        assert_eq!(
            p.covariance_estimator(),
            CovarianceEstimator::LedoitWolfConstantCorrelation
        );
        assert_eq!(p.data_requests().len(), 2);
        let capm = OptimisePortfolio {
            expected_returns: ReturnsChoice::Capm,
            market: Some("wti".into()),
            from: Some("2010-01-01".into()),
            ..p.clone()
        };
        let requests = capm.data_requests();
        assert_eq!(requests.len(), 3, "the market is fetched too");
        assert_eq!(requests[2].symbol, "wti");
        assert_eq!(requests[0].from.as_deref(), Some("2010-01-01"));
        let inside = OptimisePortfolio {
            market: Some("sp500".into()),
            ..capm
        };
        assert_eq!(inside.data_requests().len(), 2);
        let shorts = OptimisePortfolio {
            long_only: false,
            max_weight: Some(0.6),
            ..p
        };
        let c = shorts.constraints();
        assert!(!c.long_only);
        assert_eq!(c.max_leverage, Some(SHORT_LEVERAGE));
        assert_eq!(c.lower, Some(vec![-0.6, -0.6]));
        assert_eq!(c.upper, Some(vec![0.6, 0.6]));
    }

    #[test]
    fn risk_and_backtest_defaults() {
        let r: RiskReport =
            serde_json::from_value(serde_json::json!({"assets": ["sp500"]})).unwrap();
        assert_eq!((r.confidence, r.horizon_days), (0.99, 1));
        assert_eq!(r.methods, RiskMethod::ALL.to_vec());
        assert_eq!((r.scenarios, r.seed), (100_000, 42));
        assert_eq!(r.portfolio_weights(), vec![1.0]);
        let b: Backtest =
            serde_json::from_value(serde_json::json!({"symbol": "sp500", "rule": "ma_crossover"}))
                .unwrap();
        assert_eq!(
            b.trading_rule(),
            Rule::MaCrossover {
                fast: 50,
                slow: 200
            }
        );
        assert_eq!(b.trading_direction(), Direction::LongOnly);
        assert_eq!(b.position_sizing(), Sizing::Full);
        let config = b.config(252.0);
        assert_eq!((config.cost_bps, config.slippage_bps), (5.0, 0.0));
        let rsi = Backtest {
            rule: RuleChoice::Rsi,
            sizing: SizingChoice::VolatilityTarget,
            target_volatility: Some(0.1),
            ..b
        };
        assert_eq!(
            rsi.trading_rule(),
            Rule::Rsi {
                period: 14,
                lower: 30.0,
                upper: 70.0
            }
        );
        assert_eq!(
            rsi.position_sizing(),
            Sizing::VolatilityTarget {
                target: 0.1,
                lookback: 20
            }
        );
    }
}
