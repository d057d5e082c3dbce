//! The whole catalog through the Lab's default walk-forward settings on the
//! S&P 500 (default features, horizon 1), natively, through the lab
//! worker's own code path (`lab::worker::handle` with a `CatalogBench`
//! request): the wall time of the run and of each entry, and the ten
//! slowest. `cargo run --release -p app --example catalog_run`; the
//! browser's twin is the "Whole catalog" section of the `/bench` page.

use std::time::Instant;

use app::lab::protocol::{slowest, LabEvent, LabRequest};

fn main() {
    let series = match shared::data::bundled::load("sp500") {
        Ok(series) => series,
        Err(error) => {
            eprintln!("cannot load sp500: {error}");
            std::process::exit(1);
        }
    };
    let start = Instant::now();
    let now = move || start.elapsed().as_secs_f64() * 1e3;
    app::lab::worker::handle(
        LabRequest::CatalogBench { series },
        &mut |event| match event {
            LabEvent::CatalogBench { timings, total_ms } => {
                let failed: Vec<_> = timings.iter().filter(|t| t.error.is_some()).collect();
                println!(
                    "whole catalog: {} entries in {:.1} s ({} failed)",
                    timings.len(),
                    total_ms / 1e3,
                    failed.len()
                );
                for t in failed {
                    println!("  failed {}: {}", t.name, t.error.as_deref().unwrap_or(""));
                }
                println!("ten slowest:");
                for t in slowest(&timings, 10) {
                    println!("  {:<46} {:>8.2} s", t.name, t.ms / 1e3);
                }
            }
            LabEvent::Failed { message } => eprintln!("failed: {message}"),
            _ => {}
        },
        &now,
    );
}
