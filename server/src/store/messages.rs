//! The `messages` table with its topic rows and its full-text index:
//! storing a message (topics and importance computed here), the latest
//! turns of a conversation, ranked search, and token totals. Every query
//! filters by the user id; one user's messages are never another's.
//!
//! Search: user words are reduced to letters and digits and each is quoted
//! as an FTS5 string, so no FTS5 syntax reaches the index. The user,
//! conversation and topic filters are tokens of the index's `meta` column
//! (`u<id>`, `c<id>`, `t<hex of topic>`), intersected inside FTS5. BM25 is
//! computed for the newest [`RANK_WINDOW`] matches only (FTS5 walks its
//! index newest first and stops there), which keeps a search of a very
//! common word as fast as a rare one: ranking is exact whenever a query has
//! at most that many matches, and otherwise ranks the most recent ones, a
//! bias towards recent memory the coach wants anyway. The candidates are
//! ranked by BM25 weighted by importance and joined to their rows.

use rusqlite::{params, Connection, Row, Transaction};
use shared::actions::{ProposedAction, Refusal};
use shared::api::{ChatMessage, MessageRole, SearchHit, SearchQuery, TokenUsage};
use shared::memory::{importance, topics};

use super::{rfc3339, StoreError};

/// Default number of search hits.
pub const DEFAULT_SEARCH_LIMIT: u32 = 20;
/// Most search hits one query returns.
pub const MAX_SEARCH_LIMIT: u32 = 100;
/// Matches ranked per search: the newest this many (see the module doc).
pub const RANK_WINDOW: u32 = 500;
/// How much importance weighs in a hit's rank: `bm25 × (1 + w × importance)`
/// (BM25 is negative, lower is better, so important messages move up).
pub const IMPORTANCE_WEIGHT: f64 = 0.1;

/// A message to store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMessage {
    /// Its conversation (must be the user's).
    pub conversation_id: i64,
    /// Who wrote it.
    pub role: MessageRole,
    /// The text.
    pub content: String,
    /// `false` for an answer cut short.
    pub complete: bool,
    /// Actions the coach proposed.
    pub actions: Vec<ProposedAction>,
    /// Proposals that were refused.
    pub refusals: Vec<Refusal>,
    /// Tokens used.
    pub usage: TokenUsage,
    /// `anthropic`, `openai`, `rules`, or none for user and result messages.
    pub provider: Option<String>,
    /// The model name.
    pub model: Option<String>,
    /// When it was written, ms since the epoch.
    pub created_at_ms: i64,
}

impl NewMessage {
    /// A complete message with no proposals, usage or provider: what users
    /// write and what runs report.
    pub fn plain(
        conversation_id: i64,
        role: MessageRole,
        content: String,
        created_at_ms: i64,
    ) -> Self {
        Self {
            conversation_id,
            role,
            content,
            complete: true,
            actions: Vec::new(),
            refusals: Vec::new(),
            usage: TokenUsage::default(),
            provider: None,
            model: None,
            created_at_ms,
        }
    }
}

/// The columns [`message_from_row`] reads, in order (table alias `m`).
pub(crate) const MESSAGE_COLUMNS: &str = "m.id, m.conversation_id, m.role, m.content, \
     m.created_at, m.complete, m.topics, m.importance, m.actions, m.refusals, \
     m.input_tokens, m.output_tokens, m.tokens_estimated";

/// Stores `message` for `user_id` (topics and importance computed from the
/// text), indexes it, and bumps its conversation's `updated_at`. Fails with
/// [`StoreError::Corrupt`] if the conversation is not the user's.
pub fn insert_message(
    tx: &Transaction<'_>,
    user_id: i64,
    message: &NewMessage,
) -> Result<ChatMessage, StoreError> {
    let bumped = tx.execute(
        "UPDATE conversations SET updated_at = MAX(updated_at, ?3) WHERE id = ?1 AND user_id = ?2",
        params![message.conversation_id, user_id, message.created_at_ms],
    )?;
    if bumped == 0 {
        return Err(StoreError::Corrupt(format!(
            "conversation {} is not the user's",
            message.conversation_id
        )));
    }
    let topics = topics::extract(&message.content);
    let importance = importance::score(message.role, &message.content, &topics);
    tx.execute(
        "INSERT INTO messages (user_id, conversation_id, role, content, complete, topics,
             importance, actions, refusals, input_tokens, output_tokens, tokens_estimated,
             provider, model, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            user_id,
            message.conversation_id,
            message.role.as_str(),
            message.content,
            message.complete,
            to_json(&topics)?,
            importance,
            to_json(&message.actions)?,
            to_json(&message.refusals)?,
            clamp_tokens(message.usage.input_tokens),
            clamp_tokens(message.usage.output_tokens),
            message.usage.estimated,
            message.provider,
            message.model,
            message.created_at_ms,
        ],
    )?;
    let id = tx.last_insert_rowid();
    let mut topic_row = tx.prepare_cached(
        "INSERT OR IGNORE INTO message_topics (message_id, user_id, topic) VALUES (?1, ?2, ?3)",
    )?;
    for topic in &topics {
        topic_row.execute(params![id, user_id, topic])?;
    }
    tx.prepare_cached("INSERT INTO messages_fts (rowid, body, meta) VALUES (?1, ?2, ?3)")?
        .execute(params![
            id,
            message.content,
            meta_tokens(user_id, message.conversation_id, &topics)
        ])?;
    Ok(ChatMessage {
        id,
        conversation_id: message.conversation_id,
        role: message.role,
        content: message.content.clone(),
        created_at: rfc3339(message.created_at_ms),
        complete: message.complete,
        topics,
        importance,
        actions: message.actions.clone(),
        refusals: message.refusals.clone(),
        usage: message.usage,
    })
}

/// The latest `limit` messages of a conversation of `user_id`, oldest first.
pub fn recent_messages(
    connection: &Connection,
    user_id: i64,
    conversation_id: i64,
    limit: u32,
) -> Result<Vec<ChatMessage>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m
         WHERE m.user_id = ?1 AND m.conversation_id = ?2 ORDER BY m.id DESC LIMIT ?3"
    ))?;
    let mut messages = statement
        .query_map(params![user_id, conversation_id, limit], message_row)?
        .map(|row| row?)
        .collect::<Result<Vec<_>, StoreError>>()?;
    messages.reverse();
    Ok(messages)
}

/// Every message of a conversation of `user_id`, oldest first.
pub fn conversation_messages(
    connection: &Connection,
    user_id: i64,
    conversation_id: i64,
) -> Result<Vec<ChatMessage>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages m
         WHERE m.user_id = ?1 AND m.conversation_id = ?2 ORDER BY m.id"
    ))?;
    let messages = statement
        .query_map(params![user_id, conversation_id], message_row)?
        .map(|row| row?)
        .collect();
    messages
}

/// Input plus output tokens of `user_id`'s messages stored at or after
/// `since_ms`.
pub fn tokens_used_since(
    connection: &Connection,
    user_id: i64,
    since_ms: i64,
) -> Result<u64, StoreError> {
    let total: i64 = connection.query_row(
        "SELECT COALESCE(SUM(input_tokens + output_tokens), 0) FROM messages
         WHERE user_id = ?1 AND created_at >= ?2",
        params![user_id, since_ms],
        |row| row.get(0),
    )?;
    Ok(u64::try_from(total).unwrap_or(0))
}

/// The users who have stored messages, with their account names.
pub fn owners(connection: &Connection) -> Result<Vec<(i64, String)>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT u.id, u.username FROM users u
         WHERE EXISTS (SELECT 1 FROM messages m WHERE m.user_id = u.id) ORDER BY u.id",
    )?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How the words of a query combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordMatch {
    /// Every word must occur (the search panel).
    All,
    /// Any word may occur, more matches rank higher (the coach's relevant
    /// earlier messages).
    Any,
}

/// The words of `q` as an FTS5 query: each run of letters and digits
/// quoted as a string, combined by `mode`. `None` when `q` has no words.
pub fn fts_words(q: &str, mode: WordMatch) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{}\"", w.to_lowercase()))
        .collect();
    let joiner = match mode {
        WordMatch::All => " ",
        WordMatch::Any => " OR ",
    };
    (!words.is_empty()).then(|| words.join(joiner))
}

/// `user_id`'s messages matching `query`, best first. Words are ranked by
/// BM25 (over the newest [`RANK_WINDOW`] matches) with importance as a
/// small weight; with no words and a topic, the
/// topic's messages newest first (rank 0); with neither, nothing. The
/// limit is clamped to 1..=[`MAX_SEARCH_LIMIT`].
pub fn search(
    connection: &Connection,
    user_id: i64,
    query: &SearchQuery,
) -> Result<Vec<SearchHit>, StoreError> {
    search_matching(connection, user_id, query, WordMatch::All)
}

/// [`search`] with the words combined by `mode`.
pub fn search_matching(
    connection: &Connection,
    user_id: i64,
    query: &SearchQuery,
    mode: WordMatch,
) -> Result<Vec<SearchHit>, StoreError> {
    let limit = query
        .limit
        .unwrap_or(DEFAULT_SEARCH_LIMIT)
        .clamp(1, MAX_SEARCH_LIMIT);
    let topic = query.topic.as_deref().filter(|t| !t.trim().is_empty());
    let Some(words) = fts_words(&query.q, mode) else {
        return match topic {
            Some(topic) => by_topic(connection, user_id, topic, query.conversation_id, limit),
            None => Ok(Vec::new()),
        };
    };
    let mut filters = vec![format!("u{user_id}")];
    if let Some(conversation_id) = query.conversation_id {
        filters.push(format!("c{conversation_id}"));
    }
    if let Some(topic) = topic {
        filters.push(topic_token(topic));
    }
    let fts_query = format!("meta : ({}) AND body : ({words})", filters.join(" AND "));
    // CROSS JOIN keeps the candidates as the outer loop: without table
    // statistics SQLite may otherwise scan all the user's messages and probe
    // the candidates (measured: 40 ms instead of 4 ms at 100,000 messages).
    // Whole rows are read only for the final hits.
    let mut statement = connection.prepare_cached(&format!(
        "WITH f AS (SELECT rowid AS id, rank AS score FROM messages_fts
                    WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?3),
              top AS (SELECT m.id AS id, f.score * (1.0 + ?4 * m.importance) AS weighted
                      FROM f CROSS JOIN messages m ON m.id = f.id AND m.user_id = ?2
                      ORDER BY weighted, m.id DESC LIMIT ?5)
         SELECT {MESSAGE_COLUMNS}, c.title, top.weighted
         FROM top CROSS JOIN messages m ON m.id = top.id AND m.user_id = ?2
         CROSS JOIN conversations c ON c.id = m.conversation_id AND c.user_id = ?2
         ORDER BY top.weighted, m.id DESC"
    ))?;
    let terms: Vec<String> = query
        .q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let rows = statement.query_map(
        params![fts_query, user_id, RANK_WINDOW, IMPORTANCE_WEIGHT, limit],
        |row| Ok((message_row(row)?, row.get::<_, String>(13)?, row.get(14)?)),
    )?;
    rows.map(|row| {
        let (message, title, rank) = row?;
        let message = message?;
        Ok(SearchHit {
            snippet: snippet(&message.content, &terms),
            message,
            conversation_title: title,
            rank,
        })
    })
    .collect()
}

/// The topic's messages, newest first.
fn by_topic(
    connection: &Connection,
    user_id: i64,
    topic: &str,
    conversation_id: Option<i64>,
    limit: u32,
) -> Result<Vec<SearchHit>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS}, c.title FROM message_topics t
         CROSS JOIN messages m ON m.id = t.message_id AND m.user_id = ?1
         JOIN conversations c ON c.id = m.conversation_id
         WHERE t.user_id = ?1 AND t.topic = ?2 AND (?3 IS NULL OR m.conversation_id = ?3)
         ORDER BY t.message_id DESC LIMIT ?4"
    ))?;
    let rows = statement.query_map(params![user_id, topic, conversation_id, limit], |row| {
        Ok((message_row(row)?, row.get::<_, String>(13)?))
    })?;
    rows.map(|row| {
        let (message, title) = row?;
        let message = message?;
        Ok(SearchHit {
            snippet: snippet(&message.content, &[]),
            message,
            conversation_title: title,
            rank: 0.0,
        })
    })
    .collect()
}

/// The index's `meta` text for a message.
fn meta_tokens(user_id: i64, conversation_id: i64, topics: &[String]) -> String {
    let mut meta = format!("u{user_id} c{conversation_id}");
    for topic in topics {
        meta.push(' ');
        meta.push_str(&topic_token(topic));
    }
    meta
}

/// One index token for a topic: `t` and the topic's bytes in lower-case hex
/// (letters and digits only, so the tokenizer keeps it whole).
fn topic_token(topic: &str) -> String {
    let mut token = String::with_capacity(1 + topic.len() * 2);
    token.push('t');
    for byte in topic.bytes() {
        token.push_str(&format!("{byte:02x}"));
    }
    token
}

/// Words of context kept around the first match in a snippet.
const SNIPPET_WORDS: usize = 16;

/// Up to [`SNIPPET_WORDS`] words of `content` from a little before the first
/// word matching a term, matched words between `[` and `]`, `…` where cut.
/// A word matches a term when one starts with the other and the shorter has
/// at least 4 letters (so `backtesting` matches `backtest`), or they are equal.
fn snippet(content: &str, terms: &[String]) -> String {
    let words: Vec<&str> = content.split_whitespace().collect();
    let matches = |word: &str| {
        let bare: String = word
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        !bare.is_empty()
            && terms.iter().any(|term| {
                bare == *term
                    || (bare.len().min(term.len()) >= 4
                        && (bare.starts_with(term.as_str()) || term.starts_with(bare.as_str())))
            })
    };
    let first = words.iter().position(|w| matches(w)).unwrap_or(0);
    let start = first.saturating_sub(4);
    let end = (start + SNIPPET_WORDS).min(words.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    for (index, word) in words[start..end].iter().enumerate() {
        if index > 0 || start > 0 {
            out.push(' ');
        }
        if matches(word) {
            out.push('[');
            out.push_str(word);
            out.push(']');
        } else {
            out.push_str(word);
        }
    }
    if end < words.len() {
        out.push_str(" …");
    }
    out
}

/// Reads one row of [`MESSAGE_COLUMNS`]; decoding errors are the inner result.
pub(crate) fn message_row(row: &Row<'_>) -> rusqlite::Result<Result<ChatMessage, StoreError>> {
    let role: String = row.get(2)?;
    let topics: String = row.get(6)?;
    let actions: String = row.get(8)?;
    let refusals: String = row.get(9)?;
    let input: i64 = row.get(10)?;
    let output: i64 = row.get(11)?;
    let id = row.get(0)?;
    let conversation_id = row.get(1)?;
    let content = row.get(3)?;
    let created_at: i64 = row.get(4)?;
    let complete = row.get(5)?;
    let importance = row.get(7)?;
    let estimated = row.get(12)?;
    Ok((|| {
        Ok(ChatMessage {
            id,
            conversation_id,
            role: MessageRole::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("message role {role:?}")))?,
            content,
            created_at: rfc3339(created_at),
            complete,
            topics: from_json(&topics)?,
            importance,
            actions: from_json(&actions)?,
            refusals: from_json(&refusals)?,
            usage: TokenUsage {
                input_tokens: u64::try_from(input).unwrap_or(0),
                output_tokens: u64::try_from(output).unwrap_or(0),
                estimated,
            },
        })
    })())
}

fn clamp_tokens(tokens: u64) -> i64 {
    i64::try_from(tokens).unwrap_or(i64::MAX)
}

pub(crate) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;
    use shared::api::Role;

    use super::*;
    use crate::store::{conversations, migrations, users};

    fn store() -> (Connection, i64, i64) {
        let mut connection = Connection::open_in_memory().unwrap();
        migrations::migrate(&mut connection).unwrap();
        let tx = connection.transaction().unwrap();
        let ann = users::create(&tx, "ann", "h", Role::Analyst, false, 1).unwrap();
        let bob = users::create(&tx, "bob", "h", Role::Analyst, false, 1).unwrap();
        tx.commit().unwrap();
        (connection, ann, bob)
    }

    fn message(conversation_id: i64, role: MessageRole, content: &str, at: i64) -> NewMessage {
        NewMessage {
            conversation_id,
            role,
            content: content.into(),
            complete: true,
            actions: vec![],
            refusals: vec![],
            usage: TokenUsage {
                input_tokens: 10,
                output_tokens: 5,
                estimated: false,
            },
            provider: None,
            model: None,
            created_at_ms: at,
        }
    }

    #[test]
    fn any_word_matching_finds_messages_with_some_of_the_words() {
        let (mut connection, ann, _) = store();
        let tx = connection.transaction().unwrap();
        let a = conversations::create_conversation(&tx, ann, "a", 1)
            .unwrap()
            .id;
        let forest = insert_message(
            &tx,
            ann,
            &message(a, MessageRole::User, "the random forest looked good", 2),
        )
        .unwrap();
        let both = insert_message(
            &tx,
            ann,
            &message(
                a,
                MessageRole::User,
                "a random forest beat the momentum rule",
                3,
            ),
        )
        .unwrap();
        insert_message(
            &tx,
            ann,
            &message(a, MessageRole::User, "nothing related here", 4),
        )
        .unwrap();
        tx.commit().unwrap();
        let query = SearchQuery {
            q: "forest momentum".into(),
            ..Default::default()
        };
        let all = search(&connection, ann, &query).unwrap();
        assert_eq!(
            all.iter().map(|h| h.message.id).collect::<Vec<_>>(),
            vec![both.id]
        );
        let any = search_matching(&connection, ann, &query, WordMatch::Any).unwrap();
        let ids: Vec<i64> = any.iter().map(|h| h.message.id).collect();
        assert_eq!(
            ids,
            vec![both.id, forest.id],
            "more matched words rank first"
        );
        assert_eq!(
            fts_words("a OR b", WordMatch::Any).as_deref(),
            Some("\"a\" OR \"or\" OR \"b\"")
        );
    }

    #[test]
    fn search_ranks_filters_and_isolates_users() {
        let (mut connection, ann, bob) = store();
        let tx = connection.transaction().unwrap();
        let a = conversations::create_conversation(&tx, ann, "ann's", 1)
            .unwrap()
            .id;
        let b = conversations::create_conversation(&tx, bob, "bob's", 1)
            .unwrap()
            .id;
        let strong = insert_message(
            &tx,
            ann,
            &message(
                a,
                MessageRole::User,
                "Backtesting the random forest on sp500: backtest, backtest.",
                2,
            ),
        )
        .unwrap();
        let weak = insert_message(&tx, ann, &message(a, MessageRole::Assistant, "A backtest of gradient boosting on the nasdaq with a long text about many other things entirely.", 3)).unwrap();
        insert_message(
            &tx,
            bob,
            &message(b, MessageRole::User, "My secret backtest on sp500", 4),
        )
        .unwrap();
        assert!(insert_message(&tx, bob, &message(a, MessageRole::User, "into ann's", 5)).is_err());
        tx.commit().unwrap();

        let hits = search(
            &connection,
            ann,
            &SearchQuery {
                q: "backtest".into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            hits.iter().map(|h| h.message.id).collect::<Vec<_>>(),
            vec![strong.id, weak.id]
        );
        assert!(hits[0].rank < hits[1].rank);
        assert!(
            hits[0].snippet.contains("[backtest,]") || hits[0].snippet.contains("[Backtesting"),
            "{}",
            hits[0].snippet
        );
        let topic = search(
            &connection,
            ann,
            &SearchQuery {
                q: "backtest".into(),
                topic: Some("dataset:nasdaq".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            topic.iter().map(|h| h.message.id).collect::<Vec<_>>(),
            vec![weak.id]
        );
        let by_topic = search(
            &connection,
            ann,
            &SearchQuery {
                q: " ".into(),
                topic: Some("dataset:sp500".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            by_topic.iter().map(|h| h.message.id).collect::<Vec<_>>(),
            vec![strong.id]
        );
        // FTS5 syntax in the words is inert.
        let injected = search(
            &connection,
            ann,
            &SearchQuery {
                q: "secret OR meta:u2 NEAR(\"x\" *".into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert!(injected.is_empty());
        let bobs = search(
            &connection,
            bob,
            &SearchQuery {
                q: "backtest".into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(bobs.len(), 1);
        assert_eq!(bobs[0].conversation_title, "bob's");
        assert_eq!(tokens_used_since(&connection, ann, 0).unwrap(), 30);
        assert_eq!(tokens_used_since(&connection, ann, 3).unwrap(), 15);
        let recent = recent_messages(&connection, ann, a, 1).unwrap();
        assert_eq!(
            recent.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![weak.id]
        );
        assert!(recent_messages(&connection, bob, a, 10).unwrap().is_empty());
    }
}
