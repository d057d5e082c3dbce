//! Stress tests: replaying historical episodes on a portfolio of aligned
//! price series, and instantaneous user-defined shocks (price, volatility,
//! rates) on a book of option legs and linear holdings.
//!
//! Episodes replay the *real* prices of the series given (the bundled
//! S&P 500 and NASDAQ cover 1999-2018); an episode outside the data is an
//! error, never filled. The portfolio is rebalanced to its weights every
//! period: its return is `Σ w_i r_i`. Option legs are revalued with
//! [`crate::pricing::strategy::valuation`] (BSM or CRR, as the book's
//! model says); nothing here re-implements option pricing. A shock is
//! instantaneous (no time passes). Must not panic on input.

use serde::{Deserialize, Serialize};

use super::drawdown::curve_unchecked;
use super::{check_finite, check_same_len, RiskError};
use crate::calendar::Date;
use crate::data::Series;
use crate::pricing::inputs::{Field, InputError, OptionParams};
use crate::pricing::strategy::{self, Leg};
use crate::pricing::Model;

/// A named date range to replay.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Episode {
    /// Display name.
    pub name: String,
    /// First date (inclusive).
    pub from: Date,
    /// Last date (inclusive).
    pub to: Date,
}

impl Episode {
    /// A user-picked episode; `from` must be before `to`.
    pub fn custom(name: &str, from: Date, to: Date) -> Result<Episode, RiskError> {
        if from >= to {
            return Err(RiskError::Invalid {
                field: "to",
                reason: format!("{to} is not after the start {from}"),
            });
        }
        Ok(Episode {
            name: name.to_string(),
            from,
            to,
        })
    }
}

fn date(year: i32, month: u32, day: u32) -> Date {
    Date { year, month, day }
}

/// The built-in historical episodes, all inside the bundled S&P 500 and
/// NASDAQ data: the dot-com bust (S&P 500 peak 2000-03-24 to trough
/// 2002-10-09), the 2008-2009 financial crisis (peak 2007-10-09 to trough
/// 2009-03-09), August 2011 (the US downgrade, 2011-08-01 to 2011-08-31)
/// and late 2018 (Q4 sell-off, 2018-10-01 to 2018-12-24).
pub fn historical_episodes() -> Vec<Episode> {
    vec![
        Episode {
            name: "Dot-com bust 2000-2002".into(),
            from: date(2000, 3, 24),
            to: date(2002, 10, 9),
        },
        Episode {
            name: "Financial crisis 2008-2009".into(),
            from: date(2007, 10, 9),
            to: date(2009, 3, 9),
        },
        Episode {
            name: "August 2011".into(),
            from: date(2011, 8, 1),
            to: date(2011, 8, 31),
        },
        Episode {
            name: "Late 2018".into(),
            from: date(2018, 10, 1),
            to: date(2018, 12, 24),
        },
    ]
}

/// Prices of several series on the dates they all share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlignedPrices {
    /// Each series' symbol, in input order.
    pub symbols: Vec<String>,
    /// The common dates, ascending.
    pub dates: Vec<Date>,
    /// `prices[i][t]`: close (or value) of series i on `dates[t]`.
    pub prices: Vec<Vec<f64>>,
    /// Dates present in some series but not in all, dropped.
    pub dropped: usize,
}

impl AlignedPrices {
    /// Aligns `series` on the dates every one of them has (an inner join),
    /// counting the dates dropped. Fails when fewer than two dates are common.
    pub fn new(series: &[&Series]) -> Result<AlignedPrices, RiskError> {
        if series.is_empty() {
            return Err(RiskError::Invalid {
                field: "series",
                reason: "no series given".into(),
            });
        }
        let all: Vec<(Vec<Date>, Vec<f64>)> =
            series.iter().map(|s| (s.dates(), s.values())).collect();
        let mut union: Vec<Date> = all.iter().flat_map(|(d, _)| d.iter().copied()).collect();
        union.sort();
        union.dedup();
        let common: Vec<Date> = union
            .iter()
            .copied()
            .filter(|d| all.iter().all(|(dates, _)| dates.binary_search(d).is_ok()))
            .collect();
        if common.len() < 2 {
            return Err(RiskError::TooFew {
                field: "series",
                got: common.len(),
                needed: 2,
                reason: "common dates of all series".into(),
            });
        }
        let prices = all
            .iter()
            .map(|(dates, values)| {
                let mut j = 0;
                common
                    .iter()
                    .map(|d| {
                        while dates[j] < *d {
                            j += 1;
                        }
                        values[j]
                    })
                    .collect()
            })
            .collect();
        Ok(AlignedPrices {
            symbols: series
                .iter()
                .map(|s| s.provenance().symbol.clone())
                .collect(),
            dropped: union.len() - common.len(),
            dates: common,
            prices,
        })
    }
}

/// What an episode did to the portfolio.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpisodeResult {
    /// The episode replayed.
    pub episode: Episode,
    /// First and last data dates inside the episode.
    pub first_date: Date,
    /// Last data date inside the episode.
    pub last_date: Date,
    /// Number of periods (returns) replayed.
    pub periods: usize,
    /// Compounded portfolio return over the episode.
    pub total_return: f64,
    /// Largest drawdown of the portfolio within the episode (positive).
    pub max_drawdown: f64,
    /// Worst one-period portfolio return.
    pub worst_day_return: f64,
    /// Its date (the end of that period).
    pub worst_day_date: Date,
}

/// Replays `episode` on the portfolio `weights` (fractions of capital per
/// aligned series, rebalanced every period; shorts and leverage allowed).
pub fn replay(
    prices: &AlignedPrices,
    weights: &[f64],
    episode: &Episode,
) -> Result<EpisodeResult, RiskError> {
    check_same_len("weights", weights.len(), "series", prices.prices.len())?;
    check_finite("weights", weights)?;
    let inside: Vec<usize> = (0..prices.dates.len())
        .filter(|&t| prices.dates[t] >= episode.from && prices.dates[t] <= episode.to)
        .collect();
    if inside.len() < 2 {
        let (first, last) = (prices.dates[0], prices.dates[prices.dates.len() - 1]);
        return Err(RiskError::TooFew {
            field: "episode",
            got: inside.len(),
            needed: 2,
            reason: format!(
                "data dates between {} and {}; the data cover {first} to {last}",
                episode.from, episode.to
            ),
        });
    }
    let mut value = vec![1.0];
    let (mut worst, mut worst_at) = (f64::INFINITY, inside[1]);
    for pair in inside.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let r: f64 = weights
            .iter()
            .zip(&prices.prices)
            .map(|(w, p)| w * (p[b] / p[a] - 1.0))
            .sum();
        if r < worst {
            worst = r;
            worst_at = b;
        }
        value.push(value[value.len() - 1] * (1.0 + r));
    }
    let max_drawdown = curve_unchecked(&value).into_iter().fold(0.0, f64::max);
    Ok(EpisodeResult {
        episode: episode.clone(),
        first_date: prices.dates[inside[0]],
        last_date: prices.dates[inside[inside.len() - 1]],
        periods: inside.len() - 1,
        total_return: value[value.len() - 1] - 1.0,
        max_drawdown,
        worst_day_return: worst,
        worst_day_date: prices.dates[worst_at],
    })
}

/// An instantaneous market shock.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shock {
    /// Relative move of the underlying price, as a decimal (−0.2 = down
    /// 20%); must be above −1.
    pub price_change: f64,
    /// Change of implied volatility in percentage points (+10 = 0.20 to 0.30).
    pub vol_change_points: f64,
    /// Change of the risk-free rate in basis points (+100 = +1%).
    pub rate_change_bp: f64,
}

/// Option legs on one underlying, valued together (the Strategies screen's
/// legs with their market inputs and model).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OptionBook {
    /// The legs (calls, puts, the underlying; signed quantities).
    pub legs: Vec<Leg>,
    /// Market inputs today (the strike and kind are each leg's own).
    pub market: OptionParams,
    /// European (BSM) or American (CRR) valuation.
    pub model: Model,
}

/// A linear position that moves `beta` times the shocked price change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearHolding {
    /// Display name.
    pub name: String,
    /// Market value today (negative for a short).
    pub value: f64,
    /// Sensitivity to the price shock (1 = moves with the underlying).
    pub beta: f64,
}

/// The portfolio's value before and after a shock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShockResult {
    /// Value before the shock (options' value plus linear holdings).
    pub value_before: f64,
    /// Value after.
    pub value_after: f64,
    /// `value_after − value_before`.
    pub pnl: f64,
    /// Change of the option book's value.
    pub option_pnl: f64,
    /// Change of the linear holdings' value.
    pub linear_pnl: f64,
    /// The market inputs after the shock, when there is an option book.
    pub shocked_market: Option<OptionParams>,
}

fn shock_field(e: InputError) -> RiskError {
    let field = match e.field {
        Field::Spot => "price_change",
        Field::Volatility => "vol_change_points",
        Field::Rate => "rate_change_bp",
        _ => "market",
    };
    RiskError::Pricing {
        field,
        reason: format!("after the shock, {e}"),
    }
}

/// Applies `shock` to an optional option `book` and to `linear` holdings.
/// The shocked market is validated with the pricing input ranges (e.g. the
/// volatility must stay above 0), so a shock too large is an error naming
/// the shock's field.
pub fn shock(
    book: Option<&OptionBook>,
    linear: &[LinearHolding],
    shock: &Shock,
) -> Result<ShockResult, RiskError> {
    for (field, v) in [
        ("price_change", shock.price_change),
        ("vol_change_points", shock.vol_change_points),
        ("rate_change_bp", shock.rate_change_bp),
    ] {
        if !v.is_finite() {
            return Err(RiskError::Invalid {
                field,
                reason: format!("{v} is not a finite number"),
            });
        }
    }
    if shock.price_change <= -1.0 {
        return Err(RiskError::Invalid {
            field: "price_change",
            reason: format!(
                "{} would make the price ≤ 0; use a value above −1",
                shock.price_change
            ),
        });
    }
    let values: Vec<f64> = linear.iter().map(|h| h.value).collect();
    let betas: Vec<f64> = linear.iter().map(|h| h.beta).collect();
    check_finite("linear", &values)?;
    check_finite("linear", &betas)?;
    let linear_before: f64 = values.iter().sum();
    let linear_pnl: f64 = linear
        .iter()
        .map(|h| h.value * h.beta * shock.price_change)
        .sum();
    let (option_before, option_after, shocked_market) = match book {
        None => (0.0, 0.0, None),
        Some(book) => {
            for leg in &book.legs {
                leg.validate().map_err(|e| RiskError::Pricing {
                    field: "legs",
                    reason: e.to_string(),
                })?;
            }
            let market = book.market.validated().map_err(|e| RiskError::Pricing {
                field: "market",
                reason: e.to_string(),
            })?;
            let shocked = OptionParams {
                spot: market.spot * (1.0 + shock.price_change),
                volatility: market.volatility + shock.vol_change_points / 100.0,
                rate: market.rate + shock.rate_change_bp / 10_000.0,
                ..market
            }
            .validated()
            .map_err(shock_field)?;
            let price = |m: &OptionParams| {
                strategy::valuation(&book.legs, m, &book.model)
                    .map(|v| v.price)
                    .map_err(|e| RiskError::Pricing {
                        field: "model",
                        reason: e.to_string(),
                    })
            };
            (price(&market)?, price(&shocked)?, Some(shocked))
        }
    };
    let value_before = option_before + linear_before;
    let option_pnl = option_after - option_before;
    Ok(ShockResult {
        value_before,
        value_after: value_before + option_pnl + linear_pnl,
        pnl: option_pnl + linear_pnl,
        option_pnl,
        linear_pnl,
        shocked_market,
    })
}
