//! The autonomous loop: the user gives a goal, data and a hard budget;
//! each round the coach proposes actions ([`propose`]: the LLM with the
//! action tools, or the rule coach's fixed search), the gateway checks
//! them, the allowed ones run as one trial through
//! [`crate::trials::TrialRunner`], and a summary of the results goes back
//! to the coach in the next round ([`driver`]). It stops when the coach
//! declares the goal met (with its evidence), when any budget is spent,
//! when a step is refused, or when the user stops it. Every round, the
//! start and the stop are audited.
//!
//! [`start`] checks and stores a run (audited `autonomous.start`) and
//! spawns its driver; [`stop`] marks it stopping (the driver cancels the
//! running trial and finishes it); [`finish_interrupted`] finishes, at
//! start, runs a stopped server left behind. Must not answer HTTP (that is
//! `routes::autonomous`) or run steps (that is `crate::trials`).

pub mod driver;
pub mod propose;

use axum::http::StatusCode;
use shared::actions::{validate, Action, ActionContext, FetchData};
use shared::api::{
    AutonomousRequest, AutonomousSpend, AutonomousStatus, AutonomousSummary, GoalRequest, StopKind,
    StopReason, MAX_GOAL_CHARS,
};
use shared::compliance::check_goal;

use crate::auth::Session;
use crate::problem::Problem;
use crate::state::{today, AppState};
use crate::store::audit::{self, AuditEvent};
use crate::store::{autonomous, goals, now_ms, users, StoreError};

/// The `fetch_data` action for a run's data: the gateway checks it when
/// the run starts and again in every round's trial.
pub fn fetch_action(request: &AutonomousRequest) -> Action {
    let data = request.data.request();
    Action::FetchData(FetchData {
        source: data.source,
        symbol: data.symbol,
        from: data.from,
        to: data.to,
        timespan: data.timespan,
    })
}

fn unprocessable(code: &'static str, detail: String) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
}

/// Checks `request` (budget bounds, goal, data through the gateway's
/// rules), resolves the goal (the user's when absent), stores the run with
/// an `autonomous.start` audit entry in one transaction and spawns its
/// driver. Refusals are audited and answered 422 naming the field.
pub async fn start(
    state: &AppState,
    session: &Session,
    mut request: AutonomousRequest,
) -> Result<AutonomousSummary, Problem> {
    if let Err(error) = request.budget.check() {
        return Err(unprocessable("invalid_budget", error.to_string()));
    }
    if let Some(horizon) = request.horizon {
        if !(1..=252).contains(&horizon) {
            return Err(Problem::invalid(format!(
                "horizon is {horizon}: allowed 1 to 252"
            )));
        }
    }
    if request.goal.is_none() {
        let user_id = session.user_id;
        request.goal = state
            .store
            .read(move |c| goals::history(c, user_id).map_err(Problem::from))
            .await?
            .into_iter()
            .next()
            .map(|goal| goal.text);
    }
    let goal = request.goal.clone().unwrap_or_default();
    if goal.trim().is_empty() || goal.chars().count() > MAX_GOAL_CHARS {
        return Err(Problem::invalid(format!(
            "goal: give 1 to {MAX_GOAL_CHARS} characters, or set your goal first"
        )));
    }
    let goal_verdict = check_goal(
        &state.rules,
        &GoalRequest {
            text: goal.clone(),
            sources: vec![request.data.request().source],
        },
    );
    if !goal_verdict.allowed {
        return Err(state
            .refuse(
                session,
                "autonomous.refused",
                goal_verdict,
                serde_json::json!({ "field": "goal" }),
            )
            .await);
    }
    let ctx = ActionContext {
        rules: &state.rules,
        today: today(),
    };
    let fetch = fetch_action(&request);
    let lab = propose::lab_action(&request, "baseline_majority_class");
    for action in [&fetch, &lab] {
        if let Err(refusal) = validate(&ctx, action) {
            let event = AuditEvent::new(
                Some(session.user_id),
                &session.username,
                "autonomous.refused",
            )
            .detail(serde_json::json!({
                "tool": refusal.tool, "field": refusal.field,
                "rule_id": refusal.rule_id, "reason": refusal.reason,
            }));
            state.audit(event).await?;
            return Err(unprocessable(
                "invalid_request",
                format!(
                    "{}: {} ({})",
                    refusal.field, refusal.reason, refusal.rule_id
                ),
            ));
        }
    }
    let owner = session.clone();
    let stored = request.clone();
    let summary = state
        .store
        .write(move |tx| {
            let id = autonomous::create(tx, owner.user_id, &stored, now_ms())?;
            audit::append(
                tx,
                &AuditEvent::new(Some(owner.user_id), &owner.username, "autonomous.start").detail(
                    serde_json::json!({
                        "run_id": id, "goal": stored.goal, "data": stored.data.request(),
                        "target": stored.target, "horizon": stored.horizon,
                        "budget": stored.budget,
                    }),
                ),
            )?;
            autonomous::summary(tx, owner.user_id, id)?
                .ok_or_else(|| StoreError::Corrupt("the new run is missing".into()))
                .map_err(Problem::from)
        })
        .await?;
    driver::spawn(state.clone(), session.clone(), summary.id, request);
    Ok(summary)
}

/// Asks `session`'s run `run_id` to stop (audited as `autonomous.stop_requested`);
/// the driver cancels its running trial and finishes it. 404 if it is not
/// theirs; a finished run is answered as it is.
pub async fn stop(
    state: &AppState,
    session: &Session,
    run_id: i64,
) -> Result<AutonomousSummary, Problem> {
    let owner = session.clone();
    state
        .store
        .write(move |tx| {
            let before = autonomous::request_stop(tx, owner.user_id, run_id)?;
            let Some(before) = before else {
                return Err(Problem::not_found(format!("no autonomous run {run_id}")));
            };
            if before == AutonomousStatus::Running {
                audit::append(
                    tx,
                    &AuditEvent::new(
                        Some(owner.user_id),
                        &owner.username,
                        "autonomous.stop_requested",
                    )
                    .detail(serde_json::json!({ "run_id": run_id })),
                )?;
            }
            autonomous::summary(tx, owner.user_id, run_id)?
                .ok_or_else(|| Problem::not_found(format!("no autonomous run {run_id}")))
        })
        .await
}

/// Finishes every run a stopped server left running (at start): stop
/// reason `failed`, audited `autonomous.stop`. Returns how many.
pub async fn finish_interrupted(state: &AppState) -> Result<usize, Problem> {
    state
        .store
        .write(|tx| {
            let runs = autonomous::unfinished(tx)?;
            for &(run_id, user_id) in &runs {
                let username = users::by_id(tx, user_id)?
                    .map(|u| u.username)
                    .unwrap_or_default();
                let spend = autonomous::summary(tx, user_id, run_id)?
                    .map(|s| s.spend)
                    .unwrap_or_default();
                let reason = StopReason {
                    kind: StopKind::Failed,
                    detail: "the server stopped while the run was going on".to_string(),
                };
                autonomous::finish(tx, user_id, run_id, &reason, &spend, now_ms())?;
                audit::append(tx, &stop_event(user_id, &username, run_id, &reason, &spend))?;
            }
            Ok::<_, Problem>(runs.len())
        })
        .await
}

/// The `autonomous.stop` audit entry.
pub fn stop_event(
    user_id: i64,
    username: &str,
    run_id: i64,
    reason: &StopReason,
    spend: &AutonomousSpend,
) -> AuditEvent {
    AuditEvent::new(Some(user_id), username, "autonomous.stop").detail(serde_json::json!({
        "run_id": run_id, "reason": reason.kind.as_str(), "detail": reason.detail,
        "spend": spend,
    }))
}
