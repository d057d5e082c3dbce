//! The coach: one chat turn from the user's message to a stored answer.
//!
//! ```text
//! routes::chat  -> checks, stores the user's message, picks the context
//! coach::turn   -> asks the LLM (llm::LlmProvider) or the rule coach
//!                  (shared::coach), turns tool calls and text into checked
//!                  proposals (shared::actions), streams ChatEvents
//!               -> stores the answer (complete or not) and audits the call
//! coach::notes  -> summarises older turns into a conversation note
//! ```
//!
//! Nothing here runs an action: proposals are only offered; the user runs
//! them from the app, where the gateway checks them again. Keys stay inside
//! `llm`; nothing here formats one.

pub mod budget;
pub mod context;
pub mod env;
pub mod notes;
pub mod prompt;
pub mod turn;

use std::sync::Arc;

use crate::llm::LlmProvider;

/// The model name reported for the rule coach.
pub use shared::coach::RULE_COACH_MODEL;

/// How much the coach may spend and how much context it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoachSettings {
    /// Tokens (input plus output) each user may spend per UTC day.
    pub daily_token_budget: u64,
    /// Token budget of the memory context in each prompt (goal, summary,
    /// relevant and recent messages).
    pub context_tokens: u32,
    /// Most tokens one answer may have.
    pub max_answer_tokens: u32,
    /// Recent messages considered for the context.
    pub recent_messages: usize,
    /// Search hits considered for the context.
    pub relevant_messages: usize,
    /// Messages older than the recent window that trigger a summary.
    pub summarise_after: usize,
}

impl Default for CoachSettings {
    fn default() -> Self {
        Self {
            daily_token_budget: 200_000,
            context_tokens: 6_000,
            max_answer_tokens: 1_500,
            recent_messages: 16,
            relevant_messages: 6,
            summarise_after: 24,
        }
    }
}

/// The coach in use: an LLM provider, or the rule coach when none is
/// configured. Cheap to clone.
#[derive(Clone)]
pub struct Coach {
    provider: Option<Arc<LlmProvider>>,
    settings: CoachSettings,
}

impl Coach {
    /// A coach answering through `provider` (the rule coach when `None`).
    pub fn new(provider: Option<LlmProvider>, settings: CoachSettings) -> Self {
        Self {
            provider: provider.map(Arc::new),
            settings,
        }
    }

    /// The LLM provider, if one is configured.
    pub fn provider(&self) -> Option<&Arc<LlmProvider>> {
        self.provider.as_ref()
    }

    /// `anthropic`, `openai` or `rules`.
    pub fn provider_name(&self) -> &str {
        self.provider.as_ref().map_or("rules", |p| p.name())
    }

    /// The model that answers.
    pub fn model(&self) -> &str {
        self.provider
            .as_ref()
            .map_or(RULE_COACH_MODEL, |p| p.model())
    }

    /// The limits in force.
    pub fn settings(&self) -> &CoachSettings {
        &self.settings
    }
}
