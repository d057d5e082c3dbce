//! Topic tags of a message, for search filters and importance:
//! `dataset:<id>`, `symbol:<TICKER>`, `model:<catalog name>`,
//! `family:<family>` and `concept:<name>`. Pure string work with lookup
//! tables built once; no regular expressions.
//!
//! Rules (kept simple on purpose):
//! * The text is normalised once: lower case, letters, digits, `_`, `&`
//!   and `^` kept, everything else a space (so `k-means` reads `k means`).
//!   Phrases (dataset names and aliases, family phrases, concepts) match
//!   whole words of that text.
//! * `dataset:<id>`: a bundled dataset's id, its id with spaces, its
//!   provenance symbol when that is an index or series id (`^GSPC`,
//!   `DCOILWTICO`; not a plain ticker) or an alias such as "S&P 500".
//! * `model:<name>`: a word equal to a catalog entry's name
//!   (e.g. `random_forest_100`); it also tags the entry's family.
//! * `family:<family>`: a family's wire name or a phrase for it
//!   ("random forest", "gradient boosting", "k-means", ...).
//! * `symbol:<TICKER>`: in the original text, `$` followed by 1 to 5
//!   capitals (optionally `.` and 1 or 2 more, as in `BRK.B`) always; a
//!   bare token of that shape only if it is a well-known ticker or stands
//!   next to a word such as "stock", "shares" or "ticker", and is not on
//!   the stoplist of common capitalised words ("I", "A", "USD", "OK",
//!   "ETF", "CPI", ...).
//! * `concept:<name>`: financial concepts from a fixed phrase list.
//!
//! Must not: guess beyond these tables, or depend on the order of the
//! catalog (the output is sorted and de-duplicated).

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// Family phrases (normalised) and the family they name.
const FAMILY_PHRASES: &[(&str, &str)] = &[
    ("random forest", "random_forest"),
    ("random forests", "random_forest"),
    ("gradient boosting", "gradient_boosting"),
    ("gradient boosted", "gradient_boosting"),
    ("boosted trees", "gradient_boosting"),
    ("xgboost", "gradient_boosting"),
    ("lightgbm", "gradient_boosting"),
    ("gbm", "gradient_boosting"),
    ("decision tree", "decision_tree"),
    ("decision trees", "decision_tree"),
    ("extra trees", "extra_trees"),
    ("extremely randomised trees", "extra_trees"),
    ("extremely randomized trees", "extra_trees"),
    ("linear regression", "linear"),
    ("ols", "linear"),
    ("ridge", "regularised_linear"),
    ("lasso", "regularised_linear"),
    ("elastic net", "regularised_linear"),
    ("regularized linear", "regularised_linear"),
    ("logistic regression", "logistic"),
    ("knn", "knn"),
    ("k nearest neighbors", "knn"),
    ("k nearest neighbours", "knn"),
    ("nearest neighbors", "knn"),
    ("nearest neighbours", "knn"),
    ("naive bayes", "naive_bayes"),
    ("support vector", "svm"),
    ("support vector machine", "svm"),
    ("neural network", "mlp"),
    ("neural networks", "mlp"),
    ("neural net", "mlp"),
    ("perceptron", "mlp"),
    ("k means", "clustering"),
    ("kmeans", "clustering"),
    ("dbscan", "clustering"),
    ("gaussian mixture", "clustering"),
    ("gmm", "clustering"),
    ("agglomerative", "clustering"),
    ("pca", "pca_pipeline"),
    ("principal component", "pca_pipeline"),
    ("principal components", "pca_pipeline"),
    ("voting", "ensemble"),
    ("stacking", "ensemble"),
    ("bagging", "ensemble"),
    ("adaboost", "ensemble"),
];

/// Concept phrases (normalised) and the concept they name.
const CONCEPT_PHRASES: &[(&str, &str)] = &[
    ("volatility", "volatility"),
    ("implied volatility", "implied_volatility"),
    ("implied vol", "implied_volatility"),
    ("sharpe", "sharpe"),
    ("sortino", "sortino"),
    ("drawdown", "drawdown"),
    ("drawdowns", "drawdown"),
    ("var", "var"),
    ("value at risk", "var"),
    ("cvar", "cvar"),
    ("expected shortfall", "cvar"),
    ("option", "option"),
    ("options", "option"),
    ("call option", "call"),
    ("call options", "call"),
    ("calls", "call"),
    ("put option", "put"),
    ("put options", "put"),
    ("puts", "put"),
    ("greeks", "greeks"),
    ("delta", "greeks"),
    ("gamma", "greeks"),
    ("vega", "greeks"),
    ("theta", "greeks"),
    ("black scholes", "black_scholes"),
    ("monte carlo", "monte_carlo"),
    ("momentum", "momentum"),
    ("rsi", "rsi"),
    ("relative strength index", "rsi"),
    ("macd", "macd"),
    ("bollinger", "bollinger"),
    ("moving average", "moving_average"),
    ("moving averages", "moving_average"),
    ("mean reversion", "mean_reversion"),
    ("backtest", "backtest"),
    ("backtests", "backtest"),
    ("backtesting", "backtest"),
    ("back test", "backtest"),
    ("portfolio", "portfolio"),
    ("portfolios", "portfolio"),
    ("risk parity", "risk_parity"),
    ("walk forward", "walk_forward"),
    ("walk_forward", "walk_forward"),
    ("overfitting", "overfitting"),
    ("overfit", "overfitting"),
    ("over fitting", "overfitting"),
    ("horizon", "horizon"),
    ("accuracy", "accuracy"),
    ("correlation", "correlation"),
    ("regime", "regime"),
    ("regimes", "regime"),
    ("returns", "returns"),
    ("inflation", "inflation"),
    ("yield", "yield"),
    ("yields", "yield"),
];

/// Extra dataset aliases (normalised), by bundled id; used only for ids
/// the bundled catalog has.
const DATASET_ALIASES: &[(&str, &str)] = &[
    ("s&p 500", "sp500"),
    ("s&p500", "sp500"),
    ("sp 500", "sp500"),
    ("spx", "sp500"),
    ("nasdaq composite", "nasdaq"),
    ("cboe vix", "vix"),
    ("crude oil", "wti"),
    ("oil price", "wti"),
    ("oil prices", "wti"),
    ("core cpi", "core_cpi"),
    ("aaa bond", "aaa_yield"),
    ("aaa bonds", "aaa_yield"),
    ("baa bond", "baa_yield"),
    ("baa bonds", "baa_yield"),
];

/// Tickers recognised without a `$` or a context word.
const WELL_KNOWN_TICKERS: &[&str] = &[
    "AAPL", "MSFT", "GOOG", "GOOGL", "AMZN", "META", "NVDA", "TSLA", "NFLX", "AMD", "INTC", "JPM",
    "BAC", "WMT", "XOM", "KO", "PEP", "DIS", "BRK.A", "BRK.B", "SPY", "QQQ", "IWM", "DIA", "TLT",
    "GLD", "VTI", "VOO",
];

/// Capitalised words that are never tickers on their own.
const STOPLIST: &[&str] = &[
    "I", "A", "OK", "USD", "EUR", "GBP", "JPY", "CEO", "CFO", "ETF", "ETFS", "AI", "ML", "API",
    "CSV", "JSON", "GDP", "CPI", "FED", "FOMC", "RSI", "MACD", "VAR", "CVAR", "SMA", "EMA", "ATR",
    "OHLC", "OHLCV", "US", "USA", "UK", "EU", "IPO", "PE", "EPS", "ROI", "YTD", "FYI", "LSTM",
    "MLP", "SVM", "KNN", "PCA", "GBM", "NN", "RF", "SP", "VIX", "WTI", "AAA", "BAA", "AND", "OR",
    "THE", "IT", "IS", "AM", "PM", "ET", "UTC", "MY", "ME", "NO", "SO", "TO", "DO", "GO", "BE",
    "ON", "IN", "AT", "OF", "IF", "AN", "AS", "BY", "UP", "WE", "HE", "NOT", "BUY", "SELL", "IV",
    "AUC", "MAE", "RMSE", "MSE", "OLS", "FRED", "NYSE", "SEC", "NOTE",
];

/// Words that make a neighbouring capitalised token a ticker.
const TICKER_CONTEXT: &[&str] = &[
    "stock", "stocks", "share", "shares", "ticker", "tickers", "symbol", "equity", "equities",
];

/// The phrase tables, normalised and padded with spaces, built once.
struct Tables {
    /// (` phrase `, topic)
    phrases: Vec<(String, String)>,
    /// Catalog name -> (`model:` topic, `family:` topic).
    models: HashMap<String, (String, String)>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut phrases = Vec::new();
        let mut add = |phrase: &str, topic: String| {
            let normal = normalise(phrase);
            if !normal.trim().is_empty() {
                phrases.push((normal, topic));
            }
        };
        for info in crate::data::bundled::catalog() {
            let topic = format!("dataset:{}", info.id);
            add(info.id, topic.clone());
            add(&info.id.replace('_', " "), topic.clone());
            // Series ids and index symbols (`^GSPC`, `DCOILWTICO`); plain
            // tickers such as `AAPL` are `symbol:` topics, not datasets.
            if info.symbol.starts_with('^') || info.symbol.len() > 5 {
                add(info.symbol, topic);
            }
        }
        for (alias, id) in DATASET_ALIASES {
            if crate::data::bundled::catalog().iter().any(|d| d.id == *id) {
                add(alias, format!("dataset:{id}"));
            }
        }
        for family in crate::models::Family::ALL {
            let name = family.as_str();
            add(name, format!("family:{name}"));
            add(&name.replace('_', " "), format!("family:{name}"));
        }
        for (phrase, family) in FAMILY_PHRASES {
            add(phrase, format!("family:{family}"));
        }
        for (phrase, concept) in CONCEPT_PHRASES {
            add(phrase, format!("concept:{concept}"));
        }
        let models = crate::models::catalog()
            .into_iter()
            .map(|entry| {
                let name = entry.spec.name.clone();
                let topics = (
                    format!("model:{name}"),
                    format!("family:{}", entry.spec.family.as_str()),
                );
                (name, topics)
            })
            .collect();
        Tables { phrases, models }
    })
}

/// Lower case; letters, digits, `_`, `&`, `^` kept; runs of anything else
/// one space; padded with one space each side.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars() {
        if c.is_alphanumeric() || matches!(c, '_' | '&' | '^') {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// The sorted, de-duplicated topics of `text` (see the module's rules).
pub fn extract(text: &str) -> Vec<String> {
    let tables = tables();
    let normal = normalise(text);
    let mut found = BTreeSet::new();
    for (phrase, topic) in &tables.phrases {
        if normal.contains(phrase.as_str()) {
            found.insert(topic.clone());
        }
    }
    for word in normal.split(' ').filter(|w| w.contains('_') || w.len() > 2) {
        if let Some((model, family)) = tables.models.get(word) {
            found.insert(model.clone());
            found.insert(family.clone());
        }
    }
    for symbol in symbols(text) {
        found.insert(format!("symbol:{symbol}"));
    }
    found.into_iter().collect()
}

/// Tickers in `text` by the module's symbol rule.
fn symbols(text: &str) -> Vec<String> {
    let words: Vec<&str> = text
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')' | '"' | '!' | '?')
        })
        .filter(|w| !w.is_empty())
        .collect();
    let is_context = |index: Option<usize>| {
        index
            .and_then(|i| words.get(i))
            .map(|w| {
                let w = w
                    .trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase();
                TICKER_CONTEXT.contains(&w.as_str())
            })
            .unwrap_or(false)
    };
    let mut out = Vec::new();
    for (index, word) in words.iter().enumerate() {
        let (dollar, bare) = match word.strip_prefix('$') {
            Some(rest) => (true, rest),
            None => (false, *word),
        };
        let candidate = bare.trim_end_matches(['.', '\'']);
        let candidate = candidate.strip_suffix("'s").unwrap_or(candidate);
        if !ticker_shape(candidate) {
            continue;
        }
        let accepted = if dollar {
            true
        } else {
            !STOPLIST.contains(&candidate)
                && (WELL_KNOWN_TICKERS.contains(&candidate)
                    || is_context(index.checked_sub(1))
                    || is_context(Some(index + 1)))
        };
        if accepted {
            out.push(candidate.to_string());
        }
    }
    out
}

/// 1 to 5 ASCII capitals, optionally `.` and 1 or 2 more (`BRK.B`).
fn ticker_shape(token: &str) -> bool {
    let (head, tail) = match token.split_once('.') {
        Some((head, tail)) => (head, Some(tail)),
        None => (token, None),
    };
    let capitals = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_uppercase())
    };
    capitals(head, 5) && tail.is_none_or(|t| capitals(t, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(topics: &[String], topic: &str) -> bool {
        topics.iter().any(|t| t == topic)
    }

    #[test]
    fn datasets_by_id_name_and_alias() {
        let topics = extract("Compare the S&P 500 with sp500 and crude oil (WTI), and ^IXIC.");
        assert!(has(&topics, "dataset:sp500"), "{topics:?}");
        assert!(has(&topics, "dataset:wti"), "{topics:?}");
        assert!(has(&topics, "dataset:nasdaq"), "{topics:?}");
        assert!(!has(&topics, "dataset:vix"), "{topics:?}");
    }

    #[test]
    fn families_models_and_concepts() {
        let forest = crate::models::catalog()
            .into_iter()
            .find(|e| e.spec.family == crate::models::Family::RandomForest)
            .expect("a forest entry")
            .spec
            .name;
        let topics = extract(&format!(
            "Train a Random Forest and k-means, then {forest}; check the Sharpe, \
             max drawdown, implied volatility and walk-forward overfitting."
        ));
        let model = format!("model:{forest}");
        for topic in [
            "family:random_forest",
            "family:clustering",
            model.as_str(),
            "concept:sharpe",
            "concept:drawdown",
            "concept:implied_volatility",
            "concept:volatility",
            "concept:walk_forward",
            "concept:overfitting",
        ] {
            assert!(has(&topics, topic), "{topic} missing from {topics:?}");
        }
    }

    #[test]
    fn tickers_need_a_dollar_a_context_word_or_fame() {
        let topics =
            extract("I think $XYZ and AAPL and BRK.B look OK; ABCD stock too, but USD and I not.");
        assert!(has(&topics, "symbol:XYZ"), "{topics:?}");
        assert!(has(&topics, "symbol:AAPL"), "{topics:?}");
        assert!(has(&topics, "symbol:BRK.B"), "{topics:?}");
        assert!(has(&topics, "symbol:ABCD"), "{topics:?}");
        for absent in ["symbol:I", "symbol:OK", "symbol:USD", "symbol:A"] {
            assert!(!has(&topics, absent), "{absent} in {topics:?}");
        }
        assert!(extract("HELLO THERE").is_empty());
    }

    #[test]
    fn sorted_and_unique() {
        let topics = extract("sharpe Sharpe SHARPE $AAPL AAPL momentum");
        let mut sorted = topics.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(topics, sorted);
        assert_eq!(
            topics,
            vec!["concept:momentum", "concept:sharpe", "symbol:AAPL"]
        );
    }

    #[test]
    fn words_inside_words_do_not_match() {
        let topics = extract("variance and optional puzzles");
        assert!(topics.is_empty(), "{topics:?}");
    }
}
