//! The finance workload timed the way the browser's `/bench` page times it
//! in the finance worker (one warm-up, then the best of three runs per
//! case), so the two can be set side by side:
//! `cargo bench -p shared --bench finance_workload`.

use shared::execute::workload::all_cases;
use std::hint::black_box;
use std::time::Instant;

/// Timed runs per case after the warm-up (the browser uses the same).
const ROUNDS: usize = 3;

fn main() {
    let cases = all_cases().expect("the bundled data loads");
    for case in &cases {
        case.run().expect("warm-up");
        let best = (0..ROUNDS)
            .map(|_| {
                let start = Instant::now();
                black_box(case.run().expect("case"));
                start.elapsed().as_secs_f64() * 1e3
            })
            .fold(f64::INFINITY, f64::min);
        println!("native finance bench {}: {best:.2} ms", case.name);
    }
}
