//! The memory context of one turn: the goal, the latest summary of older
//! turns, the earlier messages most relevant to the new one (full-text
//! search) and the most recent turns, fitted into the token budget by
//! `shared::memory::context::select`; and what the user's results teach
//! (the leaderboard's top models and the insights with their counts, at
//! most [`LEARNING_TOKENS`]). Reads only.

use rusqlite::Connection;
use shared::api::{ChatMessage, SearchQuery};
use shared::memory::context::{select, ContextInput, ContextMessage, ContextSelection};

use super::CoachSettings;
use crate::store::{goals, messages, notes, StoreError};

/// Token budget of the leaderboard and insights block in the prompt.
pub const LEARNING_TOKENS: u32 = 400;

/// The goal and the selected memory for one turn.
#[derive(Debug, Clone)]
pub struct TurnContext {
    /// The user's current goal.
    pub goal: Option<String>,
    /// What fits the budget.
    pub selection: ContextSelection,
    /// The leaderboard's top models and the insights, as plain lines
    /// (empty when there are no results); quoted as data in the prompt.
    pub learning: String,
}

/// Gathers the context for `message` (already stored as `message_id`) in
/// `conversation_id`, for `user_id`.
pub fn gather(
    connection: &Connection,
    user_id: i64,
    conversation_id: i64,
    message_id: i64,
    message: &str,
    settings: &CoachSettings,
) -> Result<TurnContext, StoreError> {
    let goal = goals::history(connection, user_id)?
        .into_iter()
        .next()
        .map(|goal| goal.text);
    let recent: Vec<ChatMessage> = messages::recent_messages(
        connection,
        user_id,
        conversation_id,
        u32::try_from(settings.recent_messages + 1).unwrap_or(u32::MAX),
    )?
    .into_iter()
    .filter(|m| m.id != message_id)
    .collect();
    let query = SearchQuery {
        q: search_words(message),
        topic: None,
        conversation_id: None,
        limit: Some(u32::try_from(settings.relevant_messages + recent.len() + 1).unwrap_or(100)),
    };
    let relevant: Vec<ContextMessage> = if query.q.is_empty() {
        Vec::new()
    } else {
        messages::search_matching(connection, user_id, &query, messages::WordMatch::Any)?
            .into_iter()
            .map(|hit| hit.message)
            .filter(|m| m.id != message_id && !recent.iter().any(|r| r.id == m.id))
            .take(settings.relevant_messages)
            .map(to_context)
            .collect()
    };
    let summary = notes::latest_note(connection, user_id, conversation_id)?.map(|note| note.text);
    let input = ContextInput {
        goal: goal.clone(),
        summary,
        relevant,
        recent: recent.into_iter().map(to_context).collect(),
    };
    let learning = crate::routes::leaderboard::coach_board(connection, user_id)?
        .map(|board| shared::leaderboard::coach_text(&board, LEARNING_TOKENS))
        .unwrap_or_default();
    Ok(TurnContext {
        goal,
        selection: select(&input, settings.context_tokens),
        learning,
    })
}

fn to_context(message: ChatMessage) -> ContextMessage {
    ContextMessage {
        id: message.id,
        role: message.role,
        content: message.content,
    }
}

/// The words of `message` worth searching for: letters and digits of
/// three or more characters, the longest first, at most eight.
pub fn search_words(message: &str) -> String {
    let mut words: Vec<String> = message
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .collect();
    words.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    words.dedup();
    words.truncate(8);
    words.join(" ")
}

const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "with", "that", "this", "what", "how", "can", "you", "are", "was", "have",
    "has", "from", "into", "about", "please", "would", "could", "should", "will",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_keep_the_informative_ones() {
        assert_eq!(
            search_words("What is the Sharpe of the random forest on sp500?"),
            "forest random sharpe sp500"
        );
        assert_eq!(search_words("ok"), "");
        assert_eq!(search_words("\"; DROP TABLE x; --"), "table drop");
    }
}
