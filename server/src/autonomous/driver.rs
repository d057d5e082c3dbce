//! One run's loop: check the budget and the user's stop, ask the coach
//! ([`super::propose`]), give each proposal a verdict (refused by the
//! parser or the gateway, cut to the models left, or allowed), run the
//! allowed ones as one trial (a `fetch_data` of the run's data and one
//! `run_lab` per model on it), read its results back, and record and audit
//! the round. The wall clock is checked before each round, bounds the
//! coach's call, and cancels a trial that outlives it.
//!
//! The hard budget holds by construction: a round is only started with
//! rounds, tokens, wall time and models left; the models of a trial are
//! cut to what is left before it starts; the LLM's answer is capped at the
//! tokens left. Must not answer HTTP or run steps itself.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use shared::api::{
    AutonomousRequest, AutonomousRound, AutonomousSpend, AutonomousStatus, ModelResult,
    ProposalVerdict, RoundProposal, StopKind, StopReason,
};
use shared::coach::autonomous::{leaderboard, model_result};
use shared::trial::{Plan, Step, DEFAULT_MAX_CONCURRENT, MAX_STEPS};

use super::propose::{lab_action, lab_models, propose, RoundInput};
use super::{fetch_action, stop_event};
use crate::auth::Session;
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::audit::{self, AuditEvent};
use crate::store::{autonomous, now_ms, rfc3339, trials};

/// How often a running trial's end, the user's stop and the clock are checked.
const POLL: Duration = Duration::from_millis(200);
/// How long a cancelled trial may take to wind down before the run stops anyway.
const CANCEL_WAIT: Duration = Duration::from_secs(30);
/// Longest coach text kept with a round, in characters.
const TEXT_CHARS: usize = 2_000;
/// The step id of every round's data.
const DATA_STEP: &str = "data";

/// Spawns run `run_id`'s loop.
pub fn spawn(state: AppState, session: Session, run_id: i64, request: AutonomousRequest) {
    let driver = Driver {
        state,
        session,
        run_id,
        request,
        started: Instant::now(),
        spend: AutonomousSpend::default(),
        rounds: Vec::new(),
        results: Vec::new(),
        tried: Vec::new(),
    };
    tokio::spawn(driver.run());
}

struct Driver {
    state: AppState,
    session: Session,
    run_id: i64,
    request: AutonomousRequest,
    started: Instant,
    spend: AutonomousSpend,
    rounds: Vec<AutonomousRound>,
    results: Vec<ModelResult>,
    tried: Vec<String>,
}

fn stop(kind: StopKind, detail: impl Into<String>) -> StopReason {
    StopReason {
        kind,
        detail: detail.into(),
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(TEXT_CHARS).collect()
}

impl Driver {
    async fn run(mut self) {
        let reason = match self.rounds().await {
            Ok(reason) => reason,
            Err(problem) => stop(StopKind::Failed, problem.detail()),
        };
        self.tick();
        let (session, run_id, spend) = (self.session.clone(), self.run_id, self.spend);
        let written = self
            .state
            .store
            .write(move |tx| {
                autonomous::finish(tx, session.user_id, run_id, &reason, &spend, now_ms())?;
                audit::append(
                    tx,
                    &stop_event(session.user_id, &session.username, run_id, &reason, &spend),
                )?;
                Ok::<_, Problem>(())
            })
            .await;
        if let Err(problem) = written {
            tracing::error!(run_id, error = %problem.detail(), "cannot finish the autonomous run");
        }
    }

    /// Brings the wall-time spend up to date.
    fn tick(&mut self) {
        self.spend.wall_seconds = self.started.elapsed().as_secs();
    }

    fn wall_left(&self) -> Duration {
        Duration::from_secs(self.request.budget.max_wall_seconds)
            .saturating_sub(self.started.elapsed())
    }

    /// Why the run must stop before another round, if it must.
    async fn must_stop(&mut self) -> Result<Option<StopReason>, Problem> {
        self.tick();
        if self.stop_asked().await? {
            return Ok(Some(stop(StopKind::UserStopped, "stopped by the user")));
        }
        let budget = self.request.budget;
        let spent = self.spend;
        let reason = if spent.rounds >= budget.max_rounds {
            Some((
                StopKind::RoundsSpent,
                format!("all {} rounds ran", budget.max_rounds),
            ))
        } else if spent.tokens >= budget.max_tokens {
            Some((
                StopKind::TokensSpent,
                format!("{} of {} tokens spent", spent.tokens, budget.max_tokens),
            ))
        } else if self.wall_left().is_zero() {
            Some((
                StopKind::WallTimeSpent,
                format!("{} seconds of wall time spent", budget.max_wall_seconds),
            ))
        } else if spent.models >= budget.max_models {
            Some((
                StopKind::ModelsSpent,
                format!("{} of {} models trained", spent.models, budget.max_models),
            ))
        } else {
            None
        };
        Ok(reason.map(|(kind, detail)| stop(kind, detail)))
    }

    async fn stop_asked(&self) -> Result<bool, Problem> {
        let (user_id, run_id) = (self.session.user_id, self.run_id);
        let status = self
            .state
            .store
            .read(move |c| autonomous::status(c, user_id, run_id).map_err(Problem::from))
            .await?;
        Ok(status != Some(AutonomousStatus::Running))
    }

    async fn rounds(&mut self) -> Result<StopReason, Problem> {
        loop {
            if let Some(reason) = self.must_stop().await? {
                return Ok(reason);
            }
            let number = self.spend.rounds + 1;
            let board = leaderboard(self.results.clone());
            let budget = self.request.budget;
            let input = RoundInput {
                request: &self.request,
                round: number,
                rounds: &self.rounds,
                board: &board,
                tried: &self.tried,
                tokens_left: budget.max_tokens.saturating_sub(self.spend.tokens),
                models_left: budget.max_models.saturating_sub(self.spend.models),
                wall_left: self.wall_left(),
            };
            // A stop while the coach answers drops the call (its usage,
            // never reported, is not counted; it was capped at what was left).
            let answered = {
                let call = propose(&self.state, &input);
                tokio::pin!(call);
                loop {
                    tokio::select! {
                        proposal = &mut call => break Some(proposal),
                        () = tokio::time::sleep(POLL) => if self.stop_asked().await? {
                            break None;
                        },
                    }
                }
            };
            let Some(proposal) = answered else {
                return Ok(stop(
                    StopKind::UserStopped,
                    "stopped by the user while the coach was answering",
                ));
            };
            if proposal.budget_short {
                return Ok(stop(
                    StopKind::TokensSpent,
                    format!(
                        "{} of {} tokens spent: too few left for another coach call",
                        self.spend.tokens, budget.max_tokens
                    ),
                ));
            }
            self.spend.tokens += proposal.tokens;
            self.spend.rounds = number;
            self.tick();
            let mut round = AutonomousRound {
                number,
                coach: proposal.coach.clone(),
                text: shorten(&proposal.text),
                proposals: Vec::new(),
                trial_id: None,
                results: Vec::new(),
                tokens: proposal.tokens,
                spend: self.spend,
                started_at: rfc3339(now_ms()),
                finished_at: None,
            };
            if let Some(error) = proposal.error {
                self.end_round(round).await?;
                return Ok(stop(StopKind::Failed, error));
            }
            if let Some(evidence) = proposal.declared {
                for parsed in proposal.actions {
                    round.proposals.push(match parsed {
                        Ok(p) => RoundProposal {
                            tool: p.action.tool_name().to_string(),
                            summary: p.summary,
                            action: Some(p.action),
                            verdict: ProposalVerdict::Cut,
                            reason: Some("the goal was declared met".to_string()),
                        },
                        Err(refusal) => refused(refusal),
                    });
                }
                self.end_round(round).await?;
                let kind = if proposal.exhausted {
                    StopKind::SearchExhausted
                } else {
                    StopKind::GoalMet
                };
                return Ok(stop(kind, evidence));
            }
            let (models, refusal) = self.verdicts(proposal.actions, &mut round);
            if let Some(detail) = refusal {
                self.end_round(round).await?;
                return Ok(stop(StopKind::Refused, detail));
            }
            if models.is_empty() {
                let left = budget.max_models.saturating_sub(self.spend.models);
                self.end_round(round).await?;
                return Ok(if left == 0 {
                    stop(StopKind::ModelsSpent, "no models left in the budget")
                } else {
                    stop(
                        StopKind::NoProposals,
                        "the coach proposed nothing new to run",
                    )
                });
            }
            self.spend.models += u32::try_from(models.len()).unwrap_or(u32::MAX);
            round.spend = self.spend;
            let ending = match self.run_trial(&models, &mut round).await? {
                TrialEnd::Done => None,
                TrialEnd::Stopped(reason) => Some(reason),
            };
            self.tried.extend(models);
            self.end_round(round).await?;
            if let Some(reason) = ending {
                return Ok(reason);
            }
        }
    }

    /// Gives every proposal its verdict; returns the models to train (cut
    /// to the models left and to one plan's steps) and the first refusal.
    fn verdicts(
        &self,
        actions: Vec<Result<shared::actions::ProposedAction, shared::actions::Refusal>>,
        round: &mut AutonomousRound,
    ) -> (Vec<String>, Option<String>) {
        let left = self
            .request
            .budget
            .max_models
            .saturating_sub(self.spend.models);
        let mut room = usize::try_from(left)
            .unwrap_or(usize::MAX)
            .min(MAX_STEPS - 1);
        let mut models: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut first_refusal = None;
        for parsed in actions {
            let proposal = match parsed {
                Err(refusal) => {
                    first_refusal.get_or_insert(format!(
                        "{} refused: {} ({})",
                        refusal.tool, refusal.reason, refusal.rule_id
                    ));
                    round.proposals.push(refused(refusal));
                    continue;
                }
                Ok(proposal) => proposal,
            };
            let tool = proposal.action.tool_name().to_string();
            let Some(names) = lab_models(&self.request, &proposal.action) else {
                let reason = format!("{tool} cannot run in the autonomous loop: only run_lab runs");
                first_refusal.get_or_insert(reason.clone());
                round.proposals.push(RoundProposal {
                    tool,
                    summary: proposal.summary,
                    action: Some(proposal.action),
                    verdict: ProposalVerdict::Refused,
                    reason: Some(reason),
                });
                continue;
            };
            let fresh: Vec<String> = names
                .into_iter()
                .filter(|n| seen.insert(n.clone()))
                .collect();
            let take = fresh.len().min(room);
            room -= take;
            let (verdict, reason) = if fresh.is_empty() {
                (
                    ProposalVerdict::Cut,
                    Some("no new catalog model for the run's target".to_string()),
                )
            } else if take == fresh.len() {
                (ProposalVerdict::Allowed, None)
            } else {
                (
                    ProposalVerdict::Cut,
                    Some(format!(
                        "trimmed to {take} of {} models to stay within the models budget",
                        fresh.len()
                    )),
                )
            };
            models.extend(fresh.into_iter().take(take));
            round.proposals.push(RoundProposal {
                tool,
                summary: proposal.summary,
                action: Some(proposal.action),
                verdict,
                reason,
            });
        }
        (models, first_refusal)
    }

    /// Runs `models` as one trial and reads their results into `round`.
    async fn run_trial(
        &mut self,
        models: &[String],
        round: &mut AutonomousRound,
    ) -> Result<TrialEnd, Problem> {
        let mut steps = vec![Step {
            id: DATA_STEP.to_string(),
            action: fetch_action(&self.request),
            inputs: Vec::new(),
        }];
        for (index, model) in models.iter().enumerate() {
            steps.push(Step {
                id: format!("m{}", index + 1),
                action: lab_action(&self.request, model),
                inputs: vec![DATA_STEP.to_string()],
            });
        }
        let ids: Vec<String> = steps.iter().skip(1).map(|s| s.id.clone()).collect();
        let plan = Plan {
            name: format!("autonomous run {} round {}", self.run_id, round.number),
            seed: None,
            max_concurrent: DEFAULT_MAX_CONCURRENT,
            steps,
        };
        let started = match self
            .state
            .trials
            .start(&self.state, &self.session, plan)
            .await
        {
            Ok(started) => started,
            Err(problem) if problem.status() == StatusCode::UNPROCESSABLE_ENTITY => {
                return Ok(TrialEnd::Stopped(stop(
                    StopKind::Refused,
                    format!("the round's trial was refused: {}", problem.detail()),
                )));
            }
            Err(problem) => return Err(problem),
        };
        let trial_id = started.summary.id;
        round.trial_id = Some(trial_id);
        self.save(round).await?;
        let mut driver = started.driver;
        let mut ending = TrialEnd::Done;
        loop {
            tokio::select! {
                _ = &mut driver => break,
                () = tokio::time::sleep(POLL) => {
                    let reason = if self.stop_asked().await? {
                        Some(stop(StopKind::UserStopped, "stopped by the user"))
                    } else if self.wall_left().is_zero() {
                        Some(stop(
                            StopKind::WallTimeSpent,
                            format!("{} seconds of wall time spent; the running trial was cancelled",
                                self.request.budget.max_wall_seconds),
                        ))
                    } else {
                        None
                    };
                    if let Some(reason) = reason {
                        self.state.trials.cancel(&self.state, &self.session, trial_id).await?;
                        let _ = tokio::time::timeout(CANCEL_WAIT, &mut driver).await;
                        ending = TrialEnd::Stopped(reason);
                        break;
                    }
                }
            }
        }
        let (user_id, number) = (self.session.user_id, round.number);
        let outputs = self
            .state
            .store
            .read(move |c| trials::outputs(c, user_id, trial_id, &ids).map_err(Problem::from))
            .await?;
        let mut results = Vec::new();
        for (_, output) in outputs {
            let Some(rows) = output.get("models").and_then(|m| m.as_array()) else {
                continue;
            };
            for row in rows {
                let name = row
                    .get("model")
                    .and_then(|m| m.as_str())
                    .unwrap_or_default();
                let metrics = row
                    .get("metrics")
                    .and_then(|m| serde_json::from_value(m.clone()).ok());
                let family = shared::models::entry(name).map(|e| e.spec.family.as_str());
                if let (Some(metrics), Some(family)) = (metrics, family) {
                    if let Some(result) = model_result(name, family, &metrics, number) {
                        results.push(result);
                    }
                }
            }
        }
        round.results = leaderboard(results);
        self.results.extend(round.results.iter().cloned());
        Ok(ending)
    }

    async fn save(&self, round: &AutonomousRound) -> Result<(), Problem> {
        let (user_id, run_id) = (self.session.user_id, self.run_id);
        let round = round.clone();
        let best = leaderboard(self.results.clone()).into_iter().next();
        self.state
            .store
            .write(move |tx| {
                autonomous::save_round(tx, user_id, run_id, &round, best.as_ref())
                    .map_err(Problem::from)
            })
            .await
    }

    /// Finishes `round`: stores it with the spend and audits it as
    /// `autonomous.round` in one transaction.
    async fn end_round(&mut self, mut round: AutonomousRound) -> Result<(), Problem> {
        self.tick();
        round.spend = self.spend;
        round.finished_at = Some(rfc3339(now_ms()));
        let (session, run_id) = (self.session.clone(), self.run_id);
        let best = leaderboard(self.results.clone()).into_iter().next();
        let stored = round.clone();
        let detail = serde_json::json!({
            "run_id": run_id, "round": round.number, "coach": round.coach,
            "proposals": round.proposals.iter().map(|p| serde_json::json!({
                "tool": p.tool, "summary": p.summary, "verdict": p.verdict, "reason": p.reason,
            })).collect::<Vec<_>>(),
            "trial_id": round.trial_id,
            "results": round.results.iter().map(|r| serde_json::json!({
                "model": r.model, "sharpe": r.sharpe, "buy_and_hold_sharpe": r.buy_and_hold_sharpe,
            })).collect::<Vec<_>>(),
            "spend": round.spend,
        });
        self.state
            .store
            .write(move |tx| {
                autonomous::save_round(tx, session.user_id, run_id, &stored, best.as_ref())?;
                audit::append(
                    tx,
                    &AuditEvent::new(Some(session.user_id), &session.username, "autonomous.round")
                        .detail(detail),
                )?;
                Ok::<_, Problem>(())
            })
            .await?;
        self.rounds.push(round);
        Ok(())
    }
}

/// How a round's trial ended for the loop.
enum TrialEnd {
    /// It finished by itself.
    Done,
    /// The run must stop (the user, or the wall time); the trial was cancelled.
    Stopped(StopReason),
}

fn refused(refusal: shared::actions::Refusal) -> RoundProposal {
    RoundProposal {
        tool: refusal.tool.clone(),
        summary: format!("{} (field {})", refusal.tool, refusal.field),
        action: None,
        verdict: ProposalVerdict::Refused,
        reason: Some(format!("{} ({})", refusal.reason, refusal.rule_id)),
    }
}
