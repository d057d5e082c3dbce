//! Charts of a value curve over dates, shared by the chat's cards and the
//! Backtest and Risk screens: an equity curve against buy-and-hold (a
//! [`LineChart`]) and a drawdown curve (an [`AreaChart`]), each thinned
//! to at most [`CHART_POINTS`] points so long daily series stay light.
//!
//! Must not compute equity or drawdowns: the caller gives them.

use leptos::prelude::*;
use shared::calendar::Date;

use super::area_chart::AreaChart;
use super::chart::{LineChart, Marker, Series as Line};
use super::data_page::year_fraction;

/// Most points drawn per line.
pub const CHART_POINTS: usize = 500;

/// The indices of at most `most` points of `n`, evenly spaced, always
/// keeping the first and the last.
pub fn thin(n: usize, most: usize) -> Vec<usize> {
    if n <= most || most < 2 {
        return (0..n).collect();
    }
    let step = (n - 1) as f64 / (most - 1) as f64;
    (0..most)
        .map(|k| (k as f64 * step).round() as usize)
        .collect()
}

/// An equity curve (named `name`) against buy-and-hold: a lab run's best
/// model or a backtest, at most [`CHART_POINTS`] points a line.
pub fn equity_chart(name: &str, dates: &[Date], equity: &[f64], hold: &[f64]) -> impl IntoView {
    let n = dates.len().min(equity.len()).min(hold.len());
    let keep = thin(n, CHART_POINTS);
    let line = |name: String, class: &'static str, y: &[f64]| Line {
        name,
        class,
        points: keep
            .iter()
            .map(|&i| (year_fraction(dates[i]), y[i]))
            .collect(),
    };
    let lines = vec![
        line(name.to_string(), "series-a", equity),
        line("buy and hold".into(), "series-b", hold),
    ];
    view! {
        <div class="action-chart">
            <LineChart title="Equity curve" x_label="year" series=Signal::derive(move || lines.clone()) markers=Signal::derive(Vec::new) />
        </div>
    }
}

/// The drawdown curve: `drawdown[i]` (a positive fraction below the
/// running peak) drawn as a negative percentage on `dates[i]`, the deepest
/// point marked with `label`.
pub fn drawdown_chart(
    title: &'static str,
    dates: &[Date],
    drawdown: &[f64],
    deepest: Option<(Date, String)>,
) -> impl IntoView {
    let n = dates.len().min(drawdown.len());
    let points: Vec<(f64, f64)> = thin(n, CHART_POINTS)
        .into_iter()
        .map(|i| (year_fraction(dates[i]), -100.0 * drawdown[i]))
        .collect();
    let markers: Vec<Marker> = deepest
        .map(|(date, label)| Marker {
            x: year_fraction(date),
            label,
        })
        .into_iter()
        .collect();
    view! {
        <div class="action-chart">
            <AreaChart title=title x_label="year (drawdown in %)" points=points markers=markers />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::thin;

    #[test]
    fn thinning_keeps_the_ends_and_the_count() {
        assert_eq!(thin(5, 500), vec![0, 1, 2, 3, 4]);
        let kept = thin(5031, 500);
        assert_eq!(kept.len(), 500);
        assert_eq!((kept[0], kept[499]), (0, 5030));
        assert!(kept.windows(2).all(|w| w[0] < w[1]));
        assert!(thin(0, 500).is_empty());
    }
}
