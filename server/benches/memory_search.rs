//! Memory search benchmark: a temporary SQLite store filled with 100,000
//! realistic finance messages (built deterministically from word lists by
//! a seeded generator, inserted through `insert_message` in batched
//! transactions, 90% for one user and 10% for another), then 1,000 searches
//! of 1 to 3 words, a third of them with a topic filter, through
//! `store::conversations::search`. Prints p50, p95, p99 and max latency in
//! milliseconds. The target is p99 under 20 ms.
//!
//! Run with `cargo bench -p server --bench memory_search`;
//! `MEMORY_MESSAGES` and `MEMORY_QUERIES` override the counts. Measures
//! only; asserts nothing about speed.

use std::time::{Duration, Instant};

use rusqlite::Connection;
use server::store::conversations::{self, NewMessage};
use server::store::{migrations, users};
use shared::api::{MessageRole, Role, SearchQuery, TokenUsage};

/// SplitMix64: a small, seeded, deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const OPENERS: &[&str] = &[
    "I want to",
    "Let's",
    "Could you",
    "Please",
    "We should",
    "My goal is to",
    "Can we",
    "I'd like to",
    "Next, let's",
    "Then",
];
const VERBS: &[&str] = &[
    "train", "backtest", "evaluate", "compare", "tune", "price", "forecast", "rank", "test", "fit",
];
const MODELS: &[&str] = &[
    "a random forest",
    "gradient boosting",
    "logistic regression",
    "k-means clustering",
    "a small neural network",
    "ridge regression",
    "an SVM",
    "naive Bayes",
    "extra trees",
    "a kNN classifier",
    "a decision tree",
    "a voting ensemble",
];
const DATASETS: &[&str] = &[
    "the S&P 500",
    "sp500",
    "the Nasdaq",
    "VIX",
    "crude oil",
    "core CPI",
    "AAA yields",
    "BAA yields",
    "AAPL shares",
    "$MSFT",
    "$NVDA",
    "TSLA stock",
];
const METRICS: &[&str] = &[
    "Sharpe",
    "accuracy",
    "max drawdown",
    "volatility",
    "hit rate",
    "CVaR",
    "returns",
    "Sortino",
    "precision",
    "AUC",
];
const CONCEPTS: &[&str] = &[
    "momentum",
    "mean reversion",
    "RSI",
    "MACD",
    "Bollinger bands",
    "risk parity",
    "walk-forward folds",
    "overfitting",
    "the horizon",
    "implied volatility",
    "the Greeks",
    "a put option",
    "a call option",
    "regimes",
    "transaction costs",
];
const HORIZONS: &[&str] = &[
    "1 day",
    "5 days",
    "10 days",
    "a month",
    "a quarter",
    "20 days",
];
const SMALL_TALK: &[&str] = &["thanks!", "ok", "great, thank you", "hi", "sounds good"];

/// One message of `role`, 1 to 3 sentences.
fn message(rng: &mut Rng, role: MessageRole) -> String {
    if role == MessageRole::User && rng.below(10) == 0 {
        return rng.pick(SMALL_TALK).to_string();
    }
    let sentences = 1 + rng.below(3);
    let mut text = String::new();
    for i in 0..sentences {
        if i > 0 {
            text.push(' ');
        }
        let sentence = match (role, rng.below(4)) {
            (MessageRole::Result, _) => format!(
                "{} on {} over {}: {} {:.2}, {} {:.1}%.",
                rng.pick(MODELS),
                rng.pick(DATASETS),
                rng.pick(HORIZONS),
                rng.pick(METRICS),
                (rng.below(300) as f64) / 100.0,
                rng.pick(METRICS),
                (rng.below(1000) as f64) / 10.0
            ),
            (_, 0) => format!(
                "{} {} {} on {} with a horizon of {}.",
                rng.pick(OPENERS),
                rng.pick(VERBS),
                rng.pick(MODELS),
                rng.pick(DATASETS),
                rng.pick(HORIZONS)
            ),
            (_, 1) => format!(
                "How does {} affect the {} of {}?",
                rng.pick(CONCEPTS),
                rng.pick(METRICS),
                rng.pick(MODELS)
            ),
            (_, 2) => format!(
                "{} usually helps on {}, but watch {} and {}.",
                rng.pick(CONCEPTS),
                rng.pick(DATASETS),
                rng.pick(CONCEPTS),
                rng.pick(METRICS)
            ),
            _ => format!(
                "The {} of {} on {} looked better after we added {}.",
                rng.pick(METRICS),
                rng.pick(MODELS),
                rng.pick(DATASETS),
                rng.pick(CONCEPTS)
            ),
        };
        text.push_str(&sentence);
    }
    text
}

/// Words queries are drawn from.
const QUERY_WORDS: &[&str] = &[
    "sharpe",
    "drawdown",
    "forest",
    "boosting",
    "momentum",
    "nasdaq",
    "volatility",
    "backtest",
    "horizon",
    "regression",
    "overfitting",
    "parity",
    "bollinger",
    "oil",
    "cpi",
    "yields",
    "option",
    "greeks",
    "accuracy",
    "ensemble",
    "clustering",
    "regimes",
    "tune",
    "compare",
    "costs",
    "reversion",
    "macd",
    "rsi",
    "aapl",
    "neural",
    "precision",
    "sortino",
];
/// Topic filters queries use.
const QUERY_TOPICS: &[&str] = &[
    "dataset:sp500",
    "dataset:nasdaq",
    "family:random_forest",
    "family:gradient_boosting",
    "concept:sharpe",
    "concept:momentum",
    "concept:drawdown",
    "symbol:AAPL",
    "family:clustering",
    "concept:risk_parity",
];

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}

fn main() {
    let messages = env_count("MEMORY_MESSAGES", 100_000);
    let queries = env_count("MEMORY_QUERIES", 1_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut connection =
        Connection::open(dir.path().join("memory.sqlite3")).expect("open the database");
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .expect("WAL");
    migrations::migrate(&mut connection).expect("migrate");
    let tx = connection.transaction().expect("transaction");
    let ann = users::create(&tx, "ann", "hash", Role::Analyst, false, 0).expect("ann");
    let bob = users::create(&tx, "bob", "hash", Role::Analyst, false, 0).expect("bob");
    tx.commit().expect("commit");

    let mut rng = Rng(0x5EED_2026);
    let started = Instant::now();
    let roles = [
        MessageRole::User,
        MessageRole::Assistant,
        MessageRole::Result,
    ];
    let per_conversation = 500;
    let batch = 5_000;
    let mut conversation = (0, 0, 0); // (user, id, messages so far)
    let mut written = 0;
    while written < messages {
        let tx = connection.transaction().expect("transaction");
        for _ in 0..batch.min(messages - written) {
            if conversation.1 == 0 || conversation.2 == per_conversation {
                let user = if rng.below(10) == 0 { bob } else { ann };
                let created = conversations::create_conversation(
                    &tx,
                    user,
                    &format!("Conversation {written}"),
                    written as i64,
                )
                .expect("conversation");
                conversation = (user, created.id, 0);
            }
            let role = roles[conversation.2 % 3];
            let content = message(&mut rng, role);
            conversations::insert_message(
                &tx,
                conversation.0,
                &NewMessage {
                    conversation_id: conversation.1,
                    role,
                    content,
                    complete: true,
                    actions: vec![],
                    refusals: vec![],
                    usage: TokenUsage::default(),
                    provider: None,
                    model: None,
                    created_at_ms: 1_700_000_000_000 + written as i64 * 60_000,
                },
            )
            .expect("insert");
            conversation.2 += 1;
            written += 1;
        }
        tx.commit().expect("commit");
    }
    println!(
        "filled {messages} messages in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut latencies = Vec::with_capacity(queries);
    let mut total_hits = 0usize;
    let mut with_topic = 0usize;
    for _ in 0..queries {
        let words = 1 + rng.below(3);
        let q = (0..words)
            .map(|_| rng.pick(QUERY_WORDS))
            .collect::<Vec<_>>()
            .join(" ");
        let topic = (rng.below(3) == 0).then(|| rng.pick(QUERY_TOPICS).to_string());
        with_topic += usize::from(topic.is_some());
        let user = if rng.below(10) == 0 { bob } else { ann };
        let query = SearchQuery {
            q,
            topic,
            conversation_id: None,
            limit: Some(20),
        };
        let start = Instant::now();
        let hits = conversations::search(&connection, user, &query).expect("search");
        latencies.push(start.elapsed());
        total_hits += hits.len();
    }
    latencies.sort();
    println!(
        "{queries} searches ({with_topic} with a topic filter), {:.1} hits on average",
        total_hits as f64 / queries as f64
    );
    println!(
        "latency ms: p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
}
