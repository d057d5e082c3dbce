//! The browser model benchmark's workload run natively, for comparison:
//! `cargo run --release -p app --example model_bench`. Same entries, same
//! data (last 5,000 rows of the S&P 500 default features), same code path
//! (`lab::worker::handle` with a `Bench` request): the fastest of three
//! rounds, the first round in brackets. With `--json` it prints the
//! timings as one JSON array instead (read by `scripts/bench-models.mjs`).

use std::time::Instant;

use app::lab::protocol::{LabEvent, LabRequest};

fn main() {
    let json = std::env::args().any(|arg| arg == "--json");
    let series = match shared::data::bundled::load("sp500") {
        Ok(series) => series,
        Err(error) => {
            eprintln!("cannot load sp500: {error}");
            std::process::exit(1);
        }
    };
    let start = Instant::now();
    let request = LabRequest::Bench {
        series,
        rows: 5_000,
        models: app::lab::protocol::BENCH_MODELS
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    let now = move || start.elapsed().as_secs_f64() * 1e3;
    app::lab::worker::handle(
        request,
        &mut |event| match event {
            LabEvent::Bench { timings } if json => match serde_json::to_string(&timings) {
                Ok(line) => println!("{line}"),
                Err(error) => eprintln!("cannot write the timings: {error}"),
            },
            LabEvent::Bench { timings } => {
                for t in timings {
                    println!(
                        "{:<42} fit {:>8.1} ms ({:>8.1})  predict {:>8.1} ms ({:>8.1})  ({} x {})",
                        t.name,
                        t.fit_ms,
                        t.first_fit_ms,
                        t.predict_ms,
                        t.first_predict_ms,
                        t.rows,
                        t.features
                    );
                }
            }
            LabEvent::Failed { message } => {
                eprintln!("failed: {message}");
                std::process::exit(1);
            }
            _ => {}
        },
        &now,
    );
}
