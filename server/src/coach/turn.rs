//! One turn of the coach, after the user's message is stored: ask the LLM
//! (or the rule coach), stream [`ChatEvent`]s as the answer arrives, turn
//! tool calls and text into checked proposals, then store the answer (marked
//! incomplete when it ended in an error, a timeout, a dropped stream or a
//! stop) and audit the call with its provider, model, tokens and outcome.
//!
//! Retrying is the LLM client's job, and it never retries once anything
//! reached the user. A user who goes away (the SSE stream is dropped) stops
//! the call: the receiver closes, the client sees it, and what arrived is
//! stored incomplete.

use shared::actions::{parse_text, parse_tool_call, ActionContext, ProposedAction, Refusal};
use shared::api::{ChatEvent, MessageRole, TokenUsage};
use shared::coach::{reply, CoachContext};
use shared::memory::tokens::estimate;
use tokio::sync::mpsc;

use super::context::TurnContext;
use super::{notes, prompt};
use crate::auth::Session;
use crate::llm::{LlmError, LlmProvider, LlmRequest, LlmTool, StreamEvent};
use crate::problem::Problem;
use crate::state::{today, AppState};
use crate::store::audit::{self, AuditEvent};
use crate::store::messages::{self, NewMessage};
use crate::store::now_ms;

/// Everything a turn needs once the user's message is stored.
#[derive(Debug, Clone)]
pub struct Turn {
    /// Who asks.
    pub session: Session,
    /// The conversation.
    pub conversation_id: i64,
    /// The user's message.
    pub message: String,
    /// The goal and the memory that fits the budget.
    pub context: TurnContext,
    /// Most tokens the answer may use (what is left of today's budget).
    pub max_answer_tokens: u32,
}

/// How an answer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ending {
    /// The provider said it was done.
    Complete,
    /// An error, a timeout or a dropped stream.
    Failed { code: String, message: String },
    /// The user stopped it (closed the stream).
    Stopped,
}

impl Ending {
    fn outcome(&self) -> &str {
        match self {
            Ending::Complete => "complete",
            Ending::Failed { code, .. } => code,
            Ending::Stopped => "stopped",
        }
    }
}

/// What came back, whole or in part.
#[derive(Debug)]
struct Answer {
    text: String,
    proposals: Vec<ProposedAction>,
    refusals: Vec<Refusal>,
    usage: Option<TokenUsage>,
    ending: Ending,
    attempts: u32,
    tools_dropped: bool,
}

impl Answer {
    fn new() -> Self {
        Self {
            text: String::new(),
            proposals: Vec::new(),
            refusals: Vec::new(),
            usage: None,
            ending: Ending::Complete,
            attempts: 0,
            tools_dropped: false,
        }
    }
}

/// Sends events to the user; remembers whether they are still there.
struct Outbox {
    events: mpsc::Sender<ChatEvent>,
    gone: bool,
}

impl Outbox {
    async fn send(&mut self, event: ChatEvent) {
        if !self.gone && self.events.send(event).await.is_err() {
            self.gone = true;
        }
    }

    fn proposal(&self, parsed: Result<ProposedAction, Refusal>, answer: &mut Answer) -> ChatEvent {
        match parsed {
            Ok(proposal) => {
                answer.proposals.push(proposal.clone());
                ChatEvent::Action { proposal }
            }
            Err(refusal) => {
                answer.refusals.push(refusal.clone());
                ChatEvent::Refused { refusal }
            }
        }
    }
}

/// Runs `turn` to the end, sending events on `events`, then stores and
/// audits the answer and sends `done` or `error`.
pub async fn run(state: AppState, turn: Turn, events: mpsc::Sender<ChatEvent>) {
    let mut outbox = Outbox {
        events,
        gone: false,
    };
    let rules = state.rules.clone();
    let actions = ActionContext {
        rules: &rules,
        today: today(),
    };
    let coach = state.coach.clone();
    let answer = match coach.provider() {
        Some(provider) => llm_answer(&state, provider, &turn, &actions, &mut outbox).await,
        None => rule_answer(&turn, &actions, &mut outbox).await,
    };
    let usage = answer
        .usage
        .unwrap_or_else(|| estimated_usage(&turn, &answer.text));
    let stored = store_answer(&state, &turn, &answer, usage).await;
    let event = match (stored, &answer.ending) {
        (Ok(message_id), Ending::Complete) => ChatEvent::Done { message_id, usage },
        (Ok(message_id), Ending::Failed { code, message }) => ChatEvent::Error {
            code: code.clone(),
            message: message.clone(),
            message_id: Some(message_id),
        },
        (Ok(message_id), Ending::Stopped) => ChatEvent::Error {
            code: "stopped".to_string(),
            message: "the answer was stopped before it ended; what arrived is kept, marked \
                      incomplete"
                .to_string(),
            message_id: Some(message_id),
        },
        (Err(problem), _) => ChatEvent::Error {
            code: problem.code().to_string(),
            message: "the answer could not be stored".to_string(),
            message_id: None,
        },
    };
    outbox.send(event).await;
    // The stream ends here; a summary (maybe an LLM call) must not hold it.
    drop(outbox);
    notes::after_turn(&state, &turn.session, turn.conversation_id).await;
}

/// The rule coach's answer, streamed a few words at a time.
async fn rule_answer(turn: &Turn, actions: &ActionContext<'_>, outbox: &mut Outbox) -> Answer {
    let context = CoachContext {
        actions: ActionContext {
            rules: actions.rules,
            today: actions.today,
        },
        goal: turn.context.goal.as_deref(),
    };
    let coach_reply = reply(&turn.message, &context);
    let mut answer = Answer::new();
    for piece in pieces(&coach_reply.text, 24) {
        outbox
            .send(ChatEvent::Delta {
                text: piece.to_string(),
            })
            .await;
    }
    answer.text = coach_reply.text;
    for proposal in coach_reply.proposals {
        let event = outbox.proposal(Ok(proposal), &mut answer);
        outbox.send(event).await;
    }
    for refusal in coach_reply.refusals {
        let event = outbox.proposal(Err(refusal), &mut answer);
        outbox.send(event).await;
    }
    if outbox.gone {
        answer.ending = Ending::Stopped;
    }
    answer
}

/// Splits `text` into pieces of about `size` bytes, at whitespace.
fn pieces(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (index, c) in text.char_indices() {
        if c.is_whitespace() && index - start >= size {
            out.push(&text[start..index]);
            start = index;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// The LLM's answer: events forwarded as they arrive; tool calls parsed
/// into proposals; with no tool calls, the text is parsed instead.
async fn llm_answer(
    state: &AppState,
    provider: &LlmProvider,
    turn: &Turn,
    actions: &ActionContext<'_>,
    outbox: &mut Outbox,
) -> Answer {
    let request = LlmRequest {
        system: prompt::system(
            &state.rules,
            &state.rules_hash,
            turn.context.goal.as_deref(),
            &turn.context.selection,
            &turn.context.learning,
        ),
        messages: prompt::messages(&turn.context.selection, &turn.message),
        tools: shared::actions::tool_specs()
            .into_iter()
            .map(|spec| LlmTool {
                name: spec.name,
                description: spec.description,
                input_schema: spec.input_schema,
            })
            .collect(),
        max_tokens: turn.max_answer_tokens,
    };
    let mut answer = Answer::new();
    let (sender, mut receiver) = mpsc::channel::<StreamEvent>(64);
    let call = provider.stream(&request, sender);
    tokio::pin!(call);
    let mut result = None;
    let user_gone = outbox.events.clone();
    loop {
        tokio::select! {
            biased;
            event = receiver.recv() => match event {
                Some(event) => handle(event, actions, &mut answer, outbox).await,
                None => break,
            },
            outcome = &mut call, if result.is_none() => result = Some(outcome),
            () = user_gone.closed() => {
                outbox.gone = true;
                break;
            }
        }
        if outbox.gone {
            break;
        }
    }
    let result = match result {
        Some(result) => result,
        None if outbox.gone => Err(LlmError::Cancelled),
        None => call.await,
    };
    match result {
        Ok(outcome) => {
            answer.attempts = outcome.attempts;
            answer.tools_dropped = outcome.tools_dropped;
            if let Some((input_tokens, output_tokens)) = outcome.usage {
                answer.usage = Some(TokenUsage {
                    input_tokens,
                    output_tokens,
                    estimated: false,
                });
            }
            if answer.proposals.is_empty() && answer.refusals.is_empty() {
                for parsed in parse_text(actions, &answer.text) {
                    let event = outbox.proposal(parsed, &mut answer);
                    outbox.send(event).await;
                }
            }
            if outbox.gone {
                answer.ending = Ending::Stopped;
            }
        }
        Err(LlmError::Cancelled) => answer.ending = Ending::Stopped,
        Err(error) => {
            answer.ending = Ending::Failed {
                code: error.code().to_string(),
                message: error.to_string(),
            }
        }
    }
    answer
}

/// Forwards one provider event.
async fn handle(
    event: StreamEvent,
    actions: &ActionContext<'_>,
    answer: &mut Answer,
    outbox: &mut Outbox,
) {
    match event {
        StreamEvent::Text(text) => {
            answer.text.push_str(&text);
            outbox.send(ChatEvent::Delta { text }).await;
        }
        StreamEvent::ToolCall { id, name, input } => {
            let event = outbox.proposal(parse_tool_call(actions, &id, &name, &input), answer);
            outbox.send(event).await;
        }
        StreamEvent::Usage {
            input_tokens,
            output_tokens,
        } => {
            answer.usage = Some(TokenUsage {
                input_tokens,
                output_tokens,
                estimated: false,
            });
        }
    }
}

/// Usage estimated from the prompt and the answer (rule coach, or a
/// provider that reported none).
fn estimated_usage(turn: &Turn, answer: &str) -> TokenUsage {
    let context: u64 = prompt::context_text(&turn.context.selection)
        .map(|text| u64::from(estimate(text)))
        .sum();
    let goal = turn
        .context
        .goal
        .as_deref()
        .map_or(0, |g| u64::from(estimate(g)));
    let learning = u64::from(estimate(&turn.context.learning));
    TokenUsage {
        input_tokens: u64::from(estimate(&turn.message)) + context + goal + learning,
        output_tokens: u64::from(estimate(answer)),
        estimated: true,
    }
}

/// Stores the answer and its audit entry in one transaction; the message id.
async fn store_answer(
    state: &AppState,
    turn: &Turn,
    answer: &Answer,
    usage: TokenUsage,
) -> Result<i64, Problem> {
    let coach = &state.coach;
    let new = NewMessage {
        conversation_id: turn.conversation_id,
        role: MessageRole::Assistant,
        content: answer.text.clone(),
        complete: answer.ending == Ending::Complete,
        actions: answer.proposals.clone(),
        refusals: answer.refusals.clone(),
        usage,
        provider: Some(coach.provider_name().to_string()),
        model: Some(coach.model().to_string()),
        created_at_ms: now_ms(),
    };
    let refusals: Vec<serde_json::Value> = answer
        .refusals
        .iter()
        .map(|r| serde_json::json!({"tool": r.tool, "field": r.field, "rule_id": r.rule_id}))
        .collect();
    let proposals: Vec<&str> = answer
        .proposals
        .iter()
        .map(|p| p.action.tool_name())
        .collect();
    let detail = serde_json::json!({
        "provider": coach.provider_name(),
        "model": coach.model(),
        "conversation_id": turn.conversation_id,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "estimated": usage.estimated,
        "outcome": answer.ending.outcome(),
        "attempts": answer.attempts,
        "tools_dropped": answer.tools_dropped,
        "proposals": proposals,
        "refusals": refusals,
    });
    let session = turn.session.clone();
    state
        .store
        .write(move |tx| {
            let message = messages::insert_message(tx, session.user_id, &new)?;
            let mut detail = detail;
            detail["message_id"] = message.id.into();
            audit::append(
                tx,
                &AuditEvent::new(Some(session.user_id), &session.username, "llm.call")
                    .detail(detail),
            )?;
            Ok::<_, Problem>(message.id)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_the_text_exactly() {
        let text = "Train a random forest on the S&P 500 — héllo wörld, then compare.";
        for size in [1, 5, 24, 1000] {
            assert_eq!(pieces(text, size).concat(), text);
        }
        assert!(pieces(text, 10).len() > 3);
        assert!(pieces("", 10).is_empty());
    }
}
