//! The whole catalog through the Lab's default walk-forward settings on the
//! S&P 500, natively, through the same code path as the lab worker
//! (`lab::worker::handle` with `Run` requests): every classifier and
//! clusterer on the direction target, then every regressor on the return
//! target. Prints the wall time of each target's run, the total and the ten
//! slowest entries. `cargo run --release -p app --example catalog_run`; the
//! browser's twin is the "Whole catalog" run of the `/bench` page.

use std::time::Instant;

use app::lab::protocol::{LabEvent, LabRequest};
use shared::actions::{models_for, ModelScope, LAB_DEFAULTS};
use shared::features::FeatureSpec;
use shared::models::Task;

fn main() {
    let series = match shared::data::bundled::load("sp500") {
        Ok(series) => series,
        Err(error) => {
            eprintln!("cannot load sp500: {error}");
            std::process::exit(1);
        }
    };
    let classifiers = models_for(ModelScope::Catalog, Task::Classification, None);
    let regressors: Vec<String> = models_for(ModelScope::Catalog, Task::Regression, None)
        .into_iter()
        .filter(|name| !classifiers.contains(name))
        .collect();
    let start = Instant::now();
    let now = move || start.elapsed().as_secs_f64() * 1e3;
    let mut times: Vec<(String, f64)> = Vec::new();
    let mut failures = 0;
    for (target, models) in [
        (Task::Classification, classifiers),
        (Task::Regression, regressors),
    ] {
        let count = models.len();
        let request = LabRequest::Run {
            series: series.clone(),
            features: FeatureSpec::default(),
            horizon: 1,
            target,
            models,
            config: LAB_DEFAULTS,
        };
        let run_start = now();
        let mut last = run_start;
        app::lab::worker::handle(
            request,
            &mut |event| match event {
                LabEvent::Started { .. } => last = now(),
                LabEvent::Model { name, outcome, .. } => {
                    let t = now();
                    if let Err(message) = &outcome {
                        failures += 1;
                        eprintln!("{name} failed: {message}");
                    }
                    times.push((name, t - last));
                    last = t;
                }
                LabEvent::Failed { message } => eprintln!("run failed: {message}"),
                _ => {}
            },
            &now,
        );
        println!(
            "{} target: {count} entries in {:.1} s",
            target.as_str(),
            (now() - run_start) / 1e3
        );
    }
    println!(
        "whole catalog: {} entries in {:.1} s ({failures} failed)",
        times.len(),
        now() / 1e3
    );
    times.sort_by(|a, b| b.1.total_cmp(&a.1));
    println!("ten slowest:");
    for (name, ms) in times.iter().take(10) {
        println!("  {name:<46} {:>9.1} s", ms / 1e3);
    }
}
