//! The lab worker's work: turn a [`LabRequest`] into a stream of
//! [`LabEvent`]s. Pure Rust over `shared` (builds the dataset, runs
//! walk-forward evaluation model by model); the worker binary only moves
//! JSON in and out, so this is tested natively.

use shared::features::{build_dataset, FeatureSpec};
use shared::models::{catalog, evaluate_many, CatalogEntry, Matrix, ModelError};

use super::protocol::{
    BenchTiming, CatalogTiming, LabEvent, LabRequest, BENCH_BUDGET_MS, BENCH_MAX_ROUNDS,
    BENCH_MIN_ROUNDS,
};

/// Handles `request`, calling `emit` for every event in order. `now_ms`
/// reads a clock (the worker's `performance.now()`), used only by `Bench`.
pub fn handle(request: LabRequest, emit: &mut dyn FnMut(LabEvent), now_ms: &dyn Fn() -> f64) {
    match request {
        LabRequest::Run {
            series,
            features,
            horizon,
            target,
            models,
            config,
        } => {
            let data = match build_dataset(&series, &features, horizon) {
                Ok(data) => data,
                Err(error) => {
                    return emit(LabEvent::Failed {
                        message: error.to_string(),
                    })
                }
            };
            if let Err(error) = config.validate_for_horizon(horizon) {
                return emit(LabEvent::Failed {
                    message: error.to_string(),
                });
            }
            let entries = match select(&models) {
                Ok(entries) => entries,
                Err(message) => return emit(LabEvent::Failed { message }),
            };
            if let Some(entry) = entries
                .iter()
                .find(|e| !super::protocol::fits_target(e.spec.task, target))
            {
                return emit(LabEvent::Failed {
                    message: format!(
                        "{} is a {} model and cannot predict the {} target",
                        entry.spec.name,
                        entry.spec.task.as_str(),
                        target.as_str()
                    ),
                });
            }
            emit(LabEvent::Started {
                total: entries.len(),
                rows: data.len(),
                features: data.feature_names.clone(),
            });
            let total = entries.len();
            evaluate_many(&entries, &data, &config, &|| false, &mut |progress| {
                emit(LabEvent::Model {
                    done: progress.done,
                    total,
                    name: progress.name.to_string(),
                    outcome: progress
                        .result
                        .as_ref()
                        .map(|report| Box::new(report.clone()))
                        .map_err(ToString::to_string),
                });
            });
            emit(LabEvent::Finished);
        }
        LabRequest::CatalogBench { series } => catalog_bench(&series, emit, now_ms),
        LabRequest::Bench {
            series,
            rows,
            models,
        } => {
            let spec = FeatureSpec::for_series(&series);
            let data = match build_dataset(&series, &spec, 1) {
                Ok(data) => data,
                Err(error) => {
                    return emit(LabEvent::Failed {
                        message: error.to_string(),
                    })
                }
            };
            let entries = match select(&models) {
                Ok(entries) => entries,
                Err(message) => return emit(LabEvent::Failed { message }),
            };
            let start = data.len().saturating_sub(rows);
            let x = data.x.slice_rows(start, data.len());
            let mut timings = Vec::new();
            for entry in &entries {
                match time_entry(
                    entry,
                    &x,
                    &data.direction[start..],
                    &data.forward_return[start..],
                    now_ms,
                ) {
                    Ok(timing) => timings.push(timing),
                    Err(error) => {
                        return emit(LabEvent::Failed {
                            message: format!("{}: {error}", entry.spec.name),
                        })
                    }
                }
            }
            emit(LabEvent::Bench { timings });
        }
    }
}

/// Runs every catalog entry through the Lab's default walk-forward on
/// `series` (default features, horizon 1), reporting each as it ends and
/// then every entry's wall time.
fn catalog_bench(
    series: &shared::data::Series,
    emit: &mut dyn FnMut(LabEvent),
    now_ms: &dyn Fn() -> f64,
) {
    let start = now_ms();
    let data = match build_dataset(series, &FeatureSpec::default(), 1) {
        Ok(data) => data,
        Err(error) => {
            return emit(LabEvent::Failed {
                message: error.to_string(),
            })
        }
    };
    let entries = catalog();
    let mut timings = Vec::with_capacity(entries.len());
    let mut last = now_ms();
    let config = shared::actions::LAB_DEFAULTS;
    evaluate_many(&entries, &data, &config, &|| false, &mut |progress| {
        let now = now_ms();
        timings.push(CatalogTiming {
            name: progress.name.to_string(),
            ms: now - last,
            error: progress.result.as_ref().err().map(ToString::to_string),
        });
        last = now;
        emit(LabEvent::CatalogProgress {
            done: progress.done,
            total: progress.total,
            name: progress.name.to_string(),
        });
    });
    emit(LabEvent::CatalogBench {
        timings,
        total_ms: now_ms() - start,
    });
}

/// The catalog entries called `names`, in that order.
fn select(names: &[String]) -> Result<Vec<CatalogEntry>, String> {
    if names.is_empty() {
        return Err("choose at least one model".to_string());
    }
    let all = catalog();
    names
        .iter()
        .map(|name| {
            all.iter()
                .find(|entry| &entry.spec.name == name)
                .cloned()
                .ok_or_else(|| format!("{name} is not in the model catalog"))
        })
        .collect()
}

/// Times `entry`'s fit and prediction on `x`: [`BENCH_MIN_ROUNDS`] rounds,
/// and more (up to [`BENCH_MAX_ROUNDS`]) while they have taken less than
/// [`BENCH_BUDGET_MS`].
fn time_entry(
    entry: &CatalogEntry,
    x: &Matrix,
    direction: &[f64],
    forward_return: &[f64],
    now_ms: &dyn Fn() -> f64,
) -> Result<BenchTiming, ModelError> {
    let y = match entry.spec.task {
        shared::models::Task::Regression => forward_return,
        _ => direction,
    };
    let mut rounds: Vec<(f64, f64)> = Vec::with_capacity(BENCH_MAX_ROUNDS);
    let mut spent = 0.0;
    while rounds.len() < BENCH_MIN_ROUNDS
        || (rounds.len() < BENCH_MAX_ROUNDS && spent < BENCH_BUDGET_MS)
    {
        let mut model = entry.build()?;
        let t0 = now_ms();
        model.fit(x, y, 42)?;
        let t1 = now_ms();
        model.predict(x)?;
        let t2 = now_ms();
        rounds.push((t1 - t0, t2 - t1));
        spent += t2 - t0;
    }
    let fastest =
        |pick: fn(&(f64, f64)) -> f64| rounds.iter().map(pick).fold(f64::INFINITY, f64::min);
    Ok(BenchTiming {
        name: entry.spec.name.clone(),
        fit_ms: fastest(|r| r.0),
        predict_ms: fastest(|r| r.1),
        first_fit_ms: rounds[0].0,
        first_predict_ms: rounds[0].1,
        rows: x.rows(),
        features: x.cols(),
    })
}

#[cfg(test)]
mod tests {
    use shared::models::{Task, WalkForwardConfig, Window};

    use super::*;

    /// The whole-catalog benchmark reports every entry once, in catalog
    /// order, with its time; on too few rows for the Lab's first training
    /// window each entry fails with its reason and the run still ends.
    #[test]
    fn the_catalog_bench_reports_every_entry() {
        let full = shared::data::bundled::load("sp500").unwrap();
        let dates = full.dates();
        let series = full.between(Some(dates[0]), Some(dates[400])).unwrap();
        let mut progress = 0;
        let mut result = None;
        let clock = std::cell::Cell::new(0.0);
        handle(
            LabRequest::CatalogBench { series },
            &mut |event| match event {
                LabEvent::CatalogProgress { done, .. } => {
                    progress += 1;
                    assert_eq!(done, progress);
                }
                LabEvent::CatalogBench { timings, total_ms } => result = Some((timings, total_ms)),
                other => panic!("unexpected {other:?}"),
            },
            &|| {
                clock.set(clock.get() + 1.0);
                clock.get()
            },
        );
        let (timings, total_ms) = result.expect("a result");
        let names: Vec<String> = catalog().into_iter().map(|e| e.spec.name).collect();
        let timed: Vec<String> = timings.iter().map(|t| t.name.clone()).collect();
        assert_eq!(timed, names);
        assert_eq!(progress, names.len());
        assert!(timings.iter().all(|t| t.ms > 0.0 && t.error.is_some()));
        assert!(total_ms >= timings.iter().map(|t| t.ms).sum::<f64>());
        let slow = super::super::protocol::slowest(&timings, 3);
        assert_eq!(slow.len(), 3);
        assert!(slow.windows(2).all(|w| w[0].ms >= w[1].ms));
    }

    /// Runs the model benchmark on ridge with a clock that returns
    /// `readings` in turn; the one timing it reports, and how many readings
    /// it took (three per round).
    fn bench_ridge(readings: &[f64]) -> (BenchTiming, usize) {
        let full = shared::data::bundled::load("sp500").unwrap();
        let dates = full.dates();
        let series = full.between(Some(dates[0]), Some(dates[400])).unwrap();
        let next = std::cell::Cell::new(0);
        let mut result = None;
        handle(
            LabRequest::Bench {
                series,
                rows: 5_000,
                models: vec!["ridge_alpha_1".to_string()],
            },
            &mut |event| match event {
                LabEvent::Bench { timings } => result = Some(timings),
                other => panic!("unexpected {other:?}"),
            },
            &|| {
                let i = next.get();
                next.set(i + 1);
                readings[i]
            },
        );
        let mut timings = result.expect("a result");
        assert_eq!(timings.len(), 1);
        (timings.remove(0), next.get())
    }

    /// Slow rounds: the benchmark stops after `BENCH_MIN_ROUNDS` and reports
    /// the fastest fit and prediction, and the first round's.
    #[test]
    fn the_model_bench_reports_the_fastest_and_the_first_round() {
        assert_eq!(BENCH_MIN_ROUNDS, 3);
        // Clock readings per round: before the fit, after it, after the
        // prediction. Fits take 100, 105 and 97 ms; predictions 2, 1 and 3
        // (311 ms in all, over the budget).
        let readings = [0.0, 100.0, 102.0, 200.0, 305.0, 306.0, 400.0, 497.0, 500.0];
        let (t, used) = bench_ridge(&readings);
        assert_eq!(used, readings.len());
        assert_eq!(t.name, "ridge_alpha_1");
        assert_eq!((t.fit_ms, t.predict_ms), (97.0, 1.0));
        assert_eq!((t.first_fit_ms, t.first_predict_ms), (100.0, 2.0));
        assert!(t.rows > 300 && t.features > 10);
    }

    /// Fast rounds: the benchmark keeps going up to `BENCH_MAX_ROUNDS`
    /// while the budget lasts, and the fastest of all of them is reported.
    #[test]
    fn the_model_bench_runs_fast_models_for_more_rounds() {
        const { assert!(BENCH_MAX_ROUNDS > BENCH_MIN_ROUNDS) };
        // Every round: a 1 ms fit and a 0.5 ms prediction, except the last
        // allowed one, whose fit takes 0.25 ms.
        let mut readings = Vec::new();
        for round in 0..BENCH_MAX_ROUNDS {
            let start = 2.0 * round as f64;
            let fit = if round + 1 == BENCH_MAX_ROUNDS {
                0.25
            } else {
                1.0
            };
            readings.extend([start, start + fit, start + fit + 0.5]);
        }
        assert!(readings[readings.len() - 1] < BENCH_BUDGET_MS);
        let (t, used) = bench_ridge(&readings);
        assert_eq!(used, 3 * BENCH_MAX_ROUNDS);
        assert_eq!((t.fit_ms, t.predict_ms), (0.25, 0.5));
        assert_eq!((t.first_fit_ms, t.first_predict_ms), (1.0, 0.5));
    }

    fn config() -> WalkForwardConfig {
        WalkForwardConfig {
            train_rows: 500,
            test_rows: 250,
            gap: 0,
            window: Window::Expanding,
            seed: 7,
            cost_bps: 5.0,
        }
    }

    #[test]
    fn a_run_streams_started_models_and_finished() {
        let series = shared::data::bundled::load("sp500").unwrap();
        let mut events = Vec::new();
        handle(
            LabRequest::Run {
                series,
                features: FeatureSpec::default(),
                horizon: 1,
                target: Task::Classification,
                models: vec!["baseline_majority_class".into()],
                config: config(),
            },
            &mut |event| events.push(event),
            &|| 0.0,
        );
        assert!(
            matches!(events[0], LabEvent::Started { total: 1, .. }),
            "{:?}",
            events[0]
        );
        match &events[1] {
            LabEvent::Model {
                done: 1,
                total: 1,
                outcome: Ok(report),
                ..
            } => {
                assert_eq!(report.spec.name, "baseline_majority_class");
                assert!(report.classification.is_some());
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(events[2], LabEvent::Finished);
    }

    #[test]
    fn bad_requests_fail_with_a_reason() {
        let series = shared::data::bundled::load("sp500").unwrap();
        let mut events = Vec::new();
        handle(
            LabRequest::Run {
                series,
                features: FeatureSpec::default(),
                horizon: 1,
                target: Task::Classification,
                models: vec!["baseline_mean_return".into()],
                config: config(),
            },
            &mut |event| events.push(event),
            &|| 0.0,
        );
        match &events[0] {
            LabEvent::Failed { message } => assert!(message.contains("regression"), "{message}"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
