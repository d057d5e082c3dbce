//! The coach and its memory on the wire: `POST /api/chat` (answered as
//! server-sent events, one [`ChatEvent`] per frame), conversations,
//! messages, search, export, import and pruning.

use serde::{Deserialize, Serialize};

use crate::actions::{ProposedAction, Refusal};

/// `POST /api/chat`: one user message, in a conversation or a new one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The conversation to continue; `None` starts a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<i64>,
    /// The user's message (1 to [`MAX_MESSAGE_CHARS`] characters).
    pub message: String,
}

/// The longest user message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 8_000;

/// Token counts of one LLM call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Answer tokens.
    pub output_tokens: u64,
    /// Whether the figures are estimates (rule coach, or a provider that
    /// reported none) rather than the provider's own counts.
    #[serde(default)]
    pub estimated: bool,
}

/// One server-sent event of a chat answer. The SSE `event:` name is the
/// `type` tag; `data:` is this value as JSON. Order: `started`, then any
/// number of `delta`, `action` and `refused`, then exactly one of `done`
/// or `error`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    /// The user's message is stored; the answer follows.
    Started {
        /// The conversation (new or continued).
        conversation_id: i64,
        /// The stored user message.
        user_message_id: i64,
        /// `anthropic`, `openai` or `rules`.
        provider: String,
        /// The model name (`rules` for the rule coach).
        model: String,
    },
    /// More answer text (markdown).
    Delta {
        /// The new text.
        text: String,
    },
    /// A validated action proposed by the coach.
    Action {
        /// The card's content.
        proposal: ProposedAction,
    },
    /// A proposal that was refused and will never run.
    Refused {
        /// Why.
        refusal: Refusal,
    },
    /// The answer is complete and stored.
    Done {
        /// The stored assistant message.
        message_id: i64,
        /// Tokens this answer used.
        usage: TokenUsage,
    },
    /// The answer ended in an error; what arrived is stored marked
    /// incomplete.
    Error {
        /// Stable code, e.g. `llm_unavailable`, `llm_timeout`, `stream_dropped`.
        code: String,
        /// What went wrong, for people (never a key).
        message: String,
        /// The stored incomplete assistant message, if one was stored.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<i64>,
    },
}

impl ChatEvent {
    /// The SSE `event:` name of this event (its `type` tag).
    pub fn name(&self) -> &'static str {
        match self {
            ChatEvent::Started { .. } => "started",
            ChatEvent::Delta { .. } => "delta",
            ChatEvent::Action { .. } => "action",
            ChatEvent::Refused { .. } => "refused",
            ChatEvent::Done { .. } => "done",
            ChatEvent::Error { .. } => "error",
        }
    }
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageRole {
    /// The user.
    User,
    /// The coach.
    Assistant,
    /// The outcome of an action the user ran (posted by the app).
    Result,
}

impl MessageRole {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageRole::User => "user",
            MessageRole::Assistant => "assistant",
            MessageRole::Result => "result",
        }
    }

    /// The role called `name`.
    pub fn parse(name: &str) -> Option<MessageRole> {
        match name {
            "user" => Some(MessageRole::User),
            "assistant" => Some(MessageRole::Assistant),
            "result" => Some(MessageRole::Result),
            _ => None,
        }
    }
}

/// One stored message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Row id.
    pub id: i64,
    /// Its conversation.
    pub conversation_id: i64,
    /// Who wrote it.
    pub role: MessageRole,
    /// The text (markdown for the coach).
    pub content: String,
    /// When it was stored (RFC 3339, UTC).
    pub created_at: String,
    /// `false` when the answer ended in an error, a timeout or a stop.
    pub complete: bool,
    /// Topics extracted from the text (symbols, datasets, models,
    /// families, concepts), e.g. `dataset:sp500`, `family:random_forest`.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Importance in [0, 1] (see `shared::memory::importance`).
    pub importance: f64,
    /// Actions the coach proposed in it.
    #[serde(default)]
    pub actions: Vec<ProposedAction>,
    /// Proposals that were refused.
    #[serde(default)]
    pub refusals: Vec<Refusal>,
    /// Tokens the answer used (assistant messages).
    #[serde(default)]
    pub usage: TokenUsage,
}

/// One conversation in the list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// Row id.
    pub id: i64,
    /// A title (the first user message, shortened, or the import's name).
    pub title: String,
    /// When it started (RFC 3339, UTC).
    pub created_at: String,
    /// When its last message was stored (RFC 3339, UTC).
    pub updated_at: String,
    /// Messages in it.
    pub messages: u64,
}

/// A summary of a span of older messages, kept with the conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationNote {
    /// Row id.
    pub id: i64,
    /// The summary text.
    pub text: String,
    /// First message id covered.
    pub from_message_id: i64,
    /// Last message id covered.
    pub to_message_id: i64,
    /// `llm` or `extractive`.
    pub method: String,
    /// When it was written (RFC 3339, UTC).
    pub created_at: String,
}

/// `GET /api/conversations/{id}`: one conversation with its messages,
/// oldest first, and its summaries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationDetail {
    /// The conversation.
    pub conversation: ConversationSummary,
    /// Its messages, oldest first.
    pub messages: Vec<ChatMessage>,
    /// Summaries of older spans.
    pub summaries: Vec<ConversationNote>,
}

/// `POST /api/conversations/{id}/results`: the outcome of an action the
/// user ran from a card, stored as a `result` message the coach reads on
/// the next turn.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultMessageRequest {
    /// The proposal's id in its message.
    pub action_id: String,
    /// What came out, in words (metrics, verdicts).
    pub content: String,
    /// The stored result's id, when it was recorded through `/api/results`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_id: Option<i64>,
}

/// `GET /api/memory/search`: full-text search over the user's messages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchQuery {
    /// Words to find (FTS5 query syntax is not exposed: words are quoted).
    pub q: String,
    /// Only messages with this topic, e.g. `dataset:sp500`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Only this conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<i64>,
    /// At most this many hits (default 20, at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One search hit, best first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The message.
    pub message: ChatMessage,
    /// The conversation's title.
    pub conversation_title: String,
    /// A snippet with the matched words between `[` and `]`.
    pub snippet: String,
    /// BM25 rank weighted by importance (lower is better, as in FTS5).
    pub rank: f64,
}

/// `POST /api/memory/import`: a chat history in the earlier mlTrainer
/// format. `history` is the text of a JSON list of
/// `{role, content, timestamp}`; `goals`, optional, the text of its goals
/// file, a JSON list of `{goal, timestamp}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRequest {
    /// The history file's text.
    pub history: String,
    /// The goals file's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goals: Option<String>,
    /// The new conversation's title (default: "Imported history").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// One entry an import skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSkip {
    /// `history` or `goals`.
    pub file: String,
    /// Position in the file's list, from 0.
    pub index: usize,
    /// Why, naming the field.
    pub reason: String,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The conversation the messages went into (none if nothing was imported).
    pub conversation_id: Option<i64>,
    /// History entries found.
    pub messages_counted: usize,
    /// History entries stored.
    pub messages_imported: usize,
    /// Goal entries found.
    pub goals_counted: usize,
    /// Goal entries stored (each checked against the rules).
    pub goals_imported: usize,
    /// Every skipped entry with its reason.
    pub skipped: Vec<ImportSkip>,
}

/// `POST /api/memory/prune`: remove old, unimportant messages (each span is
/// summarised first and the summary kept).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PruneRequest {
    /// Only messages older than this many days (at least 1).
    pub older_than_days: u32,
    /// Only messages whose importance is below this (0 to 1; default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below_importance: Option<f64>,
}

/// What a prune did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneReport {
    /// Messages removed.
    pub pruned: usize,
    /// Old messages kept because they matter.
    pub kept: usize,
    /// Summaries written for what was removed.
    pub summaries: usize,
}

/// `GET /api/chat/status`: which coach answers and what is left of today's
/// token budget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoachStatus {
    /// `anthropic`, `openai` or `rules`.
    pub provider: String,
    /// The model name.
    pub model: String,
    /// Tokens used today (UTC) by this user.
    pub tokens_used_today: u64,
    /// The daily limit per user.
    pub daily_token_budget: u64,
}
