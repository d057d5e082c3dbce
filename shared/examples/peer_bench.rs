//! Our side of the benchmark against the Python peers (numpy, scipy,
//! scikit-learn, LightGBM): `scripts/bench-peers.sh` runs it, then
//! `scripts/peer_bench.py`, and prints both side by side.
//!
//! `cargo run --release -p shared --example peer_bench -- DIR` writes the
//! inputs the peers read (`DIR/features.csv`: the S&P 500 default features
//! with the direction and forward-return targets, as the Lab builds them;
//! `DIR/options.csv`: the 1M-option pricing grid), then times each of our
//! kernels on them (one warm-up, best of three rounds, one thread) and
//! writes `DIR/ours.json`. Further arguments keep only the kernels whose
//! names contain one of them (`-- DIR knn kmeans`).

use std::fmt::Write as _;
use std::time::Instant;

use shared::features::{build_dataset, FeatureSpec};
use shared::models::families::mlp::{Activation, Mlp, MlpConfig};
use shared::models::{Matrix, Model, Task};
use shared::pricing::batch::{self, Columns};
use shared::pricing::inputs::OptionKind;
use shared::pricing::workload::{every_output, sample_calls, sample_grid};
use shared::pricing::{bsm, implied_volatility};

/// Options in the pricing grid.
const OPTIONS: usize = 1_000_000;
/// Epochs of the per-epoch MLP timing.
const MLP_EPOCHS: usize = 20;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: peer_bench DIR [KERNEL...]");
        std::process::exit(2);
    };
    let filters: Vec<String> = args.collect();
    let wanted =
        |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    if let Err(message) = run(std::path::Path::new(&dir), &wanted) {
        eprintln!("peer_bench: {message}");
        std::process::exit(1);
    }
}

fn run(dir: &std::path::Path, wanted: &dyn Fn(&str) -> bool) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let series = shared::data::bundled::load("sp500").map_err(|e| e.to_string())?;
    let data =
        build_dataset(&series, &FeatureSpec::for_series(&series), 1).map_err(|e| e.to_string())?;
    write(
        dir,
        "features.csv",
        &features_csv(&data.x, &data.direction, &data.forward_return),
    )?;
    let grid = sample_grid(OPTIONS);
    write(dir, "options.csv", &options_csv(&grid))?;

    let mut results: Vec<(String, String, f64)> = Vec::new();
    let mut rate = |name: &str, per_round: usize, f: &mut dyn FnMut() -> f64| {
        if !wanted(name) {
            return;
        }
        let seconds = best_of_three(f);
        results.push((name.into(), "M/s".into(), per_round as f64 / seconds / 1e6));
    };
    let columns = Columns::from_options(&grid);
    let mut out = vec![0.0; grid.len()];
    rate("bsm_batch", OPTIONS, &mut || {
        batch::prices(&sample_calls(&columns), &mut out);
        out[OPTIONS / 2]
    });
    rate("bsm_scalar", OPTIONS, &mut || {
        grid.iter().map(bsm::price).sum()
    });
    rate("bsm_greeks", OPTIONS, &mut || {
        grid.iter().map(|p| every_output(&bsm::valuation(p))).sum()
    });
    let prices: Vec<f64> = grid.iter().map(bsm::price).collect();
    rate("implied_vol", OPTIONS, &mut || {
        grid.iter()
            .zip(&prices)
            .map(|(p, &price)| implied_volatility(price, p).unwrap_or(0.0))
            .sum()
    });

    let (x, direction) = (&data.x, &data.direction);
    // Milliseconds per unit: a call of `f` does `units` of the work.
    let mut time_ms = |name: &str, units: usize, f: &mut dyn FnMut() -> f64| {
        if !wanted(name) {
            return;
        }
        results.push((
            name.into(),
            "ms".into(),
            best_of_three(f) * 1e3 / units as f64,
        ));
    };
    for (label, entry_name) in [
        ("random_forest_100_fit", "random_forest_clf_100_sqrt"),
        (
            "gradient_boosting_100_depth3_fit",
            "gradient_boosting_clf_100_lr0_1_depth3",
        ),
        ("kmeans_k4_fit", "kmeans_k4"),
        ("logistic_fit", "logistic_l2_c_1"),
    ] {
        let entry = shared::models::entry(entry_name).ok_or(format!("{entry_name} missing"))?;
        time_ms(label, 1, &mut || {
            let mut model = entry.build().expect("catalog entries build");
            model
                .fit(x, direction, 42)
                .expect("fit on the bundled features");
            0.0
        });
    }
    let knn = shared::models::entry("knn_clf_k15").ok_or("knn_clf_k15 missing")?;
    let mut fitted = knn.build().map_err(|e| e.to_string())?;
    fitted.fit(x, direction, 42).map_err(|e| e.to_string())?;
    time_ms("knn_k15_predict", 1, &mut || {
        fitted.predict(x).expect("predict after fit")[0]
    });
    time_ms("mlp_32_16_epoch", MLP_EPOCHS, &mut || {
        let mut config = MlpConfig::new(Task::Classification, vec![32, 16], Activation::Relu, 1e-4);
        config.max_epochs = MLP_EPOCHS;
        config.validation_fraction = 0.0;
        config.patience = usize::MAX;
        config.tol = f64::NEG_INFINITY;
        let mut mlp = Mlp::new(config).expect("valid MLP configuration");
        mlp.fit(x, direction, 42)
            .expect("fit on the bundled features");
        0.0
    });

    let mut json = String::from("{\n");
    let _ = writeln!(
        json,
        "  \"rows\": {}, \"features\": {},",
        x.rows(),
        x.cols()
    );
    json.push_str("  \"kernels\": {\n");
    for (i, (name, unit, value)) in results.iter().enumerate() {
        let comma = if i + 1 < results.len() { "," } else { "" };
        let _ = writeln!(
            json,
            "    \"{name}\": {{\"unit\": \"{unit}\", \"value\": {value}}}{comma}"
        );
        println!("{name:<34} {value:>10.2} {unit}");
    }
    json.push_str("  }\n}\n");
    write(dir, "ours.json", &json)
}

/// Seconds of the fastest of three timed rounds, after one warm-up.
fn best_of_three(f: &mut dyn FnMut() -> f64) -> f64 {
    std::hint::black_box(f());
    (0..3)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn features_csv(x: &Matrix, direction: &[f64], forward_return: &[f64]) -> String {
    let mut csv = String::new();
    for j in 0..x.cols() {
        let _ = write!(csv, "f{j},");
    }
    csv.push_str("direction,forward_return\n");
    for i in 0..x.rows() {
        for value in x.row(i) {
            let _ = write!(csv, "{value:?},");
        }
        let _ = writeln!(csv, "{:?},{:?}", direction[i], forward_return[i]);
    }
    csv
}

fn options_csv(grid: &[shared::pricing::inputs::OptionParams]) -> String {
    let mut csv = String::from("spot,strike,years,rate,dividend_yield,volatility,is_call\n");
    for p in grid {
        let is_call = u8::from(p.kind == OptionKind::Call);
        let _ = writeln!(
            csv,
            "{:?},{:?},{:?},{:?},{:?},{:?},{is_call}",
            p.spot, p.strike, p.years, p.rate, p.dividend_yield, p.volatility
        );
    }
    csv
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}
