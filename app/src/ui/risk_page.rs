//! The Risk screen (`/risk`): one asset or a weighted portfolio of them
//! (bundled datasets or the user's uploads), a confidence, a horizon, the
//! VaR methods (historical, normal, Student-t, Monte Carlo labelled a
//! simulation) and stress episodes the user picks by dates, as a
//! `shared::actions::RiskReport`, checked by `shared::actions::validate`
//! and run through [`crate::finance::run`]. Shows the VaR/ES table, the
//! return distribution with VaR and CVaR marked, the drawdown curve, the
//! historical stress episodes inside the data and the user's own (or why
//! one could not be replayed), the VaR backtest with its
//! reading, and user-defined shocks (price, volatility, rates) on a linear
//! holding with the Strategies screen's option legs.
//!
//! Must not compute a risk figure itself: the report comes from
//! `shared::execute`, the shock from `shared::risk::shock`, the drawdown
//! curve from `shared::risk::drawdown_curve`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::actions::{Action, EpisodeChoice, RiskMethod, RiskReport, EPISODES_MAX};
use shared::calendar::Date;
use shared::execute::{FinanceOutcome, RiskOutcome};
use shared::pricing::strategy::Leg;
use shared::pricing::Model;
use shared::risk::{drawdown_curve, shock, LinearHolding, OptionBook, Shock, ShockResult};

use super::chart::Marker;
use super::chat::finance::{
    align_lines, backtest_reading, backtest_sentence, drawdown_sentence, stress_table, var_table,
};
use super::equity_chart::drawdown_chart;
use super::finance_form::{
    first_choice, fraction_of_percent, load_uploads, local_check, number, optional, stage_words,
    symbol_for, CheckField, DatasetSelect, RunState, SourceSelect, TextField, BUNDLED,
};
use super::format::{count, fixed, percent};
use super::histogram::Histogram;
use super::run_badges::{Kept, RunBadges};
use super::state::use_market;
use super::strategies_page::current_legs;
use crate::finance;

/// Bins of the return histogram.
const HISTOGRAM_BINS: usize = 60;

/// One holding of the portfolio form: its own signals, so typing in a row
/// never re-renders the list.
#[derive(Clone, Copy)]
struct HoldingRow {
    id: u64,
    asset: RwSignal<String>,
    weight_pct: RwSignal<String>,
}

/// One user-picked stress episode of the form, as typed.
#[derive(Clone, Copy)]
struct EpisodeRow {
    id: u64,
    name: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
}

/// The form's text, as typed.
#[derive(Clone, Copy)]
struct RiskForm {
    source: RwSignal<String>,
    portfolio: RwSignal<bool>,
    asset: RwSignal<String>,
    holdings: RwSignal<Vec<HoldingRow>>,
    confidence_pct: RwSignal<String>,
    horizon: RwSignal<String>,
    methods: [RwSignal<bool>; 4],
    scenarios: RwSignal<String>,
    seed: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    episodes: RwSignal<Vec<EpisodeRow>>,
}

impl RiskForm {
    /// The form as a `risk_report` action, or the first field that does
    /// not parse.
    fn action(&self) -> Result<Action, String> {
        let source = self.source.get();
        let (assets, weights) = if self.portfolio.get() {
            let rows = self.holdings.get();
            let mut assets = Vec::with_capacity(rows.len());
            let mut weights = Vec::with_capacity(rows.len());
            for (i, row) in rows.iter().enumerate() {
                let label = format!("Asset {}", i + 1);
                assets.push(symbol_for(&label, &source, &row.asset.get())?);
                let w: f64 = number(&format!("Weight {}", i + 1), &row.weight_pct.get())?;
                weights.push(fraction_of_percent(w));
            }
            (assets, Some(weights))
        } else {
            (vec![symbol_for("Asset", &source, &self.asset.get())?], None)
        };
        let methods: Vec<RiskMethod> = RiskMethod::ALL
            .iter()
            .zip(&self.methods)
            .filter(|(_, on)| on.get())
            .map(|(m, _)| *m)
            .collect();
        let confidence: f64 = number("Confidence", &self.confidence_pct.get())?;
        let episodes = self
            .episodes
            .get()
            .iter()
            .map(|e| EpisodeChoice {
                name: optional(&e.name.get()),
                from: e.from.get().trim().to_string(),
                to: e.to.get().trim().to_string(),
            })
            .collect();
        Ok(Action::RiskReport(Box::new(RiskReport {
            source,
            assets,
            weights,
            confidence: fraction_of_percent(confidence),
            horizon_days: number("Horizon", &self.horizon.get())?,
            methods,
            scenarios: number("Scenarios", &self.scenarios.get())?,
            seed: number("Seed", &self.seed.get())?,
            episodes,
            from: optional(&self.from.get()),
            to: optional(&self.to.get()),
        })))
    }
}

/// The screen.
#[component]
pub fn RiskPage() -> impl IntoView {
    let next_id = StoredValue::new(2u64);
    let row = |id: u64, asset: &str, weight: &str| HoldingRow {
        id,
        asset: RwSignal::new(asset.to_string()),
        weight_pct: RwSignal::new(weight.to_string()),
    };
    let uploads = load_uploads();
    let form = RiskForm {
        source: RwSignal::new(BUNDLED.to_string()),
        portfolio: RwSignal::new(false),
        asset: RwSignal::new("sp500".to_string()),
        holdings: RwSignal::new(vec![row(0, "sp500", "60"), row(1, "nasdaq", "40")]),
        confidence_pct: RwSignal::new("99".to_string()),
        horizon: RwSignal::new("1".to_string()),
        methods: [
            RwSignal::new(true),
            RwSignal::new(true),
            RwSignal::new(true),
            RwSignal::new(true),
        ],
        scenarios: RwSignal::new("100000".to_string()),
        seed: RwSignal::new("42".to_string()),
        from: RwSignal::new(String::new()),
        to: RwSignal::new(String::new()),
        episodes: RwSignal::new(Vec::new()),
    };
    let parsed = Memo::new(move |_| form.action());
    let checked = local_check(parsed);
    let state = RwSignal::new(RunState::<Finished>::Idle);
    let running = move || state.with(RunState::is_running);

    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if running() {
            return;
        }
        let action = match checked.get_untracked() {
            Ok(action) => action,
            Err(why) => return state.set(RunState::Failed(why)),
        };
        spawn_local(async move {
            let on_stage = move |stage| {
                state.set(RunState::Running(stage_words(
                    stage,
                    "Computing VaR, drawdowns, stress episodes and the backtest…",
                )))
            };
            let assets = match &action {
                Action::RiskReport(r) => r.assets.clone(),
                _ => Vec::new(),
            };
            let result = finance::run(action.clone(), on_stage).await;
            state.set(match result {
                Ok(run) => {
                    let kept = finance::record(&action, &run);
                    match run.outcome {
                        FinanceOutcome::Risk(outcome) => RunState::Done(Finished {
                            assets,
                            outcome,
                            offline: run.offline,
                            kept,
                        }),
                        _ => RunState::Failed("the run returned another kind of result".into()),
                    }
                }
                Err(error) => RunState::Failed(error),
            });
        });
    };

    let add_holding = move |_| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        let asset = if form.source.get_untracked() == BUNDLED {
            "wti".to_string()
        } else {
            first_choice(&form.source.get_untracked(), uploads)
        };
        form.holdings.update(|rows| rows.push(row(id, &asset, "0")));
    };
    // A new source: every asset becomes that source's first series.
    let source_changed = move |source: String| {
        let first = first_choice(&source, uploads);
        form.asset.set(first.clone());
        for h in form.holdings.get_untracked() {
            h.asset.set(first.clone());
        }
    };
    let add_episode = move |_| {
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        form.episodes.update(|rows| {
            rows.push(EpisodeRow {
                id,
                name: RwSignal::new(String::new()),
                from: RwSignal::new(String::new()),
                to: RwSignal::new(String::new()),
            })
        });
    };
    let episodes_view = move || {
        form.episodes
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let id = e.id;
                let field = |key: &str| format!("risk-episode-{key}-{id}");
                let input = move |dom_id: String, label: String, value: RwSignal<String>, placeholder: &'static str| view! {
                    <div class="field">
                        <label for=dom_id.clone()>{label}</label>
                        <input id=dom_id type="text" inputmode="text" autocomplete="off" spellcheck="false" placeholder=placeholder
                            prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
                    </div>
                };
                view! {
                    <li class="holding episode">
                        {input(field("name"), format!("Episode {} name (optional)", i + 1), e.name, "")}
                        {input(field("from"), format!("Episode {} from", i + 1), e.from, "YYYY-MM-DD")}
                        {input(field("to"), format!("Episode {} to", i + 1), e.to, "YYYY-MM-DD")}
                        <button type="button" class="secondary remove" on:click=move |_| form.episodes.update(|rows| rows.retain(|r| r.id != id))>
                            {format!("Remove episode {}", i + 1)}
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    let holdings_view = move || {
        form.holdings
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, h)| {
                let id = h.id;
                let weight_id = format!("risk-weight-{id}");
                view! {
                    <li class="holding">
                        <DatasetSelect id=format!("risk-asset-{id}") label=format!("Asset {}", i + 1) value=h.asset source=form.source uploads=uploads />
                        <div class="field">
                            <label for=weight_id.clone()>{format!("Weight {} (%)", i + 1)}</label>
                            <input id=weight_id type="text" inputmode="decimal" autocomplete="off"
                                prop:value=move || h.weight_pct.get() on:input=move |ev| h.weight_pct.set(event_target_value(&ev)) />
                        </div>
                        <button type="button" class="secondary remove" on:click=move |_| form.holdings.update(|rows| rows.retain(|r| r.id != id))>
                            {format!("Remove asset {}", i + 1)}
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    let method_boxes = RiskMethod::ALL
        .iter()
        .zip(form.methods)
        .map(|(m, on)| {
            let (id, label) = match m {
                RiskMethod::Historical => ("risk-m-historical", "Historical"),
                RiskMethod::Normal => ("risk-m-normal", "Normal"),
                RiskMethod::StudentT => ("risk-m-t", "Student-t"),
                RiskMethod::MonteCarlo => ("risk-m-mc", "Monte Carlo (simulation)"),
            };
            view! { <CheckField id=id label=label value=on /> }
        })
        .collect_view();
    let status = move || match state.get() {
        RunState::Idle => None,
        RunState::Running(text) => {
            Some(view! { <p id="risk-progress" class="status" role="status">{text}</p> }.into_any())
        }
        RunState::Failed(why) => {
            Some(view! { <p id="risk-error" class="error" role="alert">{why}</p> }.into_any())
        }
        RunState::Done(_) => None,
    };
    let results = move || match state.get() {
        RunState::Done(done) => Some(risk_results(done)),
        _ => None,
    };

    view! {
        <div class="page finance-page">
            <section class="card" aria-labelledby="risk-title">
                <h2 id="risk-title">"Risk"</h2>
                <form class="stack" on:submit=run novalidate>
                    <SourceSelect id="risk-source" source=form.source uploads=uploads on_change=source_changed />
                    <CheckField id="risk-portfolio" label="A weighted portfolio of several assets" value=form.portfolio />
                    <Show when=move || !form.portfolio.get()>
                        <DatasetSelect id="risk-asset".to_string() label="Asset".to_string() value=form.asset source=form.source uploads=uploads />
                    </Show>
                    <Show when=move || form.portfolio.get()>
                        <ol class="holdings">{holdings_view}</ol>
                        <button type="button" class="secondary" id="risk-add" on:click=add_holding>"Add an asset"</button>
                    </Show>
                    <div class="grid">
                        <TextField id="risk-confidence" label="Confidence (%)" value=form.confidence_pct />
                        <TextField id="risk-horizon" label="Horizon (trading days)" value=form.horizon inputmode="numeric" />
                        <TextField id="risk-from" label="From (optional)" value=form.from inputmode="text" placeholder="YYYY-MM-DD" />
                        <TextField id="risk-to" label="To (optional)" value=form.to inputmode="text" placeholder="YYYY-MM-DD" />
                    </div>
                    <fieldset class="methods">
                        <legend>"Methods"</legend>
                        {method_boxes}
                    </fieldset>
                    <fieldset class="episodes">
                        <legend>"Your stress episodes"</legend>
                        <p class="muted">"Replayed next to the built-in ones (2000-2002, 2008-2009, August 2011, late 2018) when the data cover them."</p>
                        <ol class="holdings" id="risk-episodes">{episodes_view}</ol>
                        <button type="button" class="secondary" id="risk-add-episode" on:click=add_episode
                            disabled=move || form.episodes.with(|rows| rows.len() >= EPISODES_MAX)>"Add an episode"</button>
                    </fieldset>
                    <Show when=move || form.methods[3].get()>
                        <div class="grid">
                            <TextField id="risk-scenarios" label="Monte Carlo scenarios" value=form.scenarios inputmode="numeric" />
                            <TextField id="risk-seed" label="Simulation seed" value=form.seed inputmode="numeric" />
                        </div>
                        <p class="muted">"Monte Carlo draws a fitted Student-t: a simulation, never stored as data."</p>
                    </Show>
                    {move || checked.get().err().map(|why| view! { <p id="risk-refusal" class="verdict refused" role="alert">{why}</p> })}
                    <div class="actions">
                        <button type="submit" id="risk-run" disabled=move || running() || checked.with(|c| c.is_err())>
                            {move || if running() { "Running…" } else { "Run" }}
                        </button>
                    </div>
                </form>
                {status}
            </section>
            {results}
            <ShockCard />
        </div>
    }
}

/// A finished report.
#[derive(Clone, Debug, PartialEq)]
struct Finished {
    /// The assets, in the action's order.
    assets: Vec<String>,
    /// The report.
    outcome: RiskOutcome,
    /// Computed on the app's bundled copy (no server).
    offline: bool,
    /// Its place in the outbox, or why it was not kept.
    kept: Kept,
}

/// Every result section of a finished report.
fn risk_results(done: Finished) -> AnyView {
    let Finished {
        assets,
        outcome,
        offline,
        kept,
    } = done;
    let outcome = &outcome;
    let lines = align_lines(&outcome.report, &assets);
    let heading = format!(
        "{}: {} returns, {}-day horizon at {} confidence",
        outcome.label,
        count(outcome.observations as u64),
        outcome.horizon_days,
        percent(outcome.confidence, 1),
    );
    let note = outcome.stress_note.clone();
    view! {
        <section class="card" id="risk-figures" aria-labelledby="risk-figures-title">
            <h2 id="risk-figures-title">"Value at risk and expected shortfall"</h2>
            <RunBadges prefix="risk" offline=offline kept=Some(kept) />
            <p id="risk-heading">{heading}</p>
            <div id="risk-var">{var_table(outcome)}</div>
            <ul class="muted">{lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
        </section>
        <section class="card" id="risk-distribution" aria-labelledby="risk-distribution-title">
            <h2 id="risk-distribution-title">"Return distribution"</h2>
            {distribution(outcome)}
        </section>
        <section class="card" id="risk-drawdown" aria-labelledby="risk-drawdown-title">
            <h2 id="risk-drawdown-title">"Drawdown"</h2>
            {drawdown_view(outcome)}
        </section>
        <section class="card" id="risk-stress" aria-labelledby="risk-stress-title">
            <h2 id="risk-stress-title">"Stress episodes"</h2>
            {stress_table(outcome)}
            {note.map(|n| view! { <p class="muted">{format!("Stress episodes: {n}")}</p> })}
        </section>
        <section class="card" id="risk-backtest" aria-labelledby="risk-backtest-title">
            <h2 id="risk-backtest-title">"VaR backtest"</h2>
            {var_backtest_view(outcome)}
        </section>
    }
    .into_any()
}

/// The histogram of the period returns (in %), with the first method's
/// VaR and CVaR marked when the horizon is one period (the histogram is of
/// one-period returns; an h-day VaR would not belong on it).
fn distribution(outcome: &RiskOutcome) -> impl IntoView {
    let values: Vec<f64> = outcome.returns.iter().map(|r| r * 100.0).collect();
    let first = outcome
        .estimates
        .iter()
        .find_map(|(m, e)| e.as_ref().ok().map(|e| (*m, e.clone())));
    let (markers, caption) = match first {
        Some((method, e)) if outcome.horizon_days == 1 => (
            vec![
                Marker {
                    x: -100.0 * e.var,
                    label: "VaR".into(),
                },
                Marker {
                    x: -100.0 * e.es,
                    label: "CVaR".into(),
                },
            ],
            format!(
                "{} returns. Marked: {} VaR {} and CVaR {} at {} (losses left of the lines).",
                count(values.len() as u64),
                method.label(),
                percent(-e.var, 2),
                percent(-e.es, 2),
                percent(outcome.confidence, 1)
            ),
        ),
        Some(_) => (
            Vec::new(),
            format!(
                "{} one-period returns. VaR and CVaR are for {} days, so they are not marked on this one-period histogram.",
                count(values.len() as u64),
                outcome.horizon_days
            ),
        ),
        None => (
            Vec::new(),
            "No method gave a VaR to mark.".to_string(),
        ),
    };
    view! {
        <Histogram title="Distribution of returns" x_label="return per period (%)" values=values bins=HISTOGRAM_BINS markers=markers />
        <p class="muted" id="risk-distribution-caption">{caption}</p>
    }
}

/// The drawdown curve of the value of 1 invested, and the largest drawdown.
fn drawdown_view(outcome: &RiskOutcome) -> impl IntoView {
    let (dates, values): (Vec<Date>, Vec<f64>) = outcome.values.iter().copied().unzip();
    let chart = match drawdown_curve(&values) {
        Ok(curve) => {
            let deepest = outcome
                .drawdown
                .as_ref()
                .ok()
                .map(|d| (d.trough_date, format!("−{}", percent(d.depth, 1))));
            drawdown_chart("Drawdown", &dates, &curve, deepest).into_any()
        }
        Err(why) => view! { <p class="error">{format!("Drawdown curve: {why}")}</p> }.into_any(),
    };
    let duration = outcome.drawdown.as_ref().ok().map(|d| {
        format!(
            "{} periods from peak to trough; {} calendar days {}",
            count(d.bars_to_trough as u64),
            count(d.duration_days.max(0) as u64),
            if d.recovery_date.is_some() {
                "from peak to recovery"
            } else {
                "so far, not recovered"
            }
        )
    });
    view! {
        {chart}
        <p id="risk-max-drawdown">{drawdown_sentence(outcome)}</p>
        {duration.map(|d| view! { <p class="muted">{d}</p> })}
    }
}

/// The VaR backtest's figures and its reading.
fn var_backtest_view(outcome: &RiskOutcome) -> impl IntoView {
    match &outcome.backtest {
        (window, Ok(b)) => view! {
            <table class="finance-table" id="risk-backtest-table">
                <tbody>
                    <tr><th scope="row">"Forecasts tested"</th><td>{count(b.observations as u64)}</td></tr>
                    <tr><th scope="row">"Breaches"</th><td>{b.breaches.to_string()}</td></tr>
                    <tr><th scope="row">"Expected breaches"</th><td>{fixed(b.expected, 1)}</td></tr>
                    <tr><th scope="row">"Kupiec p-value"</th><td>{fixed(b.kupiec.p_value, 3)}</td></tr>
                    <tr><th scope="row">"Christoffersen independence p-value"</th><td>{fixed(b.independence.p_value, 3)}</td></tr>
                    <tr><th scope="row">"Conditional coverage p-value"</th><td>{fixed(b.conditional_coverage.p_value, 3)}</td></tr>
                </tbody>
            </table>
            <p id="risk-backtest-reading"><strong>{backtest_reading(b)}</strong></p>
            <p class="muted">{format!("A rolling {window}-return historical one-day VaR at {}, forecast each day from the returns before it.", percent(b.confidence, 1))}</p>
        }
        .into_any(),
        _ => view! { <p class="error" id="risk-backtest-reading">{backtest_sentence(outcome)}</p> }.into_any(),
    }
}

/// Parses the shock form into a shock, a linear holding and the option
/// units, or names the field at fault.
fn parse_shock(
    price_down_pct: &str,
    vol_up_points: &str,
    rates_up_bp: &str,
    holding: &str,
) -> Result<(Shock, LinearHolding), String> {
    let down: f64 = number("Price down", price_down_pct)?;
    let shock = Shock {
        price_change: -down / 100.0,
        vol_change_points: number("Volatility up", vol_up_points)?,
        rate_change_bp: number("Rates up", rates_up_bp)?,
    };
    let value: f64 = number("Holding", holding)?;
    Ok((
        shock,
        LinearHolding {
            name: "holding".into(),
            value,
            beta: 1.0,
        },
    ))
}

/// The user-defined shock: a price, volatility and rate move applied to a
/// linear holding and, when chosen, the Strategies screen's option legs
/// (valued with the Pricing screen's market inputs and model).
#[component]
fn ShockCard() -> impl IntoView {
    let market = use_market();
    let down = RwSignal::new("20".to_string());
    let vol = RwSignal::new("10".to_string());
    let rates = RwSignal::new("0".to_string());
    let holding = RwSignal::new("100000".to_string());
    let with_options = RwSignal::new(false);
    let units = RwSignal::new("100".to_string());
    let legs: Vec<Leg> = current_legs();
    let leg_count = legs.len();
    let result = Memo::new(move |_| -> Result<ShockResult, String> {
        let (s, linear) = parse_shock(&down.get(), &vol.get(), &rates.get(), &holding.get())?;
        let book = if with_options.get() {
            if legs.is_empty() {
                return Err("Option legs: the Strategies screen has no legs yet; build a strategy there first.".into());
            }
            let units: f64 = number("Strategy units", &units.get())?;
            let parsed = market.parsed.get().map_err(|errors| {
                format!(
                    "Market inputs (Pricing screen): {}",
                    errors.first().map(|e| e.to_string()).unwrap_or_default()
                )
            })?;
            Some(OptionBook {
                legs: legs
                    .iter()
                    .map(|leg| Leg {
                        quantity: leg.quantity * units,
                        ..*leg
                    })
                    .collect(),
                market: parsed.params,
                model: Model {
                    exercise: parsed.exercise,
                    steps: parsed.steps,
                },
            })
        } else {
            None
        };
        shock(book.as_ref(), &[linear], &s).map_err(|e| e.to_string())
    });
    let money = |v: f64| fixed(v, 2);
    let table = move || {
        match result.get() {
        Ok(r) => view! {
            <table class="finance-table" id="shock-table">
                <tbody>
                    <tr><th scope="row">"Value before"</th><td>{money(r.value_before)}</td></tr>
                    <tr><th scope="row">"Value after"</th><td>{money(r.value_after)}</td></tr>
                    <tr><th scope="row">"Holding P&L"</th><td>{money(r.linear_pnl)}</td></tr>
                    <tr><th scope="row">"Option legs P&L"</th><td>{money(r.option_pnl)}</td></tr>
                    <tr><th scope="row">"Total P&L"</th><td>{money(r.pnl)}</td></tr>
                    {r.shocked_market.map(|m| view! {
                        <tr><th scope="row">"Shocked spot, volatility, rate"</th><td>{format!("{}, {}, {}", fixed(m.spot, 2), percent(m.volatility, 1), percent(m.rate, 2))}</td></tr>
                    })}
                </tbody>
            </table>
        }
        .into_any(),
        Err(why) => view! { <p class="error" id="shock-error" role="alert">{why}</p> }.into_any(),
    }
    };
    view! {
        <section class="card" id="risk-shock" aria-labelledby="shock-title">
            <h2 id="shock-title">"Shock scenario"</h2>
            <p class="muted">"An instantaneous move: no time passes. The holding moves one for one with the price."</p>
            <div class="grid">
                <TextField id="shock-price" label="Price down (%)" value=down />
                <TextField id="shock-vol" label="Volatility up (points)" value=vol />
                <TextField id="shock-rates" label="Rates up (bp)" value=rates />
                <TextField id="shock-holding" label="Holding value" value=holding />
            </div>
            <CheckField id="shock-options" label=if leg_count == 0 { "Add the Strategies screen's option legs (none yet)" } else { "Add the Strategies screen's option legs" } value=with_options />
            <Show when=move || with_options.get()>
                <TextField id="shock-units" label="Strategy units held" value=units />
                <p class="muted">{format!("{leg_count} leg(s) from the Strategies screen, valued with the Pricing screen's market inputs and model.")}</p>
            </Show>
            {table}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shock_form_names_the_field_and_signs_the_moves() {
        let (s, h) = parse_shock("20", "10", "-50", "1000").unwrap();
        assert_eq!(s.price_change, -0.2);
        assert_eq!((s.vol_change_points, s.rate_change_bp), (10.0, -50.0));
        assert_eq!((h.value, h.beta), (1000.0, 1.0));
        assert_eq!(
            parse_shock("x", "0", "0", "1").unwrap_err(),
            "Price down: \"x\" is not a number"
        );
        // A shock below -100% is the library's refusal, not a panic.
        let (s, h) = parse_shock("120", "0", "0", "1000").unwrap();
        let err = shock(None, &[h], &s).unwrap_err().to_string();
        assert!(err.contains("price_change"), "{err}");
    }
}
