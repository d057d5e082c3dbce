//! Several assets' series to one aligned matrix of returns on common dates.
//!
//! Returns are **simple** (`p_t / p_{t-1} - 1`) by default, which is what
//! portfolio maths needs (a portfolio's simple return is the weighted sum of
//! its assets'); log returns (`ln(p_t / p_{t-1})`) only when asked. Bars use
//! their close, value series their value.
//!
//! Must not fill or invent observations: a date is kept only when every
//! asset has it, and each dropped date is reported with the assets that
//! miss it. Series of different frequencies are refused with the reason,
//! unless the caller asks to resample to monthly, which is then recorded in
//! [`ReturnMatrix::resampled`].

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::PortfolioError;
use crate::calendar::Date;
use crate::data::{Frequency, Series};

/// How often an aligned matrix is observed; sets the annualisation factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortfolioFrequency {
    /// Trading days: 252 a year.
    Daily,
    /// Weeks: 52 a year.
    Weekly,
    /// Months: 12 a year.
    Monthly,
}

impl PortfolioFrequency {
    /// Periods per year used to annualise: 252, 52 or 12.
    pub fn periods_per_year(self) -> f64 {
        match self {
            PortfolioFrequency::Daily => 252.0,
            PortfolioFrequency::Weekly => 52.0,
            PortfolioFrequency::Monthly => 12.0,
        }
    }

    /// From the median number of days between consecutive dates: 1-4 daily,
    /// 5-10 weekly, 26-35 monthly, otherwise `None`.
    pub fn from_median_gap(days: i64) -> Option<PortfolioFrequency> {
        match days {
            1..=4 => Some(PortfolioFrequency::Daily),
            5..=10 => Some(PortfolioFrequency::Weekly),
            26..=35 => Some(PortfolioFrequency::Monthly),
            _ => None,
        }
    }
}

impl From<Frequency> for PortfolioFrequency {
    fn from(f: Frequency) -> Self {
        match f {
            Frequency::Daily => PortfolioFrequency::Daily,
            Frequency::Monthly => PortfolioFrequency::Monthly,
        }
    }
}

impl fmt::Display for PortfolioFrequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PortfolioFrequency::Daily => "daily",
            PortfolioFrequency::Weekly => "weekly",
            PortfolioFrequency::Monthly => "monthly",
        })
    }
}

/// Simple or log returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnKind {
    /// `p_t / p_{t-1} - 1`: the default, and what the optimisers assume.
    #[default]
    Simple,
    /// `ln(p_t / p_{t-1})`.
    Log,
}

/// What a series' numbers are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// Prices or index levels (bars' closes, or values): returns are
    /// computed between consecutive aligned dates.
    #[default]
    Prices,
    /// Simple returns per period as decimals (0.01 = 1 %), used as given on
    /// each kept date.
    Returns,
    /// Simple returns in percent (Fama-French factors), divided by 100.
    PercentReturns,
}

/// One asset to align.
#[derive(Clone, Copy, Debug)]
pub struct AssetSeries<'a> {
    /// Its name in results and errors (e.g. the symbol).
    pub name: &'a str,
    /// The validated series.
    pub series: &'a Series,
    /// What its numbers are.
    pub values: ValueKind,
    /// Its frequency when known (e.g. from the bundled catalog); otherwise
    /// inferred from the median gap between dates. A declaration that
    /// disagrees with the dates is refused.
    pub frequency: Option<Frequency>,
}

/// How to align.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AlignOptions {
    /// Simple (default) or log returns.
    pub kind: ReturnKind,
    /// Resample every series to monthly first (last observation of each
    /// calendar month, dated the 1st of that month) so that series of
    /// different frequencies can be combined. Off by default: mixed
    /// frequencies are refused.
    pub resample_monthly: bool,
}

/// A date dropped inside the common span, with the assets that miss it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DroppedDate {
    /// The date.
    pub date: Date,
    /// Names of the assets with no observation that day.
    pub missing_in: Vec<String>,
}

/// What alignment dropped and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AlignReport {
    /// First date every asset covers (the latest first observation).
    pub common_first: Date,
    /// Last date every asset covers (the earliest last observation).
    pub common_last: Date,
    /// Observations dropped because they lie before `common_first`, per
    /// asset (the same order as the input).
    pub dropped_before: Vec<usize>,
    /// Observations dropped because they lie after `common_last`, per asset.
    pub dropped_after: Vec<usize>,
    /// Dates inside the common span that some asset observes and another
    /// misses (or reports missing), with the assets that miss them.
    pub dropped_inside: Vec<DroppedDate>,
    /// Dates kept (prices); there is one return fewer than this for price
    /// series.
    pub kept_dates: usize,
    /// Total observations dropped over all assets.
    pub dropped_total: usize,
    /// `Some(text)` when the series were resampled on request, saying how
    /// (shown to the user as a label); `None` otherwise.
    pub resampled: Option<String>,
}

/// Aligned returns: one row per kept date, one column per asset. The
/// estimators and optimisers treat the numbers as simple returns; log
/// returns ([`ReturnKind::Log`]) are for callers that want them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReturnMatrix {
    assets: Vec<String>,
    dates: Vec<Date>,
    data: Vec<f64>,
    frequency: PortfolioFrequency,
    kind: ReturnKind,
    resampled: bool,
}

impl ReturnMatrix {
    /// Builds a matrix from rows of returns (row `t` is date `dates[t]`),
    /// checking the shape, the names and that every number is finite.
    /// Used for returns that did not come from [`align_returns`].
    pub fn new(
        assets: Vec<String>,
        dates: Vec<Date>,
        rows: &[Vec<f64>],
        frequency: PortfolioFrequency,
        kind: ReturnKind,
    ) -> Result<ReturnMatrix, PortfolioError> {
        check_names(&assets)?;
        if rows.len() != dates.len() {
            return Err(PortfolioError::Length {
                field: "dates",
                expected: rows.len(),
                got: dates.len(),
            });
        }
        let n = assets.len();
        let mut data = Vec::with_capacity(rows.len() * n);
        for (t, row) in rows.iter().enumerate() {
            if row.len() != n {
                return Err(PortfolioError::Length {
                    field: "returns row",
                    expected: n,
                    got: row.len(),
                });
            }
            for (j, &v) in row.iter().enumerate() {
                if !v.is_finite() {
                    return Err(PortfolioError::NotFinite {
                        field: format!("{} return on {}", assets[j], dates[t]),
                        value: v,
                    });
                }
            }
            data.extend_from_slice(row);
        }
        Ok(ReturnMatrix {
            assets,
            dates,
            data,
            frequency,
            kind,
            resampled: false,
        })
    }

    /// Asset names, in column order.
    pub fn assets(&self) -> &[String] {
        &self.assets
    }

    /// Number of assets (columns).
    pub fn n_assets(&self) -> usize {
        self.assets.len()
    }

    /// Number of return dates (rows).
    pub fn n_dates(&self) -> usize {
        self.dates.len()
    }

    /// The date of each row.
    pub fn dates(&self) -> &[Date] {
        &self.dates
    }

    /// Row `t`: every asset's return on `dates()[t]`.
    pub fn row(&self, t: usize) -> &[f64] {
        let n = self.n_assets();
        &self.data[t * n..(t + 1) * n]
    }

    /// Column `j`: asset `j`'s returns over time.
    pub fn column(&self, j: usize) -> Vec<f64> {
        let n = self.n_assets();
        self.data
            .iter()
            .skip(j)
            .step_by(n.max(1))
            .copied()
            .collect()
    }

    /// The matrix without column `j` (e.g. the market series used for
    /// CAPM), or `None` if `j` is out of range.
    pub fn without_asset(&self, j: usize) -> Option<ReturnMatrix> {
        if j >= self.n_assets() {
            return None;
        }
        let n = self.n_assets();
        let mut assets = self.assets.clone();
        assets.remove(j);
        let data = self
            .data
            .iter()
            .enumerate()
            .filter(|(k, _)| k % n != j)
            .map(|(_, v)| *v)
            .collect();
        Some(ReturnMatrix {
            assets,
            data,
            ..self.clone()
        })
    }

    /// The frequency (sets the annualisation).
    pub fn frequency(&self) -> PortfolioFrequency {
        self.frequency
    }

    /// Simple or log returns.
    pub fn kind(&self) -> ReturnKind {
        self.kind
    }

    /// Whether the series were resampled to monthly on request.
    pub fn resampled(&self) -> bool {
        self.resampled
    }
}

fn check_names(names: &[String]) -> Result<(), PortfolioError> {
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(PortfolioError::DuplicateAsset {
                asset: name.clone(),
            });
        }
    }
    Ok(())
}

/// The frequency of `dates` from the median gap, or `None` for fewer than
/// two dates or an unrecognised gap (the gap is returned either way).
fn infer_frequency(dates: &[Date]) -> (Option<PortfolioFrequency>, i64) {
    let mut gaps: Vec<i64> = dates.windows(2).map(|w| w[0].days_until(&w[1])).collect();
    if gaps.is_empty() {
        return (None, 0);
    }
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2];
    (PortfolioFrequency::from_median_gap(median), median)
}

/// The last observation of each calendar month, dated the 1st.
fn to_monthly(dates: &[Date], values: &[f64]) -> (Vec<Date>, Vec<f64>) {
    let mut by_month: BTreeMap<(i32, u32), f64> = BTreeMap::new();
    for (d, v) in dates.iter().zip(values) {
        by_month.insert((d.year, d.month), *v);
    }
    by_month
        .into_iter()
        .filter_map(|((y, m), v)| Date::new(y, m, 1).ok().map(|d| (d, v)))
        .unzip()
}

/// Aligns the assets on the dates they all observe and returns their
/// returns with a report of what was dropped.
///
/// Steps: each asset's frequency is declared or inferred (median gap) and
/// must be the same for all (unless `resample_monthly`); observations
/// outside the common span `[latest first date, earliest last date]` are
/// counted per asset; inside it, a date is kept only if every asset
/// observes it (dates a source reported missing count as not observed),
/// and every dropped one is listed with the assets missing it. Price
/// series then give one return per pair of consecutive kept dates; return
/// series give their value on each kept date after the first.
pub fn align_returns(
    assets: &[AssetSeries<'_>],
    options: &AlignOptions,
) -> Result<(ReturnMatrix, AlignReport), PortfolioError> {
    if assets.is_empty() {
        return Err(PortfolioError::TooFewAssets { count: 0, min: 1 });
    }
    let names: Vec<String> = assets.iter().map(|a| a.name.to_string()).collect();
    check_names(&names)?;

    // Each asset's dates and numbers, with its frequency.
    let mut columns: Vec<(Vec<Date>, Vec<f64>)> = Vec::with_capacity(assets.len());
    let mut frequency: Option<(usize, PortfolioFrequency)> = None;
    for (i, a) in assets.iter().enumerate() {
        let dates = a.series.dates();
        let values = a.series.values();
        let (inferred, gap) = infer_frequency(&dates);
        let inferred = match (inferred, a.frequency) {
            (Some(f), Some(declared)) if f != declared.into() => {
                return Err(PortfolioError::FrequencyDisagrees {
                    asset: names[i].clone(),
                    declared: declared.into(),
                    inferred: f,
                })
            }
            (Some(f), _) => f,
            (None, Some(declared)) if dates.len() < 2 => declared.into(),
            (None, _) => {
                return Err(PortfolioError::UnknownFrequency {
                    asset: names[i].clone(),
                    median_gap_days: gap,
                })
            }
        };
        if options.resample_monthly {
            columns.push(to_monthly(&dates, &values));
            continue;
        }
        match frequency {
            None => frequency = Some((i, inferred)),
            Some((first, f)) if f != inferred => {
                return Err(PortfolioError::MixedFrequencies {
                    first_asset: names[first].clone(),
                    first_frequency: f,
                    asset: names[i].clone(),
                    frequency: inferred,
                })
            }
            Some(_) => {}
        }
        columns.push((dates, values));
    }
    let frequency = if options.resample_monthly {
        PortfolioFrequency::Monthly
    } else {
        frequency.map_or(PortfolioFrequency::Daily, |(_, f)| f)
    };

    let common_first = columns
        .iter()
        .filter_map(|(d, _)| d.first().copied())
        .max()
        .ok_or(PortfolioError::TooFewDates {
            count: 0,
            min: 3,
            what: "aligned returns",
        })?;
    let common_last = columns
        .iter()
        .filter_map(|(d, _)| d.last().copied())
        .min()
        .ok_or(PortfolioError::TooFewDates {
            count: 0,
            min: 3,
            what: "aligned returns",
        })?;
    let dropped_before: Vec<usize> = columns
        .iter()
        .map(|(d, _)| d.iter().filter(|x| **x < common_first).count())
        .collect();
    let dropped_after: Vec<usize> = columns
        .iter()
        .map(|(d, _)| d.iter().filter(|x| **x > common_last).count())
        .collect();

    // Every date inside the span, with which assets observe it.
    let n = assets.len();
    let mut seen: BTreeMap<Date, Vec<Option<f64>>> = BTreeMap::new();
    for (j, (dates, values)) in columns.iter().enumerate() {
        for (d, v) in dates.iter().zip(values) {
            if *d >= common_first && *d <= common_last {
                seen.entry(*d).or_insert_with(|| vec![None; n])[j] = Some(*v);
            }
        }
    }
    let mut dropped_inside = Vec::new();
    let mut kept: Vec<(Date, Vec<f64>)> = Vec::new();
    let mut dropped_total: usize =
        dropped_before.iter().sum::<usize>() + dropped_after.iter().sum::<usize>();
    for (date, row) in seen {
        if row.iter().all(Option::is_some) {
            kept.push((date, row.into_iter().flatten().collect()));
        } else {
            dropped_total += row.iter().filter(|v| v.is_some()).count();
            dropped_inside.push(DroppedDate {
                date,
                missing_in: row
                    .iter()
                    .zip(&names)
                    .filter(|(v, _)| v.is_none())
                    .map(|(_, name)| name.clone())
                    .collect(),
            });
        }
    }

    let report = AlignReport {
        common_first,
        common_last,
        dropped_before,
        dropped_after,
        dropped_inside,
        kept_dates: kept.len(),
        dropped_total,
        resampled: options.resample_monthly.then(|| {
            "resampled to monthly: the last observation of each calendar month, dated the 1st"
                .to_string()
        }),
    };
    if kept.len() < 3 {
        return Err(PortfolioError::TooFewDates {
            count: kept.len().saturating_sub(1),
            min: 2,
            what: "aligned returns",
        });
    }

    // Returns between consecutive kept dates.
    for (date, row) in &kept {
        for (j, a) in assets.iter().enumerate() {
            if a.values == ValueKind::Prices && row[j] <= 0.0 {
                return Err(PortfolioError::NonPositivePrice {
                    asset: names[j].clone(),
                    date: *date,
                    value: row[j],
                });
            }
        }
    }
    let mut data = Vec::with_capacity((kept.len() - 1) * n);
    let mut dates = Vec::with_capacity(kept.len() - 1);
    for w in kept.windows(2) {
        let (prev, (date, row)) = (&w[0].1, &w[1]);
        dates.push(*date);
        for (j, a) in assets.iter().enumerate() {
            let simple = match a.values {
                ValueKind::Prices => row[j] / prev[j] - 1.0,
                ValueKind::Returns => row[j],
                ValueKind::PercentReturns => row[j] / 100.0,
            };
            let r = match options.kind {
                ReturnKind::Simple => simple,
                ReturnKind::Log if simple > -1.0 => libm::log1p(simple),
                ReturnKind::Log => {
                    return Err(PortfolioError::ReturnBelowMinusOne {
                        asset: names[j].clone(),
                        date: *date,
                        value: simple,
                    })
                }
            };
            data.push(r);
        }
    }
    let matrix = ReturnMatrix {
        assets: names,
        dates,
        data,
        frequency,
        kind: options.kind,
        resampled: options.resample_monthly,
    };
    Ok((matrix, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn frequency_comes_from_the_median_gap() {
        let daily = [d(2020, 1, 2), d(2020, 1, 3), d(2020, 1, 6), d(2020, 1, 7)];
        assert_eq!(
            infer_frequency(&daily),
            (Some(PortfolioFrequency::Daily), 1)
        );
        let weekly = [d(2020, 1, 3), d(2020, 1, 10), d(2020, 1, 17)];
        assert_eq!(infer_frequency(&weekly).0, Some(PortfolioFrequency::Weekly));
        let monthly = [d(2020, 1, 1), d(2020, 2, 1), d(2020, 3, 1)];
        assert_eq!(
            infer_frequency(&monthly).0,
            Some(PortfolioFrequency::Monthly)
        );
        let yearly = [d(2017, 1, 1), d(2018, 1, 1), d(2019, 1, 1)];
        assert_eq!(infer_frequency(&yearly), (None, 365));
        assert_eq!(PortfolioFrequency::Weekly.periods_per_year(), 52.0);
    }

    #[test]
    fn monthly_resampling_keeps_each_months_last_value_dated_the_first() {
        let dates = [
            d(2020, 1, 30),
            d(2020, 1, 31),
            d(2020, 2, 3),
            d(2020, 2, 28),
        ];
        let (md, mv) = to_monthly(&dates, &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(md, vec![d(2020, 1, 1), d(2020, 2, 1)]);
        assert_eq!(mv, vec![2.0, 4.0]);
    }

    #[test]
    fn without_asset_drops_one_column() {
        let m = ReturnMatrix::new(
            vec!["A".into(), "B".into(), "C".into()],
            vec![d(2020, 1, 1), d(2020, 2, 1)],
            &[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]],
            PortfolioFrequency::Monthly,
            ReturnKind::Simple,
        )
        .unwrap();
        let r = m.without_asset(1).unwrap();
        assert_eq!(r.assets(), ["A", "C"]);
        assert_eq!(r.row(1), [4.0, 6.0]);
        assert_eq!(m.column(2), vec![3.0, 6.0]);
        assert!(m.without_asset(3).is_none());
    }
}
