//! The Portfolio screen (`/portfolio`): choose assets (bundled datasets or
//! the user's uploads), the estimators, the constraints (long-only or
//! shorts, a cap on every weight, per-asset bounds) and the method; see
//! the weights (table and
//! bars), the figures, each asset's risk contribution, what alignment
//! dropped, and the efficient frontier with the chosen portfolio and each
//! asset on it. The form is an `optimise_portfolio` action, checked by
//! `shared::actions::validate` before it runs through
//! [`crate::finance::run_with`] (in the finance worker; offline on the
//! bundled copy when the server cannot be reached); the result is recorded
//! through the outbox.
//!
//! Must not compute a portfolio figure: everything shown comes from the
//! run's outcome.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

use shared::actions::{
    validate, Action, ActionContext, AssetBound, CovarianceChoice, OptimisePortfolio,
    PortfolioMethod, ReturnsChoice,
};
use shared::compliance::Rules;
use shared::data::bundled;
use shared::execute::{FinanceOutcome, PortfolioOutcome};

use super::bar_chart::{Bar, BarChart};
use super::chat::finance::align_lines;
use super::finance_form::{
    choices, first_choice, fraction_of_percent, is_typed, load_uploads, symbol_for,
    typed_placeholder, typed_symbols, SourceSelect, BUNDLED,
};
use super::format::{fixed, percent};
use super::run_badges::RunBadges;
use super::scatter::{Point, RiskReturnChart};
use super::session::use_session;
use crate::finance::outbox;
use crate::finance::{self, Cancel, FinanceRun, Stage};

/// Every method, in menu order.
const METHODS: [PortfolioMethod; 7] = [
    PortfolioMethod::MinVariance,
    PortfolioMethod::MaxSharpe,
    PortfolioMethod::RiskParity,
    PortfolioMethod::Hrp,
    PortfolioMethod::MinCvar,
    PortfolioMethod::TargetReturn,
    PortfolioMethod::TargetRisk,
];

/// The form as typed: numbers as text, percentages in percent.
#[derive(Clone, Debug, PartialEq)]
pub struct PortfolioForm {
    /// The assets' source: `bundled`, `user_upload`, `polygon` or `fred`.
    pub source: String,
    /// Dataset or upload ids, in the order chosen (picked sources).
    pub assets: Vec<String>,
    /// Tickers or series ids as typed, comma-separated (fetched sources).
    pub typed_assets: String,
    /// The optimiser.
    pub method: PortfolioMethod,
    /// Target annual return or volatility, percent (target methods).
    pub target: String,
    /// Expected-return estimator.
    pub returns: ReturnsChoice,
    /// CAPM market dataset id.
    pub market: String,
    /// Covariance estimator.
    pub covariance: CovarianceChoice,
    /// EWMA half-life in periods (empty: the default).
    pub half_life: String,
    /// No short positions.
    pub long_only: bool,
    /// Largest weight of each asset, percent (empty: none).
    pub max_weight: String,
    /// Per-asset (min, max) weights in percent by asset id (empty: the
    /// default); only chosen assets' bounds are sent.
    pub bounds: BTreeMap<String, (String, String)>,
    /// Annual risk-free rate, percent.
    pub risk_free: String,
    /// Minimum-CVaR confidence, percent (empty: the default).
    pub confidence: String,
    /// First date (empty: the data's first).
    pub from: String,
    /// Last date (empty: the data's last).
    pub to: String,
}

impl Default for PortfolioForm {
    fn default() -> Self {
        PortfolioForm {
            source: BUNDLED.into(),
            assets: vec!["sp500".into(), "nasdaq".into(), "wti".into()],
            typed_assets: String::new(),
            method: PortfolioMethod::MaxSharpe,
            target: "10".into(),
            returns: ReturnsChoice::Mean,
            market: "sp500".into(),
            covariance: CovarianceChoice::LedoitWolf,
            half_life: String::new(),
            long_only: true,
            max_weight: String::new(),
            bounds: BTreeMap::new(),
            risk_free: "0".into(),
            confidence: String::new(),
            from: String::new(),
            to: String::new(),
        }
    }
}

/// `text` as a number, or an error naming `field`.
fn number(field: &str, text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{field}: \"{}\" is not a number", text.trim()))
}

/// An optional number: empty text is `None`.
fn optional(field: &str, text: &str) -> Result<Option<f64>, String> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        number(field, text).map(Some)
    }
}

/// Empty text is `None`.
fn optional_text(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl PortfolioForm {
    /// The assets of the action: the typed tickers of a fetched source
    /// (or why they do not parse), the picked ids otherwise.
    pub fn asset_ids(&self) -> Result<Vec<String>, String> {
        if is_typed(&self.source) {
            typed_symbols("Tickers", &self.typed_assets)
        } else {
            Ok(self.assets.clone())
        }
    }

    /// The `optimise_portfolio` action of this form, or why the typing is
    /// wrong (the bounds are `validate`'s job).
    pub fn to_action(&self) -> Result<Action, String> {
        let target = match self.method {
            PortfolioMethod::TargetReturn => Some(number("Target return", &self.target)? / 100.0),
            PortfolioMethod::TargetRisk => Some(number("Target volatility", &self.target)? / 100.0),
            _ => None,
        };
        let uses_half_life =
            self.returns == ReturnsChoice::Ewma || self.covariance == CovarianceChoice::Ewma;
        let assets = self.asset_ids()?;
        let mut bounds = Vec::new();
        if takes_bounds(self.method) {
            for asset in &assets {
                let Some((min, max)) = self.bounds.get(asset) else {
                    continue;
                };
                let min = optional(&format!("Smallest weight of {asset}"), min)?;
                let max = optional(&format!("Largest weight of {asset}"), max)?;
                if min.is_some() || max.is_some() {
                    bounds.push(AssetBound {
                        asset: asset.clone(),
                        min: min.map(fraction_of_percent),
                        max: max.map(fraction_of_percent),
                    });
                }
            }
        }
        Ok(Action::OptimisePortfolio(Box::new(OptimisePortfolio {
            source: self.source.clone(),
            assets,
            method: self.method,
            target,
            covariance: self.covariance,
            expected_returns: self.returns,
            market: if self.returns == ReturnsChoice::Capm {
                Some(symbol_for("Market", &self.source, &self.market)?)
            } else {
                None
            },
            half_life: if uses_half_life {
                optional("Half-life", &self.half_life)?
            } else {
                None
            },
            long_only: self.long_only,
            max_weight: optional("Largest weight", &self.max_weight)?.map(|v| v / 100.0),
            bounds,
            risk_free: number("Risk-free rate", &self.risk_free)? / 100.0,
            confidence: if self.method == PortfolioMethod::MinCvar {
                optional("Confidence", &self.confidence)?.map(|v| v / 100.0)
            } else {
                None
            },
            from: optional_text(&self.from),
            to: optional_text(&self.to),
        })))
    }
}

/// Whether `method` takes weight limits (risk parity and HRP do not).
fn takes_bounds(method: PortfolioMethod) -> bool {
    !matches!(method, PortfolioMethod::RiskParity | PortfolioMethod::Hrp)
}

/// A serde enum value from its snake-case wire name.
fn from_wire<T: DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

/// The snake-case wire name of a serde enum value.
fn wire<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The weights' bars, in asset order.
pub fn weight_bars(outcome: &PortfolioOutcome) -> Vec<Bar> {
    let p = &outcome.portfolio;
    p.assets
        .iter()
        .zip(&p.weights)
        .map(|(asset, w)| Bar {
            label: asset.clone(),
            value: *w,
            text: percent(*w, 1),
        })
        .collect()
}

/// The frontier chart's points: each asset, then the chosen portfolio.
pub fn frontier_points(outcome: &PortfolioOutcome) -> Vec<Point> {
    let p = &outcome.portfolio;
    let mut points: Vec<Point> = p
        .assets
        .iter()
        .zip(&outcome.asset_points)
        .map(|(asset, a)| Point {
            label: asset.clone(),
            x: a.volatility,
            y: a.expected_return,
            class: "point",
        })
        .collect();
    points.push(Point {
        label: outcome.method.label().to_string(),
        x: p.volatility,
        y: p.expected_return,
        class: "point chosen",
    });
    points
}

/// Where a run stands.
#[derive(Clone, Debug, PartialEq)]
enum RunState {
    Idle,
    Running(String),
    Failed(String),
    Done {
        run: Box<FinanceRun>,
        client_id: Option<String>,
        record_error: Option<String>,
    },
}

/// The Portfolio screen.
#[component]
pub fn PortfolioPage() -> impl IntoView {
    let session = use_session();
    let form = RwSignal::new(PortfolioForm::default());
    let uploads = load_uploads();
    let source = RwSignal::new(BUNDLED.to_string());
    let chosen = Memo::new(move |_| form.with(|f| f.asset_ids().unwrap_or_default()));
    let state = RwSignal::new(RunState::Idle);
    let cancel = StoredValue::new_local(Cancel::default());

    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let action = match form.get_untracked().to_action() {
            Ok(action) => action,
            Err(message) => return state.set(RunState::Failed(message)),
        };
        let rules = match session.rules.get_untracked() {
            Some(Ok(document)) => document.rules,
            _ => Rules::default_rules(),
        };
        let ctx = ActionContext {
            rules: &rules,
            today: crate::clock::today(),
        };
        if let Err(refusal) = validate(&ctx, &action) {
            let field = if refusal.field.is_empty() {
                String::new()
            } else {
                format!("{}: ", refusal.field)
            };
            return state.set(RunState::Failed(format!(
                "{field}{} (rule {})",
                refusal.reason, refusal.rule_id
            )));
        }
        let cancel = cancel.get_value();
        state.set(RunState::Running("Starting…".into()));
        spawn_local(async move {
            let on_stage = move |stage| {
                state.set(RunState::Running(match stage {
                    Stage::Fetching(n) => {
                        format!("Fetching {n} series through the compliance gateway…")
                    }
                    Stage::Computing => "Optimising in the finance worker…".to_string(),
                }))
            };
            match finance::run_with(action.clone(), on_stage, &cancel).await {
                Ok(run) => {
                    let (client_id, record_error) = match finance::record(&action, &run) {
                        Ok(id) => (Some(id), None),
                        Err(e) => (None, Some(e)),
                    };
                    state.set(RunState::Done {
                        run: Box::new(run),
                        client_id,
                        record_error,
                    });
                }
                Err(message) => state.set(RunState::Failed(message)),
            }
        });
    };
    let stop = move |_| cancel.get_value().cancel();

    // A new source: no asset chosen yet, the market its first series.
    let source_changed = move |new: String| {
        let market = first_choice(&new, uploads);
        form.update(|f| {
            f.source = new;
            f.assets.clear();
            f.market = market;
        });
    };
    // Typed tickers for a fetched source (re-rendered only when the
    // source changes, so typing keeps focus), else a checkbox per series.
    let tickers = move || {
        let typed = source.get();
        is_typed(&typed).then(|| view! {
            <div class="field">
                <label for="portfolio-tickers">"Tickers or series ids (comma-separated)"</label>
                <input id="portfolio-tickers" type="text" inputmode="text" autocomplete="off" spellcheck="false"
                    autocapitalize="characters" placeholder=typed_placeholder(&typed)
                    prop:value=move || form.with(|f| f.typed_assets.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.typed_assets = v); } />
            </div>
        })
    };
    let asset_boxes = move || {
        let listed = uploads.with(|u| choices(&source.get(), u));
        listed
            .into_iter()
            .map(|choice| {
                let id = choice.id.clone();
                let box_id = format!("asset-{id}");
                let note = bundled::info(&id).ok().map(|info| match info.frequency {
                    bundled::Frequency::Daily => " · daily",
                    bundled::Frequency::Monthly => " · monthly",
                });
                let title = bundled::info(&id)
                    .map(|info| info.title.to_string())
                    .unwrap_or(choice.title);
                let (checked, toggled) = (id.clone(), id.clone());
                view! {
                    <li>
                        <input
                            type="checkbox"
                            id=box_id.clone()
                            value=id
                            prop:checked=move || chosen.with(|a| a.contains(&checked))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                form.update(|f| {
                                    f.assets.retain(|a| *a != toggled);
                                    if on {
                                        f.assets.push(toggled.clone());
                                    }
                                });
                            }
                        />
                        <label for=box_id>{title} <small class="muted">{note}</small></label>
                    </li>
                }
            })
            .collect_view()
    };
    let market_options = move || {
        uploads
            .with(|u| choices(&source.get(), u))
            .into_iter()
            .map(|c| {
                let id = c.id.clone();
                view! { <option value=c.id selected=move || form.with(|f| f.market == id)>{c.title}</option> }
            })
            .collect_view()
    };
    let market_control = move || {
        if is_typed(&source.get()) {
            view! {
                <input id="portfolio-market" type="text" inputmode="text" autocomplete="off" spellcheck="false"
                    autocapitalize="characters" placeholder="SPY"
                    prop:value=move || form.with(|f| f.market.clone())
                    on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.market = v); } />
            }
            .into_any()
        } else {
            view! {
                <select id="portfolio-market" on:change=move |ev| { let v = event_target_value(&ev); form.update(|f| f.market = v) }>{market_options}</select>
            }
            .into_any()
        }
    };
    // One row per chosen asset: its smallest and largest weight in percent
    // (re-rendered only when the chosen assets change, so typing keeps focus).
    let bound_rows = move || {
        chosen
            .get()
            .into_iter()
            .map(|asset| {
                let name = asset.clone();
                let field = move |kind: &'static str, label: &'static str, min_side: bool| {
                    let dom_id = format!("portfolio-{kind}-{asset}");
                    let (read, write) = (asset.clone(), asset.clone());
                    view! {
                        <div class="field">
                            <label for=dom_id.clone()>{label}</label>
                            <input id=dom_id type="text" inputmode="decimal" autocomplete="off"
                                prop:value=move || form.with(|f| f.bounds.get(&read).map(|b| if min_side { b.0.clone() } else { b.1.clone() }).unwrap_or_default())
                                on:input=move |ev| {
                                    let v = event_target_value(&ev);
                                    form.update(|f| {
                                        let b = f.bounds.entry(write.clone()).or_default();
                                        if min_side { b.0 = v } else { b.1 = v }
                                    });
                                } />
                        </div>
                    }
                };
                view! {
                    <p class="bound-asset">{name}</p>
                    {field("min", "Smallest (%)", true)}
                    {field("max", "Largest (%)", false)}
                }
            })
            .collect_view()
    };
    let method_options = METHODS
        .iter()
        .map(|m| {
            let m = *m;
            view! { <option value=wire(&m) selected=move || form.with(|f| f.method == m)>{m.label()}</option> }
        })
        .collect_view();
    let text_field = move |id: &'static str,
                           label: &'static str,
                           get: fn(&PortfolioForm) -> String,
                           set: fn(&mut PortfolioForm, String)| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="text" inputmode="decimal" autocomplete="off"
                    prop:value=move || form.with(get)
                    on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| set(f, v)); } />
            </div>
        }
    };
    let is_target = move || {
        form.with(|f| {
            matches!(
                f.method,
                PortfolioMethod::TargetReturn | PortfolioMethod::TargetRisk
            )
        })
    };
    let target_label = move || {
        if form.with(|f| f.method == PortfolioMethod::TargetRisk) {
            "Target volatility (% a year)"
        } else {
            "Target return (% a year)"
        }
    };

    let status = move || {
        match state.get() {
        RunState::Running(text) => Some(view! {
            <p id="portfolio-status" class="status" role="status">{text} " "
                <button type="button" class="secondary" id="portfolio-cancel" on:click=stop>"Cancel"</button>
            </p>
        }.into_any()),
        RunState::Failed(message) => Some(view! {
            <p id="portfolio-error" class="notice error" role="alert">{message}</p>
        }.into_any()),
        _ => None,
    }
    };
    let pending = move || {
        let n = outbox::pending_now();
        (n > 0).then(|| view! {
            <p id="outbox-pending" class="badge waiting" role="status">
                {if n == 1 { "1 result waiting to be recorded".to_string() } else { format!("{n} results waiting to be recorded") }}
            </p>
        })
    };
    let result = move || {
        let RunState::Done {
            run,
            client_id,
            record_error,
        } = state.get()
        else {
            return None;
        };
        let FinanceOutcome::Portfolio(outcome) = run.outcome.clone() else {
            return None;
        };
        Some(
            view! { <PortfolioResult outcome=outcome offline=run.offline client_id=client_id record_error=record_error /> },
        )
    };

    view! {
        <div class="page portfolio-page">
            <section class="card" aria-labelledby="portfolio-title">
                <h2 id="portfolio-title">"Portfolio"</h2>
                <p class="muted">"Optimise a portfolio of real series: bundled datasets, your uploads, or Polygon stocks and FRED series fetched through the server. Returns are aligned on the dates every asset has; what is dropped is listed with the result. Runs in a worker; without the server it uses the app's own copy of the bundled data and records the result when the server is back."</p>
                <form id="portfolio-form" on:submit=run novalidate=true>
                    <SourceSelect id="portfolio-source" source=source uploads=uploads on_change=source_changed />
                    <fieldset class="asset-picker">
                        <legend>"Assets"</legend>
                        {tickers}
                        <ul class="plain-list">{asset_boxes}</ul>
                    </fieldset>
                    <div class="grid">
                        <div class="field">
                            <label for="portfolio-method">"Method"</label>
                            <select id="portfolio-method" on:change=move |ev| {
                                if let Some(m) = from_wire(&event_target_value(&ev)) { form.update(|f| f.method = m) }
                            }>{method_options}</select>
                        </div>
                        <Show when=is_target>
                            <div class="field">
                                <label for="portfolio-target">{target_label}</label>
                                <input id="portfolio-target" type="text" inputmode="decimal" autocomplete="off"
                                    prop:value=move || form.with(|f| f.target.clone())
                                    on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.target = v); } />
                            </div>
                        </Show>
                        <div class="field">
                            <label for="portfolio-returns">"Expected returns"</label>
                            <select id="portfolio-returns" on:change=move |ev| {
                                if let Some(r) = from_wire(&event_target_value(&ev)) { form.update(|f| f.returns = r) }
                            }>
                                <option value="mean" selected=move || form.with(|f| f.returns == ReturnsChoice::Mean)>"Historical mean"</option>
                                <option value="ewma" selected=move || form.with(|f| f.returns == ReturnsChoice::Ewma)>"Exponentially weighted mean"</option>
                                <option value="capm" selected=move || form.with(|f| f.returns == ReturnsChoice::Capm)>"CAPM against a market"</option>
                            </select>
                        </div>
                        <Show when=move || form.with(|f| f.returns == ReturnsChoice::Capm)>
                            <div class="field">
                                <label for="portfolio-market">"Market"</label>
                                {market_control}
                            </div>
                        </Show>
                        <div class="field">
                            <label for="portfolio-covariance">"Covariance"</label>
                            <select id="portfolio-covariance" on:change=move |ev| {
                                if let Some(c) = from_wire(&event_target_value(&ev)) { form.update(|f| f.covariance = c) }
                            }>
                                <option value="ledoit_wolf" selected=move || form.with(|f| f.covariance == CovarianceChoice::LedoitWolf)>"Ledoit-Wolf shrinkage"</option>
                                <option value="sample" selected=move || form.with(|f| f.covariance == CovarianceChoice::Sample)>"Sample"</option>
                                <option value="ewma" selected=move || form.with(|f| f.covariance == CovarianceChoice::Ewma)>"Exponentially weighted"</option>
                            </select>
                        </div>
                        {text_field("portfolio-half-life", "EWMA half-life (periods)", |f| f.half_life.clone(), |f, v| f.half_life = v)}
                        {text_field("portfolio-risk-free", "Risk-free rate (% a year)", |f| f.risk_free.clone(), |f, v| f.risk_free = v)}
                        {text_field("portfolio-max-weight", "Largest weight of each asset (%)", |f| f.max_weight.clone(), |f, v| f.max_weight = v)}
                        <Show when=move || form.with(|f| takes_bounds(f.method)) && !chosen.with(Vec::is_empty)>
                            <fieldset class="bounds" id="portfolio-bounds">
                                <legend>"Per-asset bounds (%, empty: the default)"</legend>
                                <div class="bounds-grid">{bound_rows}</div>
                            </fieldset>
                        </Show>
                        <Show when=move || form.with(|f| f.method == PortfolioMethod::MinCvar)>
                            {text_field("portfolio-confidence", "CVaR confidence (%)", |f| f.confidence.clone(), |f, v| f.confidence = v)}
                        </Show>
                        <div class="field">
                            <label for="portfolio-from">"From"</label>
                            <input id="portfolio-from" type="date" prop:value=move || form.with(|f| f.from.clone()) on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.from = v) } />
                        </div>
                        <div class="field">
                            <label for="portfolio-to">"To"</label>
                            <input id="portfolio-to" type="date" prop:value=move || form.with(|f| f.to.clone()) on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f.to = v) } />
                        </div>
                        <div class="field checkbox">
                            <input id="portfolio-shorts" type="checkbox"
                                prop:checked=move || form.with(|f| !f.long_only)
                                on:change=move |ev| { let on = event_target_checked(&ev); form.update(|f| f.long_only = !on) } />
                            <label for="portfolio-shorts">"Allow short positions (gross leverage at most 2)"</label>
                        </div>
                    </div>
                    <button type="submit" id="portfolio-run" disabled=move || matches!(state.get(), RunState::Running(_))>"Optimise"</button>
                </form>
                {status}
                {pending}
            </section>
            {result}
        </div>
    }
}

/// One finished optimisation.
#[component]
fn PortfolioResult(
    outcome: PortfolioOutcome,
    offline: bool,
    client_id: Option<String>,
    record_error: Option<String>,
) -> impl IntoView {
    let p = outcome.portfolio.clone();
    let share = |rc: f64| {
        if p.volatility > 0.0 {
            rc / p.volatility
        } else {
            0.0
        }
    };
    let rows = p
        .assets
        .iter()
        .zip(&p.weights)
        .zip(&p.risk_contributions)
        .map(|((asset, w), rc)| {
            view! {
                <tr>
                    <td>{asset.clone()}</td>
                    <td class="num weight" data-value=w.to_string()>{percent(*w, 1)}</td>
                    <td class="num">{percent(*rc, 2)}</td>
                    <td class="num">{percent(share(*rc), 1)}</td>
                </tr>
            }
        })
        .collect_view();
    let total: f64 = p.weights.iter().sum();
    let kept = match (client_id, record_error) {
        (_, Some(error)) => Some(Err(error)),
        (Some(id), None) => Some(Ok(id)),
        (None, None) => None,
    };
    let mut facts = vec![
        format!("Expected return {} a year", percent(p.expected_return, 2)),
        format!("volatility {}", percent(p.volatility, 2)),
        format!(
            "Sharpe ratio {} (risk-free {})",
            fixed(p.sharpe, 2),
            percent(p.risk_free, 2)
        ),
    ];
    if let Some((c, var, cvar)) = outcome.cvar {
        facts.push(format!(
            "{} VaR {} and CVaR {} per period",
            percent(c, 1),
            percent(var, 2),
            percent(cvar, 2)
        ));
    }
    if let Some(s) = outcome.shrinkage {
        facts.push(format!("Ledoit-Wolf shrinkage {}", fixed(s, 3)));
    }
    let lines = align_lines(&outcome.report, &p.assets)
        .into_iter()
        .map(|l| view! { <li>{l}</li> })
        .collect_view();
    let bars = weight_bars(&outcome);
    let points = frontier_points(&outcome);
    let curve: Vec<(f64, f64)> = outcome
        .frontier
        .iter()
        .map(|f| (f.volatility, f.expected_return))
        .collect();
    let frontier_note = outcome
        .frontier_note
        .clone()
        .map(|note| view! { <p class="muted">"No frontier: " {note}</p> });
    view! {
        <section class="card" id="portfolio-result" aria-labelledby="portfolio-result-title">
            <h2 id="portfolio-result-title">{outcome.method.label()}</h2>
            <RunBadges prefix="portfolio" offline=offline kept=kept />
            <p id="portfolio-figures">{facts.join(", ")}</p>
            <div class="table-scroll">
                <table class="finance-table" id="portfolio-weights">
                    <thead><tr><th>"Asset"</th><th>"Weight"</th><th>"Risk contribution"</th><th>"Share of risk"</th></tr></thead>
                    <tbody>{rows}</tbody>
                    <tfoot><tr><th>"Total"</th><td class="num" id="portfolio-total">{percent(total, 1)}</td><td class="num">{percent(p.volatility, 2)}</td><td class="num">"100%"</td></tr></tfoot>
                </table>
            </div>
            <BarChart title="Weights" bars=Signal::derive(move || bars.clone()) />
            <h3>"Efficient frontier"</h3>
            <RiskReturnChart
                title="Efficient frontier with each asset and the chosen portfolio"
                x_label="volatility (% a year)"
                y_label="return (% a year)"
                curve=Signal::derive(move || curve.clone())
                points=Signal::derive(move || points.clone())
            />
            {frontier_note}
            <h3>"Alignment"</h3>
            <ul class="muted" id="portfolio-alignment">{lines}</ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_tickers_of_a_fetched_source_become_the_assets() {
        let mut form = PortfolioForm {
            source: "polygon".into(),
            typed_assets: "aapl, msft".into(),
            returns: ReturnsChoice::Capm,
            market: " spy ".into(),
            from: "2023-01-03".into(),
            to: "2024-06-28".into(),
            ..PortfolioForm::default()
        };
        let Action::OptimisePortfolio(a) = form.to_action().unwrap() else {
            panic!()
        };
        assert_eq!(a.source, "polygon");
        assert_eq!(a.assets, ["AAPL", "MSFT"], "typed, not the picked defaults");
        assert_eq!(a.market.as_deref(), Some("SPY"));
        let requests = a.data_requests();
        assert_eq!(requests.len(), 3, "the market is fetched too");
        assert!(requests.iter().all(|r| r.source == "polygon"
            && r.from.as_deref() == Some("2023-01-03")
            && r.to.as_deref() == Some("2024-06-28")));
        form.typed_assets = " ".into();
        let empty = form.to_action().unwrap_err();
        assert!(empty.starts_with("Tickers: "), "{empty}");
        form.typed_assets = "AAPL".into();
        form.market = "SPY, QQQ".into();
        let two = form.to_action().unwrap_err();
        assert!(two.starts_with("Market: "), "{two}");
    }

    #[test]
    fn the_form_becomes_the_action_with_decimals_and_only_relevant_fields() {
        let mut form = PortfolioForm {
            method: PortfolioMethod::TargetReturn,
            target: "12.5".into(),
            risk_free: "2".into(),
            max_weight: "60".into(),
            half_life: "30".into(),
            from: "2010-01-01".into(),
            ..PortfolioForm::default()
        };
        let Action::OptimisePortfolio(a) = form.to_action().unwrap() else {
            panic!()
        };
        assert_eq!(a.target, Some(0.125));
        assert_eq!(a.risk_free, 0.02);
        assert_eq!(a.max_weight, Some(0.6));
        assert_eq!(a.half_life, None, "no EWMA estimator chosen");
        assert_eq!(a.market, None);
        assert_eq!(a.from.as_deref(), Some("2010-01-01"));
        assert_eq!(a.to, None);
        form.method = PortfolioMethod::MaxSharpe;
        form.bounds.insert("wti".into(), ("".into(), "10".into()));
        form.bounds.insert("sp500".into(), ("20".into(), "".into()));
        form.bounds.insert("gold".into(), ("50".into(), "".into()));
        let Action::OptimisePortfolio(a) = form.to_action().unwrap() else {
            panic!()
        };
        assert_eq!(
            a.bounds,
            vec![
                AssetBound {
                    asset: "sp500".into(),
                    min: Some(0.2),
                    max: None
                },
                AssetBound {
                    asset: "wti".into(),
                    min: None,
                    max: Some(0.1)
                },
            ],
            "in asset order, only chosen assets"
        );
        form.method = PortfolioMethod::Hrp;
        let Action::OptimisePortfolio(a) = form.to_action().unwrap() else {
            panic!()
        };
        assert!(a.bounds.is_empty(), "HRP takes no bounds");
        form.method = PortfolioMethod::TargetReturn;
        form.bounds.insert("wti".into(), ("".into(), "ten".into()));
        assert_eq!(
            form.to_action().unwrap_err(),
            "Largest weight of wti: \"ten\" is not a number"
        );
        form.bounds.clear();
        form.target = "ten".into();
        assert_eq!(
            form.to_action().unwrap_err(),
            "Target return: \"ten\" is not a number"
        );
    }

    #[test]
    fn validation_refuses_one_asset_with_its_field() {
        let form = PortfolioForm {
            assets: vec!["sp500".into()],
            ..PortfolioForm::default()
        };
        let rules = Rules::default_rules();
        let ctx = ActionContext {
            rules: &rules,
            today: shared::pricing::dates::Date {
                year: 2026,
                month: 1,
                day: 2,
            },
        };
        let refusal = validate(&ctx, &form.to_action().unwrap()).unwrap_err();
        assert_eq!(refusal.field, "assets");
        assert!(validate(&ctx, &PortfolioForm::default().to_action().unwrap()).is_ok());
    }

    #[test]
    fn every_method_has_a_wire_name_that_reads_back() {
        for m in METHODS {
            assert_eq!(from_wire::<PortfolioMethod>(&wire(&m)), Some(m));
        }
    }
}
