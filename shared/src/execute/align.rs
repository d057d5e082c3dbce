//! Aligning fetched series into returns for the finance actions, with the
//! kind of numbers each series holds.
//!
//! Must not fill or drop data itself: [`crate::portfolio::align_returns`]
//! does that and reports every dropped date.

use crate::data::{bundled, Series, Source};
use crate::portfolio::{
    align_returns, AlignOptions, AlignReport, AssetSeries, ReturnMatrix, ValueKind,
};

/// What a series' numbers are: the bundled Fama-French factors are percent
/// returns; everything else is prices or levels.
pub(crate) fn value_kind(series: &Series) -> ValueKind {
    let p = series.provenance();
    let percent_returns = p.source == Source::Bundled
        && bundled::catalog()
            .iter()
            .find(|d| d.symbol == p.symbol || d.id == p.symbol)
            .is_some_and(|d| d.units.starts_with("percent per month"));
    if percent_returns {
        ValueKind::PercentReturns
    } else {
        ValueKind::Prices
    }
}

/// Aligns `series` named `names` into simple returns with the report.
pub(crate) fn align(
    names: &[String],
    series: &[Series],
) -> Result<(ReturnMatrix, AlignReport), String> {
    let assets: Vec<AssetSeries<'_>> = names
        .iter()
        .zip(series)
        .map(|(name, s)| AssetSeries {
            name,
            series: s,
            values: value_kind(s),
            frequency: None,
        })
        .collect();
    align_returns(&assets, &AlignOptions::default()).map_err(|e| e.to_string())
}

/// Periods per year of `series` named `symbol` (252 daily, 52 weekly, 12
/// monthly), from its dates.
pub fn periods_per_year(symbol: &str, series: &Series) -> Result<f64, String> {
    let (matrix, _) = align(&[symbol.to_string()], std::slice::from_ref(series))?;
    Ok(matrix.frequency().periods_per_year())
}
