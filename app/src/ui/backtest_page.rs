//! The Backtest screen (`/backtest`): on a bundled dataset or one of the
//! user's uploads, a technical rule (moving-average
//! crossover, RSI, Bollinger, momentum, with their parameters), long-only
//! or long-short, a sizing and costs as a `shared::actions::Backtest`,
//! checked by `shared::actions::validate` and run through
//! [`crate::finance::run`]; or a Lab model's walk-forward positions handed
//! over by the Lab's "Backtest this model" ([`LabHandoff`]). Shows the
//! equity curve against buy-and-hold, the drawdown, the report, the
//! execution rule, the trade list, and CSV exports of the equity curve,
//! trades and report.
//!
//! Must not compute a figure itself: everything comes from
//! `shared::execute` and the CSV text from `shared::backtest::csv`.

use gloo_storage::{SessionStorage, Storage};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use shared::actions::{Action, Backtest, DirectionChoice, RuleChoice, SizingChoice};
use shared::api::DataRequest;
use shared::backtest::csv::{equity_csv, report_csv, trades_csv};
use shared::backtest::{BacktestReport, Side, Signal};
use shared::calendar::Date;
use shared::execute::FinanceOutcome;

use super::chat::files::save_text;
use super::chat::finance::backtest_view;
use super::equity_chart::{drawdown_chart, equity_chart};
use super::field::Choice;
use super::finance_form::{
    first_choice, fraction_of_percent, load_uploads, local_check, number, optional, stage_words,
    symbol_for, DatasetSelect, RunState, SourceSelect, TextField, BUNDLED, USER_UPLOAD,
};
use super::format::{count, fixed, percent};
use super::run_badges::{Kept, RunBadges};
use crate::finance;

/// Session-storage key of a Lab model's positions on their way here.
const HANDOFF_KEY: &str = "mltrainer.backtest.lab.v1";

/// Most trades listed on screen (the CSV has them all).
const TRADES_SHOWN: usize = 500;

/// A Lab model's walk-forward positions, handed to this screen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabHandoff {
    /// The model's catalog name.
    pub model: String,
    /// The data the Lab ran on.
    pub request: DataRequest,
    /// The Lab's cost in bps per unit of position change.
    pub cost_bps: f64,
    /// The test rows' dates.
    pub dates: Vec<Date>,
    /// The position the model took at each date (1 long, 0 flat).
    pub positions: Vec<f64>,
}

impl LabHandoff {
    /// Keeps `self` for the Backtest screen (this tab only).
    pub fn store(&self) -> Result<(), String> {
        SessionStorage::set(HANDOFF_KEY, self).map_err(|e| e.to_string())
    }

    /// The handoff kept by the Lab, if any.
    fn load() -> Option<LabHandoff> {
        SessionStorage::get::<LabHandoff>(HANDOFF_KEY).ok()
    }
}

/// The URL that opens this screen on a stored [`LabHandoff`].
pub const FROM_LAB_URL: &str = "/backtest?from=lab";

/// The form's text, as typed.
#[derive(Clone, Copy)]
struct BacktestForm {
    source: RwSignal<String>,
    symbol: RwSignal<String>,
    rule: RwSignal<RuleChoice>,
    fast: RwSignal<String>,
    slow: RwSignal<String>,
    period: RwSignal<String>,
    lower: RwSignal<String>,
    upper: RwSignal<String>,
    k: RwSignal<String>,
    lookback: RwSignal<String>,
    direction: RwSignal<DirectionChoice>,
    sizing: RwSignal<SizingChoice>,
    fraction_pct: RwSignal<String>,
    target_vol_pct: RwSignal<String>,
    vol_lookback: RwSignal<String>,
    cost_bps: RwSignal<String>,
    slippage_bps: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
}

impl BacktestForm {
    fn new() -> BacktestForm {
        let text = |s: &str| RwSignal::new(s.to_string());
        let (fast, slow) = Backtest::DEFAULT_MA;
        BacktestForm {
            source: text(BUNDLED),
            symbol: text("sp500"),
            rule: RwSignal::new(RuleChoice::MaCrossover),
            fast: text(&fast.to_string()),
            slow: text(&slow.to_string()),
            period: text(&Backtest::DEFAULT_RSI.0.to_string()),
            lower: text(&Backtest::DEFAULT_RSI.1.to_string()),
            upper: text(&Backtest::DEFAULT_RSI.2.to_string()),
            k: text(&Backtest::DEFAULT_BOLLINGER.1.to_string()),
            lookback: text(&Backtest::DEFAULT_MOMENTUM.to_string()),
            direction: RwSignal::new(DirectionChoice::LongOnly),
            sizing: RwSignal::new(SizingChoice::Full),
            fraction_pct: text("50"),
            target_vol_pct: text("10"),
            vol_lookback: text(&Backtest::DEFAULT_VOL_LOOKBACK.to_string()),
            cost_bps: text("5"),
            slippage_bps: text("0"),
            from: text(""),
            to: text(""),
        }
    }

    /// The form as a `backtest` action (only the chosen rule's and
    /// sizing's parameters set), or the first field that does not parse.
    fn action(&self) -> Result<Action, String> {
        let rule = self.rule.get();
        let sizing = self.sizing.get();
        let int = |label: &str, s: RwSignal<String>| number::<u32>(label, &s.get()).map(Some);
        let real = |label: &str, s: RwSignal<String>| number::<f64>(label, &s.get()).map(Some);
        let mut b = Backtest {
            source: self.source.get(),
            symbol: symbol_for("Series", &self.source.get(), &self.symbol.get())?,
            rule,
            fast: None,
            slow: None,
            period: None,
            lower: None,
            upper: None,
            k: None,
            lookback: None,
            direction: self.direction.get(),
            sizing,
            fraction: None,
            target_volatility: None,
            vol_lookback: None,
            cost_bps: number("Cost", &self.cost_bps.get())?,
            slippage_bps: number("Slippage", &self.slippage_bps.get())?,
            from: optional(&self.from.get()),
            to: optional(&self.to.get()),
        };
        match rule {
            RuleChoice::MaCrossover => {
                b.fast = int("Fast SMA", self.fast)?;
                b.slow = int("Slow SMA", self.slow)?;
            }
            RuleChoice::Rsi => {
                b.period = int("RSI period", self.period)?;
                b.lower = real("Oversold level", self.lower)?;
                b.upper = real("Overbought level", self.upper)?;
            }
            RuleChoice::Bollinger => {
                b.period = int("Bollinger period", self.period)?;
                b.k = real("Band width", self.k)?;
            }
            RuleChoice::Momentum => b.lookback = int("Momentum lookback", self.lookback)?,
        }
        match sizing {
            SizingChoice::Full => {}
            SizingChoice::FixedFraction => {
                b.fraction = real("Fraction", self.fraction_pct)?.map(fraction_of_percent)
            }
            SizingChoice::VolatilityTarget => {
                b.target_volatility =
                    real("Target volatility", self.target_vol_pct)?.map(fraction_of_percent);
                b.vol_lookback = int("Volatility lookback", self.vol_lookback)?;
            }
        }
        Ok(Action::Backtest(Box::new(b)))
    }
}

/// The screen.
#[component]
pub fn BacktestPage() -> impl IntoView {
    let form = BacktestForm::new();
    let uploads = load_uploads();
    let query = use_query_map();
    let handoff = RwSignal::new(None::<LabHandoff>);
    Effect::new(move |_| {
        let from_lab = query.with(|q| q.get("from").as_deref() == Some("lab"));
        if let Some(h) = from_lab.then(LabHandoff::load).flatten() {
            if [BUNDLED, USER_UPLOAD].contains(&h.request.source.as_str()) {
                form.source.set(h.request.source.clone());
            }
            form.symbol.set(h.request.symbol.clone());
            form.from.set(h.request.from.clone().unwrap_or_default());
            form.to.set(h.request.to.clone().unwrap_or_default());
            form.cost_bps.set(h.cost_bps.to_string());
            handoff.set(Some(h));
        }
    });
    let parsed = Memo::new(move |_| form.action());
    let checked = local_check(parsed);
    let state = RwSignal::new(RunState::<Finished>::Idle);
    let running = move || state.with(RunState::is_running);
    let export_error = RwSignal::new(None::<String>);

    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if running() {
            return;
        }
        let action = match checked.get_untracked() {
            Ok(action) => action,
            Err(why) => return state.set(RunState::Failed(why)),
        };
        let given = handoff.get_untracked();
        let symbol = match &action {
            Action::Backtest(b) => b.symbol.clone(),
            _ => String::new(),
        };
        spawn_local(async move {
            let on_stage = move |stage| {
                state.set(RunState::Running(stage_words(
                    stage,
                    "Backtesting against buy-and-hold…",
                )))
            };
            let model = given.as_ref().map(|h| h.model.clone());
            let result = match given {
                Some(h) => {
                    let signal = Signal::Given {
                        dates: h.dates,
                        positions: h.positions,
                    };
                    finance::run_signal(action.clone(), signal, on_stage).await
                }
                None => finance::run(action.clone(), on_stage).await,
            };
            state.set(match result {
                Ok(run) => {
                    // A rule's backtest is recorded; a Lab model's positions
                    // are not a backtest action (the Lab recorded the model).
                    let kept = model.is_none().then(|| finance::record(&action, &run));
                    match run.outcome {
                        FinanceOutcome::Backtest(report) => RunState::Done(Finished {
                            symbol,
                            report,
                            model,
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

    let rule_fields = move || {
        match form.rule.get() {
        RuleChoice::MaCrossover => view! {
            <TextField id="bt-fast" label="Fast SMA (bars)" value=form.fast inputmode="numeric" />
            <TextField id="bt-slow" label="Slow SMA (bars)" value=form.slow inputmode="numeric" />
        }
        .into_any(),
        RuleChoice::Rsi => view! {
            <TextField id="bt-period" label="RSI period (bars)" value=form.period inputmode="numeric" />
            <TextField id="bt-lower" label="Oversold level" value=form.lower />
            <TextField id="bt-upper" label="Overbought level" value=form.upper />
        }
        .into_any(),
        RuleChoice::Bollinger => view! {
            <TextField id="bt-period" label="Bollinger period (bars)" value=form.period inputmode="numeric" />
            <TextField id="bt-k" label="Band width (standard deviations)" value=form.k />
        }
        .into_any(),
        RuleChoice::Momentum => view! {
            <TextField id="bt-lookback" label="Momentum lookback (bars)" value=form.lookback inputmode="numeric" />
        }
        .into_any(),
    }
    };
    let sizing_fields = move || {
        match form.sizing.get() {
        SizingChoice::Full => None,
        SizingChoice::FixedFraction => Some(
            view! { <TextField id="bt-fraction" label="Fraction of capital (%)" value=form.fraction_pct /> }
                .into_any(),
        ),
        SizingChoice::VolatilityTarget => Some(
            view! {
                <TextField id="bt-target-vol" label="Target volatility (% a year)" value=form.target_vol_pct />
                <TextField id="bt-vol-lookback" label="Volatility lookback (bars)" value=form.vol_lookback inputmode="numeric" />
            }
            .into_any(),
        ),
    }
    };
    let handoff_view = move || {
        handoff.get().map(|h| {
            view! {
                <div class="banner ok" id="bt-lab">
                    <p>{format!("Positions of the Lab model {} on {} ({} dates, walk-forward)", h.model, h.request.symbol, count(h.dates.len() as u64))}</p>
                    <p class="muted">"The rule below is not used; sizing, costs and slippage are."</p>
                    <button type="button" class="secondary" on:click=move |_| handoff.set(None)>"Use a rule instead"</button>
                </div>
            }
        })
    };
    let status = move || match state.get() {
        RunState::Running(text) => {
            Some(view! { <p id="bt-progress" class="status" role="status">{text}</p> }.into_any())
        }
        RunState::Failed(why) => {
            Some(view! { <p id="bt-error" class="error" role="alert">{why}</p> }.into_any())
        }
        _ => None,
    };
    let results = move || match state.get() {
        RunState::Done(done) => Some(backtest_results(done, export_error)),
        _ => None,
    };

    view! {
        <div class="page finance-page">
            <section class="card" aria-labelledby="bt-title">
                <h2 id="bt-title">"Backtest"</h2>
                {handoff_view}
                <form class="stack" on:submit=run novalidate>
                    <SourceSelect id="bt-source" source=form.source uploads=uploads
                        on_change=move |source: String| form.symbol.set(first_choice(&source, uploads)) />
                    <DatasetSelect id="bt-symbol".to_string() label="Series".to_string() value=form.symbol source=form.source uploads=uploads />
                    <div class="field">
                        <label for="bt-rule">"Rule"</label>
                        <select id="bt-rule" on:change=move |ev| form.rule.set(match event_target_value(&ev).as_str() {
                            "rsi" => RuleChoice::Rsi,
                            "bollinger" => RuleChoice::Bollinger,
                            "momentum" => RuleChoice::Momentum,
                            _ => RuleChoice::MaCrossover,
                        })>
                            <option value="ma_crossover" selected=move || form.rule.get() == RuleChoice::MaCrossover>"Moving-average crossover"</option>
                            <option value="rsi" selected=move || form.rule.get() == RuleChoice::Rsi>"RSI thresholds"</option>
                            <option value="bollinger" selected=move || form.rule.get() == RuleChoice::Bollinger>"Bollinger mean reversion"</option>
                            <option value="momentum" selected=move || form.rule.get() == RuleChoice::Momentum>"Momentum"</option>
                        </select>
                    </div>
                    <div class="grid">{rule_fields}</div>
                    <Choice name="bt-direction" legend="Direction" options=vec![(DirectionChoice::LongOnly, "Long only"), (DirectionChoice::LongShort, "Long short")] selected=form.direction />
                    <div class="field">
                        <label for="bt-sizing">"Sizing"</label>
                        <select id="bt-sizing" on:change=move |ev| form.sizing.set(match event_target_value(&ev).as_str() {
                            "fixed_fraction" => SizingChoice::FixedFraction,
                            "volatility_target" => SizingChoice::VolatilityTarget,
                            _ => SizingChoice::Full,
                        })>
                            <option value="full" selected=move || form.sizing.get() == SizingChoice::Full>"Full capital"</option>
                            <option value="fixed_fraction" selected=move || form.sizing.get() == SizingChoice::FixedFraction>"Fixed fraction"</option>
                            <option value="volatility_target" selected=move || form.sizing.get() == SizingChoice::VolatilityTarget>"Volatility target"</option>
                        </select>
                    </div>
                    <div class="grid">
                        {sizing_fields}
                        <TextField id="bt-cost" label="Costs (bps per unit traded)" value=form.cost_bps />
                        <TextField id="bt-slippage" label="Slippage (bps per unit traded)" value=form.slippage_bps />
                        <TextField id="bt-from" label="From (optional)" value=form.from inputmode="text" placeholder="YYYY-MM-DD" />
                        <TextField id="bt-to" label="To (optional)" value=form.to inputmode="text" placeholder="YYYY-MM-DD" />
                    </div>
                    {move || checked.get().err().map(|why| view! { <p id="bt-refusal" class="verdict refused" role="alert">{why}</p> })}
                    <div class="actions">
                        <button type="submit" id="bt-run" disabled=move || running() || checked.with(|c| c.is_err())>
                            {move || if running() { "Running…" } else { "Run" }}
                        </button>
                    </div>
                </form>
                {status}
            </section>
            {results}
        </div>
    }
}

/// The file name of an export: `backtest-<symbol>-<part>.csv`.
fn export_name(symbol: &str, part: &str) -> String {
    let safe: String = symbol
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("backtest-{safe}-{part}.csv")
}

/// A finished backtest.
#[derive(Clone, Debug, PartialEq)]
struct Finished {
    /// The series' dataset id.
    symbol: String,
    /// The report.
    report: BacktestReport,
    /// The Lab model whose positions ran, if any.
    model: Option<String>,
    /// Computed on the app's bundled copy (no server).
    offline: bool,
    /// Its place in the outbox, or why it was not kept; `None` when not
    /// recorded (a Lab model's positions).
    kept: Option<Kept>,
}

/// Every result section of a finished backtest.
fn backtest_results(done: Finished, export_error: RwSignal<Option<String>>) -> AnyView {
    let Finished {
        symbol,
        report,
        model,
        offline,
        kept,
    } = done;
    let not_recorded = model.map(|m| {
        format!("The positions of the Lab model {m}: not recorded again (the Lab recorded the model's result).")
    });
    let deepest = report
        .drawdown
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .filter(|(_, d)| **d > 0.0)
        .map(|(i, d)| (report.dates[i], format!("−{}", percent(*d, 1))));
    let shown = report.trades.len().min(TRADES_SHOWN);
    let trade_rows = report.trades[..shown]
        .iter()
        .map(|t| {
            view! {
                <tr>
                    <td>{match t.side { Side::Long => "long", Side::Short => "short" }}</td>
                    <td>{t.entry_date.to_string()}</td>
                    <td>{fixed(t.entry_price, 2)}</td>
                    <td>{if t.open { format!("{} (open)", t.exit_date) } else { t.exit_date.to_string() }}</td>
                    <td>{fixed(t.exit_price, 2)}</td>
                    <td>{t.bars_held.to_string()}</td>
                    <td>{percent(t.net_return, 2)}</td>
                </tr>
            }
        })
        .collect_view();
    let more = (report.trades.len() > shown).then(|| {
        format!(
            "The first {shown} of {} trades; the trades CSV has them all.",
            report.trades.len()
        )
    });
    let shared_report = StoredValue::new(report.clone());
    let export = move |part: &'static str| {
        let name = export_name(&symbol, part);
        move |_| {
            let text = shared_report.with_value(|r| match part {
                "equity" => equity_csv(r),
                "trades" => trades_csv(r),
                _ => report_csv(r),
            });
            export_error.set(save_text(&name, "text/csv", &text).err());
        }
    };
    view! {
        <section class="card" id="bt-equity" aria-labelledby="bt-equity-title">
            <h2 id="bt-equity-title">"Equity against buy-and-hold"</h2>
            {equity_chart("strategy", &report.dates, &report.equity, &report.buy_and_hold_equity)}
            <h3>"Drawdown"</h3>
            {drawdown_chart("Strategy drawdown", &report.dates, &report.drawdown, deepest)}
        </section>
        <section class="card" id="bt-report" aria-labelledby="bt-report-title">
            <h2 id="bt-report-title">"Report"</h2>
            <RunBadges prefix="bt" offline=offline kept=kept />
            {not_recorded.map(|n| view! { <p class="muted" id="bt-not-recorded">{n}</p> })}
            {backtest_view(&report)}
            <div class="actions wrap">
                <button type="button" class="secondary" id="bt-export-equity" on:click=export("equity")>"Equity CSV"</button>
                <button type="button" class="secondary" id="bt-export-trades" on:click=export("trades")>"Trades CSV"</button>
                <button type="button" class="secondary" id="bt-export-report" on:click=export("report")>"Report CSV"</button>
            </div>
            {move || export_error.get().map(|e| view! { <p class="error" role="alert">{format!("Export failed: {e}")}</p> })}
        </section>
        <section class="card" id="bt-trades" aria-labelledby="bt-trades-title">
            <h2 id="bt-trades-title">{format!("Trades ({})", report.trades.len())}</h2>
            <div class="table-scroll trade-list">
                <table class="finance-table trades-table">
                    <thead><tr><th>"Side"</th><th>"Entry"</th><th>"Price"</th><th>"Exit"</th><th>"Price"</th><th>"Bars"</th><th>"Net return"</th></tr></thead>
                    <tbody>{trade_rows}</tbody>
                </table>
            </div>
            {more.map(|m| view! { <p class="muted">{m}</p> })}
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_are_safe_file_names() {
        assert_eq!(
            export_name("../etc/x y", "trades"),
            "backtest-___etc_x_y-trades.csv"
        );
        assert_eq!(export_name("sp500", "equity"), "backtest-sp500-equity.csv");
    }
}
