//! The Monte Carlo card: a seeded, repeatable simulation of the option's
//! European or arithmetic-Asian payoff, run in the web worker whenever the
//! inputs change, with its standard error and 95% interval.

use super::field::{Choice, NumberField};
use super::format::{count, fixed};
use super::runner::WorkerRunner;
use super::state::use_market;
use crate::worker::{WorkerRequest, WorkerResponse};
use leptos::prelude::*;
use shared::pricing::monte_carlo::{McConfig, McEstimate, McPayoff};
use shared::pricing::{bsm, Field, InputError};

/// Which payoff the user picked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PayoffChoice {
    European,
    Asian,
}

/// The last answer from the worker.
#[derive(Clone, Debug, PartialEq)]
struct McAnswer {
    id: u64,
    result: Result<McEstimate, String>,
    elapsed_ms: f64,
}

fn whole(field: Field, text: &str) -> Result<usize, InputError> {
    let v = field.parse(text)?;
    if v.fract() == 0.0 {
        Ok(v as usize)
    } else {
        Err(InputError::new(field, "must be a whole number"))
    }
}

/// The card.
#[component]
pub fn MonteCarloCard() -> impl IntoView {
    let m = use_market();
    let paths = RwSignal::new("200000".to_string());
    let seed = RwSignal::new("42".to_string());
    let fixings = RwSignal::new("12".to_string());
    let payoff = RwSignal::new(PayoffChoice::European);
    let antithetic = RwSignal::new(true);
    let answer = RwSignal::new(None::<McAnswer>);
    let latest_id = RwSignal::new(0u64);

    let paths_parsed = Memo::new(move |_| whole(Field::Paths, &paths.get()));
    let fixings_parsed = Memo::new(move |_| whole(Field::Fixings, &fixings.get()));
    let seed_parsed = Memo::new(move |_| {
        seed.get()
            .trim()
            .parse::<u64>()
            .map_err(|_| "seed: must be a whole number from 0 to 18446744073709551615".to_string())
    });

    let runner = StoredValue::new_local(WorkerRunner::spawn(move |response| {
        if let WorkerResponse::MonteCarlo {
            id,
            result,
            elapsed_ms,
        } = response
        {
            answer.set(Some(McAnswer {
                id,
                result,
                elapsed_ms,
            }));
        }
    }));

    Effect::new(move |_| {
        let (Ok(parsed), Ok(paths), Ok(seed)) =
            (m.parsed.get(), paths_parsed.get(), seed_parsed.get())
        else {
            return;
        };
        let payoff = match payoff.get() {
            PayoffChoice::European => McPayoff::European,
            PayoffChoice::Asian => match fixings_parsed.get() {
                Ok(fixings) => McPayoff::ArithmeticAsian { fixings },
                Err(_) => return,
            },
        };
        let id = latest_id.get_untracked() + 1;
        latest_id.set(id);
        let request = WorkerRequest::MonteCarlo {
            id,
            params: parsed.params,
            payoff,
            config: McConfig {
                paths,
                seed,
                antithetic: antithetic.get(),
            },
        };
        runner.with_value(|r| r.submit(request));
    });

    let running = move || answer.get().map(|a| a.id) != Some(latest_id.get());
    let reference = move || {
        (payoff.get() == PayoffChoice::European)
            .then(|| m.parsed.get().ok().map(|p| bsm::price(&p.params)))
            .flatten()
    };
    let body = move || match answer.get() {
        None => view! { <p class="muted">"Simulating…"</p> }.into_any(),
        Some(McAnswer {
            result: Err(message),
            ..
        }) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        Some(McAnswer {
            result: Ok(e),
            elapsed_ms,
            ..
        }) => view! {
            <dl class="extras">
                <dt>"Monte Carlo price"</dt>
                <dd id="mc-price">{fixed(e.price, 4)}</dd>
                <dt>"Standard error"</dt>
                <dd id="mc-se">{fixed(e.std_error, 5)}</dd>
                <dt>"95% interval"</dt>
                <dd id="mc-ci">{format!("{} – {}", fixed(e.ci_low, 4), fixed(e.ci_high, 4))}</dd>
                <dt>"Paths, seed"</dt>
                <dd>{format!("{}, {}", count(e.paths as u64), e.seed)}</dd>
                <dt>"Time"</dt>
                <dd>{format!("{} ms", fixed(elapsed_ms, 0))}</dd>
                {reference().map(|bs| view! {
                    <dt>"Black-Scholes (European)"</dt>
                    <dd>{fixed(bs, 4)}</dd>
                })}
            </dl>
        }
        .into_any(),
    };
    let seed_error = Signal::derive(move || seed_parsed.get().err());
    view! {
        <section class="card" aria-labelledby="mc-title" aria-busy=move || running().to_string()>
            <h2 id="mc-title">"Monte Carlo " <small>"(simulation, web worker)"</small></h2>
            <div class="grid">
                <Choice
                    name="mc-payoff"
                    legend="Payoff"
                    options=vec![(PayoffChoice::European, "European"), (PayoffChoice::Asian, "Asian (arithmetic)")]
                    selected=payoff
                />
                <NumberField id="mc-paths" label="Paths" value=paths error=Signal::derive(move || paths_parsed.get().err().map(|e| e.to_string())) />
                <NumberField id="mc-seed" label="Seed" value=seed error=seed_error />
                {move || (payoff.get() == PayoffChoice::Asian).then(|| view! {
                    <NumberField id="mc-fixings" label="Averaging dates" value=fixings error=Signal::derive(move || fixings_parsed.get().err().map(|e| e.to_string())) />
                })}
                <div class="field checkbox">
                    <input id="mc-antithetic" type="checkbox" prop:checked=move || antithetic.get() on:change=move |ev| antithetic.set(event_target_checked(&ev)) />
                    <label for="mc-antithetic">"Antithetic variates"</label>
                </div>
            </div>
            {move || (m.exercise.get() == shared::pricing::binomial::Exercise::American).then(|| view! {
                <p class="muted" id="mc-american-note">"Simulation prices the payoff above without early exercise; the American price comes from the tree."</p>
            })}
            <p class="status" role="status">{move || if running() { "Running in the background…" } else { "Up to date." }}</p>
            {body}
        </section>
    }
}
