//! Action cards: what a proposed action will do, its local compliance
//! verdict and a Run button; refusals as cards without one. Run executes
//! the action where it runs today (the lab session, `shared::pricing`, the
//! gateway's data route, the goal route, the portfolio, risk and backtest
//! libraries on data fetched through the gateway: see [`super::finance`];
//! a `run_trial` starts its plan on the server's trials API and links to
//! the trial),
//! shows progress, then the result, and posts a short result message into
//! the conversation.

use leptos::prelude::*;
use leptos::task::spawn_local;

use shared::actions::{Action, PortfolioMethod, ProposedAction, Refusal, RiskMethod};
use shared::api::{ChatMessage, ResultMessageRequest};
use shared::models::ModelReport;
use shared::pricing::{valuation, Model};

use super::finance;
use super::words::{
    backtest_words, data_words, goal_words, lab_words, portfolio_words, price_words, risk_words,
    trial_words, LabSummary,
};
use crate::api;
use crate::finance::{self as run_path, Stage};
use crate::lab::runner::LabRunner;
use crate::lab::session::{self, LabPlan, SessionEvent};
use crate::ui::equity_chart::equity_chart;
use crate::ui::format::count;
use crate::ui::goal_bar::verdict_sentence;
use crate::ui::session::use_session;
use shared::actions::describe;
use shared::execute::FinanceOutcome;

/// Binomial steps for American options run from the chat (the Pricing
/// screen's default).
const AMERICAN_STEPS: usize = 500;

/// The shared path of the finance cards: run `action` through
/// [`run_path::run`], saying what runs (`busy` while computing), then keep
/// the outcome, record it through the outbox ([`run_path::record`]) and
/// post its `words` (or show the failure).
fn run_finance(
    (state, outcome, finish): (
        RwSignal<CardState>,
        RwSignal<Option<FinanceOutcome>>,
        impl Fn(String, Option<i64>) + 'static,
    ),
    action: Action,
    busy: String,
    words: impl FnOnce(&FinanceOutcome) -> String + 'static,
) {
    spawn_local(async move {
        let on_stage = move |stage| {
            state.set(running(match stage {
                Stage::Fetching(1) => {
                    "Fetching the series through the compliance gateway…".to_string()
                }
                Stage::Fetching(n) => {
                    format!("Fetching {n} series through the compliance gateway…")
                }
                Stage::Computing => busy.clone(),
            }))
        };
        match run_path::run(action.clone(), on_stage).await {
            Ok(run) => {
                let mut text = words(&run.outcome);
                if run.offline {
                    text.push_str(" (computed offline on the bundled copy of the data)");
                }
                if let Err(error) = run_path::record(&action, &run) {
                    leptos::logging::warn!("the result was not kept for recording: {error}");
                }
                outcome.set(Some(run.outcome));
                finish(text, None);
            }
            Err(error) => state.set(CardState::Failed(error)),
        }
    });
}

/// Where a card stands.
#[derive(Clone, Debug, PartialEq)]
enum CardState {
    Idle,
    Running {
        text: String,
        done: usize,
        total: usize,
    },
    Done {
        words: String,
        posted: Option<Result<(), String>>,
    },
    Failed(String),
}

/// One proposed action as a card.
#[component]
pub fn ActionCard(
    /// The proposal.
    proposal: ProposedAction,
    /// The conversation its result message goes to.
    conversation_id: Signal<Option<i64>>,
    /// Receives the stored result message.
    on_result: Callback<ChatMessage>,
) -> impl IntoView {
    let session = use_session();
    let state = RwSignal::new(CardState::Idle);
    let chart = RwSignal::new(None::<Box<ModelReport>>);
    let outcome = RwSignal::new(None::<FinanceOutcome>);
    // The trial a `run_trial` card started, for its link.
    let trial_id = RwSignal::new(None::<i64>);
    let runner = StoredValue::new_local(LabRunner::default());
    on_cleanup(move || {
        runner.try_with_value(LabRunner::cancel);
    });
    let allowed = proposal.verdict.allowed;
    let kind = proposal.action.tool_name();
    let id = proposal.id.clone();
    let action = proposal.action.clone();

    // Posts the outcome into the conversation.
    let finish = move |words: String, result_id: Option<i64>| {
        state.set(CardState::Done {
            words: words.clone(),
            posted: None,
        });
        let Some(conversation) = conversation_id.get_untracked() else {
            return;
        };
        let request = ResultMessageRequest {
            action_id: id.clone(),
            content: words.clone(),
            result_id,
        };
        spawn_local(async move {
            let posted = match api::post_result_message(conversation, &request).await {
                Ok(message) => {
                    on_result.run(message);
                    Ok(())
                }
                Err(error) => Err(error.message()),
            };
            state.set(CardState::Done {
                words,
                posted: Some(posted),
            });
        });
    };

    let run = move |_| {
        if matches!(state.get_untracked(), CardState::Running { .. }) || !allowed {
            return;
        }
        let finish = finish.clone();
        match action.clone() {
            Action::RunLab(lab) => {
                let models = lab.models();
                if models.is_empty() {
                    return state.set(CardState::Failed(
                        "No catalog model matches this choice for this target.".into(),
                    ));
                }
                let target = lab.task();
                // Results name the dataset as the user asked for it (sp500),
                // not its provenance symbol (^GSPC).
                let dataset = lab.symbol.clone();
                let plan = LabPlan {
                    request: lab.data_request(),
                    horizon: lab.horizon as usize,
                    target,
                    models,
                    config: lab.walk_forward(),
                };
                state.set(CardState::Running {
                    text: "Fetching the data through the compliance gateway…".into(),
                    done: 0,
                    total: plan.models.len(),
                });
                // The best report (by Sharpe), its stored id, and counts.
                let best = StoredValue::new_local(None::<Box<ModelReport>>);
                let ids = StoredValue::new_local(Vec::<(String, i64)>::new());
                let counts = StoredValue::new_local((0usize, 0usize));
                session::run(runner.get_value(), plan, move |event| match event {
                    SessionEvent::Fetched { verdict, .. } => {
                        state.set(running(verdict_sentence("Server", &verdict)))
                    }
                    SessionEvent::Started { total } => state.update(|s| {
                        if let CardState::Running { total: t, .. } = s {
                            *t = total;
                        }
                    }),
                    SessionEvent::Model {
                        done,
                        total,
                        name,
                        outcome,
                    } => {
                        counts.update_value(|(ok, failed)| {
                            if outcome.is_ok() {
                                *ok += 1
                            } else {
                                *failed += 1
                            }
                        });
                        if let Ok(report) = outcome {
                            best.update_value(|best| {
                                if best
                                    .as_ref()
                                    .is_none_or(|b| report.trading.sharpe > b.trading.sharpe)
                                {
                                    *best = Some(report);
                                }
                            });
                        }
                        state.set(CardState::Running {
                            text: format!("{done} / {total} models · {name} done"),
                            done,
                            total,
                        });
                    }
                    SessionEvent::Recorded { name, outcome } => {
                        if let Ok(stored) = outcome {
                            ids.update_value(|ids| ids.push((name, stored.id)));
                        }
                    }
                    SessionEvent::Finished => {}
                    SessionEvent::Complete => {
                        let Some(report) = best.get_value() else {
                            return state.set(CardState::Failed("Every model failed.".into()));
                        };
                        let (ok, failed) = counts.get_value();
                        let mut summary = LabSummary::from_report(&report, target, ok, failed);
                        summary.symbol = dataset.clone();
                        summary.recorded = ids.with_value(|ids| {
                            ids.iter()
                                .find(|(n, _)| *n == report.spec.name)
                                .map(|(_, id)| *id)
                        });
                        let recorded = summary.recorded;
                        chart.set(Some(report));
                        finish(lab_words(&summary), recorded);
                    }
                    SessionEvent::Failed(message) => state.set(CardState::Failed(message)),
                });
            }
            Action::PriceOption(option) => {
                let outcome = option
                    .params()
                    .map_err(|e| e.to_string())
                    .and_then(|params| {
                        let model = Model {
                            exercise: option.exercise(),
                            steps: AMERICAN_STEPS,
                        };
                        valuation(&params, &model).map_err(|e| e.to_string())
                    });
                match outcome {
                    Ok(v) => {
                        let label = format!("{} {}", option.exercise.label(), option.right.label());
                        finish(
                            price_words(
                                &label,
                                option.days,
                                option.spot,
                                option.strike,
                                option.volatility,
                                &v,
                            ),
                            None,
                        );
                    }
                    Err(error) => state.set(CardState::Failed(error)),
                }
            }
            Action::FetchData(fetch) => {
                state.set(running("Fetching through the compliance gateway…".into()));
                let request = fetch.data_request();
                spawn_local(async move {
                    match api::data(&request).await {
                        Ok(response) => finish(data_words(response.series.provenance()), None),
                        Err(error) => state.set(CardState::Failed(error.message())),
                    }
                });
            }
            Action::OptimisePortfolio(portfolio) => {
                let busy = if portfolio.method == PortfolioMethod::MinCvar {
                    "Optimising: minimum CVaR solves a linear program over every scenario, \
                     which can take a few seconds…"
                        .to_string()
                } else {
                    "Aligning the returns and optimising…".to_string()
                };
                run_finance(
                    (state, outcome, finish),
                    Action::OptimisePortfolio(portfolio),
                    busy,
                    |result| match result {
                        FinanceOutcome::Portfolio(p) => {
                            portfolio_words(&finance::portfolio_summary(p))
                        }
                        _ => String::new(),
                    },
                );
            }
            Action::RiskReport(report) => {
                let busy = if report.methods.contains(&RiskMethod::MonteCarlo) {
                    format!(
                        "Computing VaR and the stress tests; the Monte Carlo simulation of {} \
                         scenarios is running…",
                        count(u64::from(report.scenarios))
                    )
                } else {
                    "Computing VaR, drawdown, stress episodes and the VaR backtest…".to_string()
                };
                run_finance(
                    (state, outcome, finish),
                    Action::RiskReport(report),
                    busy,
                    |result| match result {
                        FinanceOutcome::Risk(r) => risk_words(&finance::risk_summary(r)),
                        _ => String::new(),
                    },
                );
            }
            Action::Backtest(test) => {
                let (rule, symbol) = (test.trading_rule().describe(), test.symbol.clone());
                let direction = finance::direction_word(test.direction);
                run_finance(
                    (state, outcome, finish),
                    Action::Backtest(test),
                    "Backtesting…".to_string(),
                    move |result| match result {
                        FinanceOutcome::Backtest(report) => backtest_words(
                            &rule,
                            &symbol,
                            direction,
                            &report.strategy,
                            &report.buy_and_hold,
                        ),
                        _ => String::new(),
                    },
                );
            }
            Action::RunTrial(trial) => {
                state.set(running("Starting the trial on the server…".into()));
                let plan = trial.plan();
                spawn_local(async move {
                    match api::start_trial(&plan).await {
                        Ok(summary) => {
                            trial_id.set(Some(summary.id));
                            finish(
                                trial_words(summary.id, &summary.name, summary.steps_total),
                                None,
                            );
                        }
                        Err(error) => state.set(CardState::Failed(error.message())),
                    }
                });
            }
            Action::SetGoal(goal) => {
                state.set(running("Saving the goal…".into()));
                let request = goal.goal_request();
                spawn_local(async move {
                    match api::set_goal(&request).await {
                        Ok(saved) => {
                            session.reload_goal();
                            finish(
                                goal_words(
                                    &saved.text,
                                    &saved.verdict.rule_id,
                                    &saved.verdict.reason,
                                ),
                                None,
                            );
                        }
                        Err(error) => state.set(CardState::Failed(error.message())),
                    }
                });
            }
        }
    };

    let status = move || {
        match state.get() {
        CardState::Idle => None,
        CardState::Running { text, done, total } => Some(
            view! {
                <div class="action-progress" role="status">
                    {(total > 0).then(|| view! { <progress max=total value=done aria-label="Models done"></progress> })}
                    <p>{text}</p>
                </div>
            }
            .into_any(),
        ),
        CardState::Done { words, posted } => {
            let posted = match posted {
                None => "Posting to the conversation…".to_string(),
                Some(Ok(())) => "Posted to the conversation.".to_string(),
                Some(Err(e)) => format!("Not posted: {e}"),
            };
            Some(
                view! {
                    <div class="action-result" role="status">
                        <p class="result-words">{words}</p>
                        <p class="muted">{posted}</p>
                    </div>
                }
                .into_any(),
            )
        }
        CardState::Failed(message) => {
            Some(view! { <p class="action-error error" role="alert">{message}</p> }.into_any())
        }
    }
    };
    let chart_view = move || {
        chart.get().map(|report| {
            equity_chart(
                &report.spec.name,
                &report.dates,
                &report.equity_curve,
                &report.buy_and_hold_equity,
            )
        })
    };
    let outcome_view = move || {
        outcome.get().map(|result| match result {
            FinanceOutcome::Portfolio(p) => finance::portfolio_view(&p).into_any(),
            FinanceOutcome::Risk(r) => finance::risk_view(&r).into_any(),
            FinanceOutcome::Backtest(b) => view! {
                <div>
                    {finance::backtest_view(&b)}
                    {equity_chart("strategy", &b.dates, &b.equity, &b.buy_and_hold_equity)}
                </div>
            }
            .into_any(),
        })
    };
    let summary = if proposal.summary.trim().is_empty() {
        describe(&proposal.action)
    } else {
        proposal.summary.clone()
    };
    let verdict_class = if allowed {
        "verdict allowed"
    } else {
        "verdict refused"
    };
    let running = move || matches!(state.get(), CardState::Running { .. });
    view! {
        <article class="action-card" data-action=kind data-verdict=if allowed { "allowed" } else { "refused" }>
            <p class="action-summary"><strong>{summary}</strong></p>
            <p class=verdict_class>{verdict_sentence("Local check", &proposal.verdict)}</p>
            {allowed.then(|| view! {
                <button type="button" class="action-run" on:click=run disabled=running>
                    {move || if running() { "Running…" } else { "Run" }}
                </button>
            })}
            {status}
            {move || trial_id.get().map(|id| view! {
                <p><a class="action-trial-link" href=format!("/trials?id={id}")>{format!("Open trial #{id}")}</a></p>
            })}
            {outcome_view}
            {chart_view}
        </article>
    }
}

/// A refusal as a card: no Run button, the field, rule and reason.
#[component]
pub fn RefusalCard(
    /// The refusal.
    refusal: Refusal,
) -> impl IntoView {
    let field = if refusal.field.is_empty() {
        String::new()
    } else {
        format!(" (field `{}`)", refusal.field)
    };
    view! {
        <article class="action-card refused" data-action=refusal.tool.clone() data-verdict="refused">
            <p class="action-summary"><strong>{format!("Refused: {}{field}", refusal.tool)}</strong></p>
            <p class="verdict refused">{format!("refused by {}: {}", refusal.rule_id, refusal.reason)}</p>
        </article>
    }
}

/// A card's progress state with `text` and no counter.
fn running(text: String) -> CardState {
    CardState::Running {
        text,
        done: 0,
        total: 0,
    }
}
