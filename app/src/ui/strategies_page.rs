//! The Strategies screen: build a multi-leg position (long/short calls, puts
//! and the underlying), see its combined payoff, price and Greeks, and save
//! it in the browser's local storage.

use super::chart::{linspace, LineChart, Marker, Series};
use super::format::fixed;
use super::option_inputs::OptionInputs;
use super::state::use_market;
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use shared::pricing::strategy::{self, presets, Instrument, Leg, PayoffProfile, Strategy};
use shared::pricing::{Field, InputError, Model, Valuation};

const CURRENT_KEY: &str = "mltrainer.strategy.current.v1";
const SAVED_KEY: &str = "mltrainer.strategies.v1";

/// One editable leg: its own signals, so typing in a row never re-renders
/// the list (and never steals focus).
#[derive(Clone, Copy)]
struct LegRow {
    id: u64,
    instrument: RwSignal<Instrument>,
    strike: RwSignal<String>,
    quantity: RwSignal<String>,
}

impl LegRow {
    fn from_leg(id: u64, leg: &Leg) -> Self {
        LegRow {
            id,
            instrument: RwSignal::new(leg.instrument),
            strike: RwSignal::new(trim_number(leg.strike)),
            quantity: RwSignal::new(trim_number(leg.quantity)),
        }
    }

    fn parse(&self) -> Result<Leg, InputError> {
        let instrument = self.instrument.get();
        let strike = if instrument == Instrument::Underlying {
            0.0
        } else {
            Field::Strike.parse(&self.strike.get())?
        };
        let leg = Leg {
            instrument,
            strike,
            quantity: Field::Quantity.parse(&self.quantity.get())?,
        };
        leg.validate()?;
        Ok(leg)
    }
}

/// The legs of the strategy being built on the Strategies screen (kept in
/// local storage), for the Risk screen's shocks; none when there is none.
pub fn current_legs() -> Vec<Leg> {
    LocalStorage::get::<Vec<Leg>>(CURRENT_KEY).unwrap_or_default()
}

fn trim_number(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

fn instrument_name(i: Instrument) -> &'static str {
    match i {
        Instrument::Call => "call",
        Instrument::Put => "put",
        Instrument::Underlying => "underlying",
    }
}

/// The evaluated strategy for valid inputs.
#[derive(Clone, Debug, PartialEq)]
struct Evaluated {
    legs: Vec<Leg>,
    total: Valuation,
    profile: PayoffProfile,
}

/// The screen.
#[component]
pub fn StrategiesPage() -> impl IntoView {
    let m = use_market();
    let next_id = StoredValue::new(0u64);
    let make_rows = move |legs: &[Leg]| -> Vec<LegRow> {
        legs.iter()
            .map(|leg| {
                let id = next_id.get_value();
                next_id.set_value(id + 1);
                LegRow::from_leg(id, leg)
            })
            .collect()
    };
    let initial: Vec<Leg> = current_legs();
    let rows = RwSignal::new(make_rows(&initial));
    let saved = RwSignal::new(LocalStorage::get::<Vec<Strategy>>(SAVED_KEY).unwrap_or_default());
    let storage_error = RwSignal::new(None::<String>);

    let parsed_legs = Memo::new(move |_| {
        rows.get()
            .iter()
            .enumerate()
            .map(|(i, row)| row.parse().map_err(|e| format!("leg {}: {e}", i + 1)))
            .collect::<Result<Vec<Leg>, String>>()
    });

    // Keep the working strategy across reloads.
    Effect::new(move |_| {
        if let Ok(legs) = parsed_legs.get() {
            let _ = LocalStorage::set(CURRENT_KEY, &legs);
        }
    });

    let evaluated = Memo::new(move |_| -> Result<Evaluated, String> {
        let legs = parsed_legs.get()?;
        if legs.is_empty() {
            return Err("Add a leg or pick a preset to build a strategy.".into());
        }
        let parsed = m
            .parsed
            .get()
            .map_err(|errors| errors.first().map(|e| e.to_string()).unwrap_or_default())?;
        let model = Model {
            exercise: parsed.exercise,
            steps: parsed.steps,
        };
        let total =
            strategy::valuation(&legs, &parsed.params, &model).map_err(|e| e.to_string())?;
        let profile = strategy::profile(&legs, total.price);
        Ok(Evaluated {
            legs,
            total,
            profile,
        })
    });

    let add_leg = move |instrument: Instrument| {
        let strike = m
            .parsed
            .get_untracked()
            .map(|p| p.params.spot.round())
            .unwrap_or(100.0);
        let leg = Leg {
            instrument,
            strike,
            quantity: 1.0,
        };
        rows.update(|r| r.extend(make_rows(&[leg])));
    };
    let preset_index = RwSignal::new(String::new());
    let apply_preset = move |_| {
        let spot = m
            .parsed
            .get_untracked()
            .map(|p| p.params.spot)
            .unwrap_or(100.0);
        let step = strike_step(spot);
        if let Some(preset) = preset_index
            .get_untracked()
            .parse::<usize>()
            .ok()
            .and_then(|i| presets(spot, step).into_iter().nth(i))
        {
            rows.set(make_rows(&preset.legs));
        }
    };
    let preset_options = presets(100.0, 5.0)
        .into_iter()
        .enumerate()
        .map(|(i, s)| view! { <option value=i.to_string()>{s.name}</option> })
        .collect_view();

    let name = RwSignal::new(String::new());
    let save = move |_| {
        let title = name.get_untracked().trim().to_string();
        if title.is_empty() {
            storage_error.set(Some("strategy name: is required".into()));
            return;
        }
        let legs = match parsed_legs.get_untracked() {
            Ok(legs) if !legs.is_empty() => legs,
            Ok(_) => {
                storage_error.set(Some("a strategy needs at least one leg".into()));
                return;
            }
            Err(e) => {
                storage_error.set(Some(e));
                return;
            }
        };
        let mut list = saved.get_untracked();
        list.retain(|s| s.name != title);
        list.push(Strategy { name: title, legs });
        match LocalStorage::set(SAVED_KEY, &list) {
            Ok(()) => {
                saved.set(list);
                storage_error.set(None);
            }
            Err(e) => storage_error.set(Some(format!(
                "could not save in this browser's storage: {e}"
            ))),
        }
    };
    let delete = move |title: String| {
        let mut list = saved.get_untracked();
        list.retain(|s| s.name != title);
        match LocalStorage::set(SAVED_KEY, &list) {
            Ok(()) => saved.set(list),
            Err(e) => storage_error.set(Some(format!(
                "could not update this browser's storage: {e}"
            ))),
        }
    };

    view! {
        <div class="page strategies">
            <section class="card" aria-labelledby="legs-title">
                <h2 id="legs-title">"Legs"</h2>
                <div class="field">
                    <label for="preset">"Preset"</label>
                    <div class="row">
                        <select id="preset" on:change=move |ev| preset_index.set(event_target_value(&ev))>
                            <option value="">"Choose…"</option>
                            {preset_options}
                        </select>
                        <button type="button" on:click=apply_preset>"Use preset"</button>
                    </div>
                </div>
                <ol class="legs">
                    <For each=move || rows.get() key=|row| row.id let:row>
                        <LegEditor row=row on_remove=move |id| rows.update(|r| r.retain(|x| x.id != id)) />
                    </For>
                </ol>
                <div class="row wrap">
                    <button type="button" id="add-call" on:click=move |_| add_leg(Instrument::Call)>"+ Call"</button>
                    <button type="button" id="add-put" on:click=move |_| add_leg(Instrument::Put)>"+ Put"</button>
                    <button type="button" id="add-underlying" on:click=move |_| add_leg(Instrument::Underlying)>"+ Underlying"</button>
                    <button type="button" class="secondary" on:click=move |_| rows.set(Vec::new())>"Clear"</button>
                </div>
            </section>
            <OptionInputs market_only=true />
            <StrategySummary evaluated=evaluated />
            <StrategyChart evaluated=evaluated />
            <section class="card" aria-labelledby="saved-title">
                <h2 id="saved-title">"Saved strategies"</h2>
                <div class="field">
                    <label for="strategy-name">"Name"</label>
                    <div class="row">
                        <input id="strategy-name" type="text" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                        <button type="button" id="save-strategy" on:click=save>"Save"</button>
                    </div>
                </div>
                <p class="error" role="alert">{move || storage_error.get().unwrap_or_default()}</p>
                <ul class="saved" id="saved-list">
                    {move || saved.get().into_iter().map(|s| {
                        let title = s.name.clone();
                        let legs = s.legs.clone();
                        let load_label = format!("Load {}", s.name);
                        let delete_label = format!("Delete {}", s.name);
                        view! {
                            <li>
                                <span class="name">{s.name.clone()}</span>
                                <span class="muted">{format!("{} legs", s.legs.len())}</span>
                                <button type="button" aria-label=load_label on:click=move |_| rows.set(make_rows(&legs))>"Load"</button>
                                <button type="button" class="secondary" aria-label=delete_label on:click=move |_| delete(title.clone())>"Delete"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        </div>
    }
}

/// A strike grid that suits the spot: 1 below 50, 5 below 500, else 10.
fn strike_step(spot: f64) -> f64 {
    if spot < 50.0 {
        1.0
    } else if spot < 500.0 {
        5.0
    } else {
        10.0
    }
}

#[component]
fn LegEditor(row: LegRow, on_remove: impl Fn(u64) + 'static) -> impl IntoView {
    let id = row.id;
    let error = Memo::new(move |_| row.parse().err().map(|e| e.to_string()));
    let instrument_id = format!("leg-{id}-instrument");
    let strike_id = format!("leg-{id}-strike");
    let quantity_id = format!("leg-{id}-quantity");
    let error_id = format!("leg-{id}-error");
    let choices = [Instrument::Call, Instrument::Put, Instrument::Underlying]
        .into_iter()
        .map(|i| view! { <option value=instrument_name(i) selected=move || row.instrument.get() == i>{instrument_name(i)}</option> })
        .collect_view();
    view! {
        <li class="leg" class:invalid=move || error.get().is_some()>
            <div class="field">
                <label for=instrument_id.clone()>"Instrument"</label>
                <select
                    id=instrument_id
                    on:change=move |ev| {
                        let chosen = match event_target_value(&ev).as_str() {
                            "put" => Instrument::Put,
                            "underlying" => Instrument::Underlying,
                            _ => Instrument::Call,
                        };
                        row.instrument.set(chosen);
                    }
                >
                    {choices}
                </select>
            </div>
            <div class="field">
                <label for=strike_id.clone()>"Strike"</label>
                <input
                    id=strike_id
                    type="text"
                    inputmode="decimal"
                    disabled=move || row.instrument.get() == Instrument::Underlying
                    prop:value=move || row.strike.get()
                    on:input=move |ev| row.strike.set(event_target_value(&ev))
                    aria-describedby=error_id.clone()
                />
            </div>
            <div class="field">
                <label for=quantity_id.clone()>"Quantity " <small>"(− short)"</small></label>
                <input
                    id=quantity_id
                    type="text"
                    inputmode="decimal"
                    prop:value=move || row.quantity.get()
                    on:input=move |ev| row.quantity.set(event_target_value(&ev))
                    aria-describedby=error_id.clone()
                />
            </div>
            <button type="button" class="secondary remove" aria-label=format!("Remove leg {}", id + 1) on:click=move |_| on_remove(id)>"Remove"</button>
            <p class="field-error" id=error_id role="alert">{move || error.get().unwrap_or_default()}</p>
        </li>
    }
}

#[component]
fn StrategySummary(evaluated: Memo<Result<Evaluated, String>>) -> impl IntoView {
    let body = move || match evaluated.get() {
        Err(message) => view! { <p class="muted" role="status">{message}</p> }.into_any(),
        Ok(e) => {
            let g = e.total.greeks;
            let cost_label = if e.total.price >= 0.0 {
                "Net debit (cost)"
            } else {
                "Net credit"
            };
            let bound =
                |v: Option<f64>| v.map(|x| fixed(x, 4)).unwrap_or_else(|| "unlimited".into());
            let break_evens = if e.profile.break_evens.is_empty() {
                "none".to_string()
            } else {
                e.profile
                    .break_evens
                    .iter()
                    .map(|b| fixed(*b, 2))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            view! {
                <p class="price">
                    <span class="label">{cost_label}</span>
                    <output id="strategy-price">{fixed(e.total.price.abs(), 4)}</output>
                </p>
                <table class="greeks">
                    <caption>"Combined Greeks"</caption>
                    <tbody>
                        <tr><th scope="row">"Delta"</th><td id="strategy-delta">{fixed(g.delta, 4)}</td></tr>
                        <tr><th scope="row">"Gamma"</th><td>{fixed(g.gamma, 5)}</td></tr>
                        <tr><th scope="row">"Vega " <small>"per vol point"</small></th><td>{fixed(g.vega_per_point(), 4)}</td></tr>
                        <tr><th scope="row">"Theta " <small>"per day"</small></th><td>{fixed(g.theta_per_day(), 4)}</td></tr>
                        <tr><th scope="row">"Rho " <small>"per rate point"</small></th><td>{fixed(g.rho_per_point(), 4)}</td></tr>
                    </tbody>
                </table>
                <dl class="extras">
                    <dt>"Break-even at expiry"</dt>
                    <dd id="break-evens">{break_evens}</dd>
                    <dt>"Max profit"</dt>
                    <dd id="max-profit">{bound(e.profile.max_profit)}</dd>
                    <dt>"Max loss"</dt>
                    <dd id="max-loss">{bound(e.profile.max_loss)}</dd>
                    <dt>"Legs"</dt>
                    <dd>{e.legs.len()}</dd>
                </dl>
            }
            .into_any()
        }
    };
    view! {
        <section class="card results" aria-labelledby="strategy-value-title">
            <h2 id="strategy-value-title">"Strategy value"</h2>
            {body}
        </section>
    }
}

#[component]
fn StrategyChart(evaluated: Memo<Result<Evaluated, String>>) -> impl IntoView {
    let m = use_market();
    let series = Signal::derive(move || {
        let (Ok(e), Ok(parsed)) = (evaluated.get(), m.parsed.get()) else {
            return Vec::new();
        };
        let spot = parsed.params.spot;
        let strikes = e
            .legs
            .iter()
            .filter(|l| l.instrument != Instrument::Underlying)
            .map(|l| l.strike);
        let lo = strikes.clone().fold(spot, f64::min) * 0.75;
        let hi = strikes.fold(spot, f64::max) * 1.25;
        let spots = linspace(lo, hi, 81);
        let cost = e.total.price;
        let model = Model {
            exercise: parsed.exercise,
            steps: parsed.steps.min(200),
        };
        let expiry = spots
            .iter()
            .map(|&s| (s, strategy::payoff(&e.legs, s) - cost))
            .collect();
        let today = spots
            .iter()
            .map(|&s| {
                let value = strategy::valuation(&e.legs, &parsed.params.with_spot(s), &model)
                    .map(|v| v.price);
                (s, value.map(|v| v - cost).unwrap_or(f64::NAN))
            })
            .collect();
        vec![
            Series {
                name: "P&L at expiry".into(),
                class: "series-a",
                points: expiry,
            },
            Series {
                name: "P&L today".into(),
                class: "series-b",
                points: today,
            },
        ]
    });
    let markers = Signal::derive(move || {
        let mut markers = Vec::new();
        if let Ok(p) = m.parsed.get() {
            markers.push(Marker {
                x: p.params.spot,
                label: "spot".into(),
            });
        }
        if let Ok(e) = evaluated.get() {
            markers.extend(e.profile.break_evens.iter().map(|&b| Marker {
                x: b,
                label: "BE".into(),
            }));
        }
        markers
    });
    view! {
        <section class="card" aria-labelledby="strategy-chart-title">
            <h2 id="strategy-chart-title">"Combined payoff"</h2>
            <LineChart title="Strategy profit and loss at expiry and today across spot" x_label="spot" series=series markers=markers />
        </section>
    }
}
