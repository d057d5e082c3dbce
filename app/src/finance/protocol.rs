//! Messages between the page and the finance worker, as JSON text (the
//! worker is a plain `Worker`, so the page can terminate it to cancel), and
//! the worker's handler, [`handle`].
//!
//! Must not fetch: the page fetches through the gateway and sends the
//! series, or, offline on bundled data only, asks the worker to use its
//! own copy ([`FinanceRequest::RunBundled`]). [`handle`] is only called by
//! the worker binary, so the main app's WASM links neither the finance
//! compute nor the bundled data.

use serde::{Deserialize, Serialize};
use shared::actions::Action;
use shared::api::DataRequest;
use shared::backtest::Signal;
use shared::data::{bundled, Series};
use shared::execute::FinanceOutcome;

/// What the page asks the worker to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FinanceRequest {
    /// Run `action` on `series` fetched through the gateway (in the order
    /// of the action's data requests).
    Run {
        /// The finance action.
        action: Action,
        /// Its series.
        series: Vec<Series>,
    },
    /// Run `action` on the worker's own copy of the bundled data (the
    /// gateway could not be reached and every request is `bundled`).
    RunBundled {
        /// The finance action.
        action: Action,
    },
    /// Backtest `action` (a `backtest`) on its one `series` with `signal`
    /// in place of its rule: a Lab model's walk-forward positions ("backtest
    /// this model").
    RunSignal {
        /// The backtest action (direction, sizing, costs).
        action: Action,
        /// Its one series, fetched through the gateway.
        series: Vec<Series>,
        /// The positions to backtest.
        signal: Signal,
    },
    /// Time every case of `shared::execute::workload` on the worker's own
    /// bundled data (the `/bench` page).
    Bench,
}

/// What the worker reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FinanceEvent {
    /// The worker has loaded and listens: the page sends its request now.
    Ready,
    /// The run finished.
    Done {
        /// What the shared library computed, boxed to keep the enum small.
        outcome: Box<FinanceOutcome>,
        /// The series the worker loaded itself ([`FinanceRequest::RunBundled`]);
        /// `None` when the page sent them.
        loaded: Option<Vec<Series>>,
    },
    /// The benchmark's timings, one row per case.
    Bench {
        /// Best of [`BENCH_ROUNDS`] runs per case.
        rows: Vec<FinanceBenchRow>,
    },
    /// Nothing could run: bad data, bad settings, or no such dataset.
    Failed {
        /// Why, naming the field or the data problem.
        message: String,
    },
}

/// Timed runs per benchmark case (after one untimed warm-up); the best
/// is reported, as the native twin `cargo bench -p shared --bench
/// finance_workload` does.
pub const BENCH_ROUNDS: usize = 3;

/// One finance benchmark case's time in this browser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FinanceBenchRow {
    /// The case, as named by the criterion benchmarks.
    pub name: String,
    /// Best time of one run, in milliseconds.
    pub best_ms: f64,
}

/// Times every workload case: one warm-up, then the best of
/// [`BENCH_ROUNDS`] runs, with `now_ms` as the clock.
pub fn bench(now_ms: impl Fn() -> f64) -> Result<Vec<FinanceBenchRow>, String> {
    shared::execute::workload::all_cases()?
        .iter()
        .map(|case| {
            case.run().map_err(|e| format!("{}: {e}", case.name))?;
            let mut best = f64::INFINITY;
            for _ in 0..BENCH_ROUNDS {
                let start = now_ms();
                std::hint::black_box(case.run()?);
                best = best.min(now_ms() - start);
            }
            Ok(FinanceBenchRow {
                name: case.name.clone(),
                best_ms: best,
            })
        })
        .collect()
}

/// The worker's own copy of what the gateway would serve for a `bundled`
/// `request`: the dataset, cut to `from`..`to` as the server does.
pub fn bundled_series(request: &DataRequest) -> Result<Series, String> {
    if request.source != "bundled" {
        return Err(format!(
            "{} comes from {}, which needs the server",
            request.symbol, request.source
        ));
    }
    let series = bundled::load(&request.symbol).map_err(|e| e.to_string())?;
    if request.from.is_none() && request.to.is_none() {
        return Ok(series);
    }
    let parse = |text: &Option<String>| {
        text.as_deref()
            .map(shared::calendar::Date::parse)
            .transpose()
            .map_err(|e| e.to_string())
    };
    series
        .between(parse(&request.from)?, parse(&request.to)?)
        .map_err(|e| format!("{}: {e}", request.symbol))
}

/// Carries out one request (in the worker).
pub fn handle(request: FinanceRequest) -> FinanceEvent {
    let result = match request {
        FinanceRequest::Bench => {
            return match bench(crate::clock::now_ms) {
                Ok(rows) => FinanceEvent::Bench { rows },
                Err(message) => FinanceEvent::Failed { message },
            }
        }
        FinanceRequest::Run { action, series } => {
            shared::execute::run(&action, &series).map(|outcome| (outcome, None))
        }
        FinanceRequest::RunSignal {
            action,
            series,
            signal,
        } => match (&action, series.as_slice()) {
            (Action::Backtest(b), [one]) => shared::execute::backtest_signal(b, one, signal)
                .map(|report| (FinanceOutcome::Backtest(report), None)),
            _ => Err("given positions are backtested with a backtest on one series".to_string()),
        },
        FinanceRequest::RunBundled { action } => super::data_requests(&action)
            .and_then(|requests| requests.iter().map(bundled_series).collect())
            .and_then(|series: Vec<Series>| {
                shared::execute::run(&action, &series).map(|outcome| (outcome, Some(series)))
            }),
    };
    match result {
        Ok((outcome, loaded)) => FinanceEvent::Done {
            outcome: Box::new(outcome),
            loaded,
        },
        Err(message) => FinanceEvent::Failed { message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn portfolio(source: &str) -> Action {
        serde_json::from_value(serde_json::json!({
            "action": "optimise_portfolio", "source": source,
            "assets": ["sp500", "nasdaq", "wti"], "method": "min_variance",
            "from": "2010-01-01", "to": "2012-12-31"
        }))
        .unwrap()
    }

    #[test]
    fn given_positions_run_in_the_worker_like_the_rule_they_copy() {
        let action: Action = serde_json::from_value(serde_json::json!({
            "action": "backtest", "symbol": "sp500", "rule": "ma_crossover",
            "fast": 20, "slow": 100
        }))
        .unwrap();
        let Action::Backtest(b) = &action else {
            panic!("a backtest")
        };
        let series = vec![bundled::load("sp500").unwrap()];
        let positions = b
            .trading_rule()
            .signal(&series[0].values(), b.trading_direction())
            .unwrap();
        let signal = Signal::Given {
            dates: series[0].dates(),
            positions,
        };
        let by_rule = handle(FinanceRequest::Run {
            action: action.clone(),
            series: series.clone(),
        });
        let by_positions = handle(FinanceRequest::RunSignal {
            action: action.clone(),
            series: series.clone(),
            signal: signal.clone(),
        });
        let equity = |event: &FinanceEvent| match event {
            FinanceEvent::Done { outcome, .. } => match outcome.as_ref() {
                FinanceOutcome::Backtest(r) => r.equity.clone(),
                other => panic!("not a backtest: {other:?}"),
            },
            other => panic!("failed: {other:?}"),
        };
        assert_eq!(equity(&by_positions), equity(&by_rule));
        // Two series, or another action, is a message, not a panic.
        let two = handle(FinanceRequest::RunSignal {
            action,
            series: vec![series[0].clone(), series[0].clone()],
            signal,
        });
        assert!(matches!(two, FinanceEvent::Failed { .. }), "{two:?}");
    }

    #[test]
    fn the_bundled_copy_equals_what_the_page_would_send() {
        let action = portfolio("bundled");
        let requests = super::super::data_requests(&action).unwrap();
        let series: Vec<Series> = requests
            .iter()
            .map(|r| bundled_series(r).unwrap())
            .collect();
        assert_eq!(series[0].provenance().first.to_string(), "2010-01-04");
        let FinanceEvent::Done { outcome, loaded } = handle(FinanceRequest::RunBundled {
            action: action.clone(),
        }) else {
            panic!("the bundled run failed")
        };
        assert_eq!(loaded.as_deref(), Some(&series[..]));
        let sent = handle(FinanceRequest::Run { action, series });
        assert_eq!(
            sent,
            FinanceEvent::Done {
                outcome,
                loaded: None
            }
        );
    }

    #[test]
    fn uploads_and_unknown_ids_are_not_loaded_in_the_worker() {
        let event = handle(FinanceRequest::RunBundled {
            action: portfolio("user_upload"),
        });
        let FinanceEvent::Failed { message } = event else {
            panic!("{event:?}")
        };
        assert!(message.contains("needs the server"), "{message}");
        let mut request = super::super::data_requests(&portfolio("bundled")).unwrap()[0].clone();
        request.symbol = "spx".into();
        assert!(bundled_series(&request).unwrap_err().contains("known ids"));
    }

    #[test]
    fn events_round_trip_as_json() {
        let event = FinanceEvent::Failed {
            message: "one asset".into(),
        };
        let text = serde_json::to_string(&event).unwrap();
        assert_eq!(serde_json::from_str::<FinanceEvent>(&text).unwrap(), event);
    }
}
