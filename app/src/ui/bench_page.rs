//! The benchmark screen (`/bench`, not in the navigation): runs the pricing
//! kernels in the web worker and shows their throughput in this browser, to
//! compare with the native criterion figures.

use super::format::{fixed, rate};
use super::runner::WorkerRunner;
use crate::bench::BenchRow;
use crate::worker::{WorkerRequest, WorkerResponse};
use leptos::prelude::*;

/// The screen.
#[component]
pub fn BenchPage() -> impl IntoView {
    let rows = RwSignal::new(None::<Vec<BenchRow>>);
    let running = RwSignal::new(false);
    let runner = StoredValue::new_local(WorkerRunner::spawn(move |response| {
        if let WorkerResponse::Bench(result) = response {
            rows.set(Some(result));
            running.set(false);
        }
    }));
    let run = move |_| {
        running.set(true);
        rows.set(None);
        runner.with_value(|r| r.submit(WorkerRequest::Bench));
    };
    view! {
        <div class="page bench">
            <section class="card" aria-labelledby="bench-title">
                <h2 id="bench-title">"Pricing benchmark (this browser)"</h2>
                <p class="muted">"Runs each kernel for about half a second in the web worker, on the same workload as the native criterion benchmark."</p>
                <button type="button" id="run-bench" on:click=run disabled=move || running.get()>
                    {move || if running.get() { "Running…" } else { "Run benchmark" }}
                </button>
                {move || rows.get().map(|rows| view! {
                    <table class="bench-results" id="bench-results">
                        <thead><tr><th scope="col">"Kernel"</th><th scope="col">"Throughput"</th><th scope="col">"ns / op"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr data-kernel=r.name.clone() data-per-second=r.per_second.to_string()>
                                    <th scope="row">{r.name.clone()}</th>
                                    <td>{format!("{} {}s", rate(r.per_second), r.unit)}</td>
                                    <td>{fixed(r.nanos_per_op, 1)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
            </section>
        </div>
    }
}
