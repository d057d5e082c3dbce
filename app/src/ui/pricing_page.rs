//! The Pricing screen: inputs, price and Greeks, implied volatility, Monte
//! Carlo, payoff chart and heatmap, all updating as the user types. Price,
//! Greeks, payoff and heatmap are computed here (BSM and the CRR tree, small
//! and needed offline); implied volatility and Monte Carlo run in the
//! pricing worker.

use super::chart::{linspace, LineChart, Marker, Series};
use super::field::NumberField;
use super::format::{fixed, percent};
use super::heatmap::{self, Heatmap, Metric};
use super::mc_card::MonteCarloCard;
use super::option_inputs::OptionInputs;
use super::runner::WorkerRunner;
use super::state::{use_market, Parsed};
use crate::worker::{WorkerRequest, WorkerResponse};
use leptos::prelude::*;
use shared::pricing::binomial::{self, Exercise};
use shared::pricing::{bsm, valuation, Field, Model, Valuation};

/// What the results card shows for valid inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct PricingOutcome {
    /// Price and Greeks under the chosen exercise style.
    pub valuation: Valuation,
    /// For American exercise: tree steps, the European price on the same
    /// tree's terms (Black-Scholes) and the early-exercise premium.
    pub american: Option<AmericanExtras>,
}

/// Extra figures of an American valuation.
#[derive(Clone, Debug, PartialEq)]
pub struct AmericanExtras {
    /// Steps of the CRR tree.
    pub steps: usize,
    /// Black-Scholes-Merton price of the European twin.
    pub european_price: f64,
    /// American minus European price on the same tree.
    pub premium: f64,
}

fn model_of(parsed: &Parsed) -> Model {
    Model {
        exercise: parsed.exercise,
        steps: parsed.steps,
    }
}

/// Values the option under the chosen model.
pub fn price_option(parsed: &Parsed) -> Result<PricingOutcome, String> {
    let valuation = valuation(&parsed.params, &model_of(parsed)).map_err(|e| e.to_string())?;
    let american = match parsed.exercise {
        Exercise::European => None,
        Exercise::American => Some(AmericanExtras {
            steps: parsed.steps.max(3),
            european_price: bsm::price(&parsed.params),
            premium: binomial::premium_over_european(
                valuation.price,
                &parsed.params,
                parsed.steps.max(3),
            )
            .map_err(|e| e.to_string())?,
        }),
    };
    Ok(PricingOutcome {
        valuation,
        american,
    })
}

/// The Pricing screen.
#[component]
pub fn PricingPage() -> impl IntoView {
    let m = use_market();
    let outcome = Memo::new(move |_| m.parsed.get().ok().map(|p| price_option(&p)));
    view! {
        <div class="page pricing">
            <OptionInputs />
            <ResultsCard outcome=outcome />
            <ImpliedVolCard />
            <MonteCarloCard />
            <PayoffCard />
            <HeatmapCard />
        </div>
    }
}

#[component]
fn ResultsCard(outcome: Memo<Option<Result<PricingOutcome, String>>>) -> impl IntoView {
    let body = move || {
        match outcome.get() {
        None => view! { <p class="muted" role="status">"Fix the highlighted inputs to see a price."</p> }.into_any(),
        Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        Some(Ok(o)) => {
            let g = o.valuation.greeks;
            let american = o.american.map(|a| {
                view! {
                    <dl class="extras">
                        <dt>"Model"</dt>
                        <dd id="model-steps">{format!("CRR binomial, {} steps", a.steps)}</dd>
                        <dt>"European (Black-Scholes)"</dt>
                        <dd>{fixed(a.european_price, 4)}</dd>
                        <dt>"Early-exercise premium"</dt>
                        <dd id="early-premium">{fixed(a.premium, 4)}</dd>
                    </dl>
                }
            });
            view! {
                <p class="price">
                    <span class="label">"Price"</span>
                    <output id="price" aria-live="polite">{fixed(o.valuation.price, 4)}</output>
                </p>
                <table class="greeks">
                    <caption>"Greeks"</caption>
                    <tbody>
                        <tr><th scope="row">"Delta"</th><td id="delta">{fixed(g.delta, 4)}</td></tr>
                        <tr><th scope="row">"Gamma"</th><td id="gamma">{fixed(g.gamma, 5)}</td></tr>
                        <tr><th scope="row">"Vega " <small>"per vol point"</small></th><td id="vega">{fixed(g.vega_per_point(), 4)}</td></tr>
                        <tr><th scope="row">"Theta " <small>"per day"</small></th><td id="theta">{fixed(g.theta_per_day(), 4)}</td></tr>
                        <tr><th scope="row">"Rho " <small>"per rate point"</small></th><td id="rho">{fixed(g.rho_per_point(), 4)}</td></tr>
                    </tbody>
                </table>
                {american}
            }
            .into_any()
        }
    }
    };
    view! {
        <section class="card results" aria-labelledby="results-title">
            <h2 id="results-title">"Value"</h2>
            {body}
        </section>
    }
}

/// Where the implied-volatility card stands.
#[derive(Clone, Debug, PartialEq)]
enum IvState {
    /// No market price typed yet.
    Idle,
    /// The pricing worker is solving the newest request.
    Solving,
    /// The newest request's answer (a fraction), or why there is none.
    Done(Result<f64, String>),
}

/// The implied-volatility card; the solver runs in the pricing worker
/// (Let's Be Rational stays out of the main module).
#[component]
fn ImpliedVolCard() -> impl IntoView {
    let m = use_market();
    let market_price = RwSignal::new(String::new());
    let parsed_price = Memo::new(move |_| {
        let text = market_price.get();
        (!text.trim().is_empty()).then(|| Field::MarketPrice.parse(&text))
    });
    let price_error = Signal::derive(move || match parsed_price.get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    });
    let state = RwSignal::new(IvState::Idle);
    let latest_id = StoredValue::new(0u64);
    let runner = StoredValue::new_local(WorkerRunner::spawn(move |response| {
        if let WorkerResponse::ImpliedVol { id, result } = response {
            if latest_id.try_get_value() == Some(id) {
                state.set(IvState::Done(result));
            }
        }
    }));
    Effect::new(move |_| {
        let Some(Ok(price)) = parsed_price.get() else {
            return state.set(IvState::Idle);
        };
        let Ok(parsed) = m.parsed.get() else {
            return state.set(IvState::Done(
                Err("fix the option inputs first".to_string()),
            ));
        };
        let id = latest_id.get_value() + 1;
        latest_id.set_value(id);
        state.set(IvState::Solving);
        runner.with_value(|r| {
            r.submit(WorkerRequest::ImpliedVol {
                id,
                price,
                params: parsed.params,
                exercise: parsed.exercise,
                steps: parsed.steps,
            })
        });
    });
    view! {
        <section class="card" aria-labelledby="iv-title">
            <h2 id="iv-title">"Implied volatility"</h2>
            <NumberField id="market-price" label="Market price" value=market_price error=price_error />
            <p id="iv-result" role="status" aria-live="polite">
                {move || match state.get() {
                    IvState::Idle => view! { <span class="muted">"Enter an observed option price."</span> }.into_any(),
                    IvState::Solving => view! { <span class="muted">"Solving…"</span> }.into_any(),
                    IvState::Done(Ok(vol)) => view! { "Implied volatility: " <strong>{percent(vol, 4)}</strong> }.into_any(),
                    IvState::Done(Err(message)) => view! { <span class="error">{message}</span> }.into_any(),
                }}
            </p>
        </section>
    }
}

/// Points on the payoff chart's spot axis.
const CHART_POINTS: usize = 81;

#[component]
fn PayoffCard() -> impl IntoView {
    let m = use_market();
    let series = Signal::derive(move || {
        let Ok(parsed) = m.parsed.get() else {
            return Vec::new();
        };
        let p = parsed.params;
        let model = Model {
            steps: parsed.steps.min(200),
            ..model_of(&parsed)
        };
        let spots = linspace(p.strike * 0.5, p.strike * 1.5, CHART_POINTS);
        let expiry = spots
            .iter()
            .map(|&s| (s, p.kind.payoff(s, p.strike)))
            .collect();
        let today = spots
            .iter()
            .map(|&s| {
                (
                    s,
                    valuation(&p.with_spot(s), &model)
                        .map(|v| v.price)
                        .unwrap_or(f64::NAN),
                )
            })
            .collect();
        vec![
            Series {
                name: "At expiry".into(),
                class: "series-a",
                points: expiry,
            },
            Series {
                name: "Today".into(),
                class: "series-b",
                points: today,
            },
        ]
    });
    let markers = Signal::derive(move || {
        m.parsed
            .get()
            .map(|p| {
                vec![
                    Marker {
                        x: p.params.spot,
                        label: "spot".into(),
                    },
                    Marker {
                        x: p.params.strike,
                        label: "K".into(),
                    },
                ]
            })
            .unwrap_or_default()
    });
    view! {
        <section class="card" aria-labelledby="payoff-title">
            <h2 id="payoff-title">"Payoff"</h2>
            <LineChart title="Option value at expiry and today across spot" x_label="spot" series=series markers=markers />
        </section>
    }
}

#[component]
fn HeatmapCard() -> impl IntoView {
    let m = use_market();
    let metric = RwSignal::new(Metric::Price);
    let grid = Memo::new(move |_| {
        m.parsed
            .get()
            .ok()
            .map(|p| heatmap::compute(&p.params, &model_of(&p), metric.get()))
    });
    let options = Metric::ALL
        .iter()
        .enumerate()
        .map(|(i, metric)| view! { <option value=i.to_string()>{metric.label()}</option> })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="heatmap-title">
            <h2 id="heatmap-title">"Spot × volatility"</h2>
            <div class="field">
                <label for="heatmap-metric">"Show"</label>
                <select
                    id="heatmap-metric"
                    on:change=move |ev| {
                        let index: usize = event_target_value(&ev).parse().unwrap_or(0);
                        metric.set(Metric::ALL.get(index).copied().unwrap_or(Metric::Price));
                    }
                >
                    {options}
                </select>
            </div>
            <Heatmap grid=Signal::derive(move || grid.get()) />
        </section>
    }
}
