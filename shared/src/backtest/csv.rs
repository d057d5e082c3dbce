//! CSV exports of a backtest: the equity curve, the trade list and the
//! report. RFC 4180: comma separated, CRLF line ends, a field quoted when
//! it holds a comma, a double quote or a line break (quotes doubled
//! inside). Numbers are written with Rust's shortest round-trip form.
//! Must not write files: callers save the text.

use super::report::{BacktestReport, Performance, Side};
use super::signals::Signal;
use super::sizing::Sizing;

/// One CSV field, quoted when needed.
pub fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn line(fields: &[String]) -> String {
    let mut out = fields
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

/// `date,strategy_equity,buy_and_hold_equity,drawdown,position,price`,
/// one row per date; `position` is the one held over the period ending
/// that date (empty on the first date).
pub fn equity_csv(report: &BacktestReport) -> String {
    let mut out = line(&[
        "date".into(),
        "strategy_equity".into(),
        "buy_and_hold_equity".into(),
        "drawdown".into(),
        "position".into(),
        "price".into(),
    ]);
    for (i, date) in report.dates.iter().enumerate() {
        out.push_str(&line(&[
            date.to_string(),
            report.equity[i].to_string(),
            report.buy_and_hold_equity[i].to_string(),
            report.drawdown[i].to_string(),
            if i == 0 {
                String::new()
            } else {
                report.positions[i - 1].to_string()
            },
            report.prices[i].to_string(),
        ]));
    }
    out
}

/// One row per round trip: side, entry and exit date and price, bars
/// held, price and net return, whether still open.
pub fn trades_csv(report: &BacktestReport) -> String {
    let mut out = line(
        &[
            "side",
            "entry_date",
            "entry_price",
            "exit_date",
            "exit_price",
            "bars_held",
            "price_return",
            "net_return",
            "open",
        ]
        .map(String::from),
    );
    for t in &report.trades {
        out.push_str(&line(&[
            match t.side {
                Side::Long => "long".into(),
                Side::Short => "short".into(),
            },
            t.entry_date.to_string(),
            t.entry_price.to_string(),
            t.exit_date.to_string(),
            t.exit_price.to_string(),
            t.bars_held.to_string(),
            t.price_return.to_string(),
            t.net_return.to_string(),
            t.open.to_string(),
        ]));
    }
    out
}

fn performance_rows(p: &Performance) -> Vec<(&'static str, String)> {
    vec![
        ("cumulative_return", p.cumulative_return.to_string()),
        ("annualised_return", p.annualised_return.to_string()),
        ("volatility", p.volatility.to_string()),
        ("sharpe", p.sharpe.to_string()),
        ("sortino", p.sortino.to_string()),
        ("calmar", p.calmar.to_string()),
        ("max_drawdown", p.max_drawdown.to_string()),
        ("turnover", p.turnover.to_string()),
        ("hit_rate", p.hit_rate.to_string()),
        ("exposure", p.exposure.to_string()),
        ("position_changes", p.position_changes.to_string()),
        ("trades", p.trades.to_string()),
    ]
}

/// `metric,strategy,buy_and_hold`: the settings first (signal, sizing,
/// costs, execution rule, dates), then every [`Performance`] figure.
pub fn report_csv(report: &BacktestReport) -> String {
    let c = &report.config;
    let signal = match &c.signal {
        Signal::Rule(rule) => rule.describe(),
        Signal::Given { dates, .. } => format!("given positions ({} dates)", dates.len()),
    };
    let sizing = match c.sizing {
        Sizing::Full => "full".to_string(),
        Sizing::FixedFraction { fraction } => format!("fixed_fraction(fraction={fraction})"),
        Sizing::VolatilityTarget { target, lookback } => {
            format!("volatility_target(target={target}, lookback={lookback})")
        }
    };
    let first = report
        .dates
        .first()
        .map(|d| d.to_string())
        .unwrap_or_default();
    let last = report
        .dates
        .last()
        .map(|d| d.to_string())
        .unwrap_or_default();
    let mut out = line(&["metric".into(), "strategy".into(), "buy_and_hold".into()]);
    for (name, value, hold) in [
        ("signal", signal, "always long".to_string()),
        ("direction", format!("{:?}", c.direction), String::new()),
        ("sizing", sizing, "full".into()),
        ("cost_bps", c.cost_bps.to_string(), c.cost_bps.to_string()),
        (
            "slippage_bps",
            c.slippage_bps.to_string(),
            c.slippage_bps.to_string(),
        ),
        (
            "execution",
            report.execution.clone(),
            report.execution.clone(),
        ),
        ("first_date", first.clone(), first),
        ("last_date", last.clone(), last),
    ] {
        out.push_str(&line(&[name.into(), value, hold]));
    }
    let hold = performance_rows(&report.buy_and_hold);
    for ((name, value), (_, h)) in performance_rows(&report.strategy).into_iter().zip(hold) {
        out.push_str(&line(&[name.into(), value, h]));
    }
    out
}
