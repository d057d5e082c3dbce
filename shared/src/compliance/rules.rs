//! The compliance rules as data: which sources are approved, what counts as
//! synthetic data, which models may be recorded, and the bounds on symbols,
//! dates and parameters. Rules carry a version and a content hash, and the
//! server holds one fixed [`Rules`] value for its whole run.
//!
//! This file only describes rules; [`super::check`] applies them.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The complete rule set in force.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// Human-readable version, bumped on every change, e.g. `2026.11.1`.
    pub version: String,
    /// Data sources a request or result may use.
    pub approved_sources: Vec<SourceRule>,
    /// Lower-case words and phrases that mark data as synthetic. A source,
    /// symbol or goal containing one is refused (rule `data.no_synthetic`).
    pub synthetic_markers: Vec<String>,
    /// Model families whose results may be recorded: the catalog's families
    /// and the finance runs (`portfolio`, `risk`, `backtest`).
    pub allowed_model_families: Vec<String>,
    /// Longest model name; names are lower-case `[a-z0-9_]`.
    pub max_model_name_len: usize,
    /// Earliest date any request may ask for (`YYYY-MM-DD`).
    pub earliest_date: String,
    /// Bar sizes a market-data request may ask for.
    pub allowed_timespans: Vec<String>,
    /// Largest bar multiplier (e.g. 15 for 15-minute bars).
    pub max_multiplier: u32,
    /// Longest span, in days, of one intraday (minute or hour) request.
    pub max_intraday_span_days: u32,
    /// Bounds on named numeric parameters of recorded results.
    pub parameter_bounds: Vec<ParameterBound>,
    /// Longest goal text, in characters.
    pub max_goal_chars: usize,
}

/// One approved source and the shape its symbols must have.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceRule {
    /// Source name on the wire: `polygon`, `fred`, `bundled`, `user_upload`.
    pub name: String,
    /// What the source is.
    pub description: String,
    /// The symbols it accepts.
    pub symbol: SymbolFormat,
}

/// A symbol format as data: length bounds and the characters allowed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SymbolFormat {
    /// Shortest symbol.
    pub min_len: usize,
    /// Longest symbol.
    pub max_len: usize,
    /// Every character must be one of these.
    pub allowed_chars: String,
    /// Whether the first character must be an ASCII letter.
    pub starts_with_letter: bool,
    /// The format in words, for error messages, e.g. `1-10 of A-Z 0-9 . :`.
    pub description: String,
}

/// Inclusive bounds for one named numeric parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParameterBound {
    /// Parameter name, e.g. `horizon_days`.
    pub name: String,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
}

/// The rules as served by `GET /api/compliance/rules`: the rules with their
/// version and hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RulesDocument {
    /// Same as `rules.version`.
    pub version: String,
    /// Lower-case hex SHA-256 of the canonical encoding, see [`Rules::hash`].
    pub hash: String,
    /// The rules themselves.
    pub rules: Rules,
}

const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

impl Rules {
    /// The default rule set (DESIGN.md, "Compliance, in short").
    pub fn default_rules() -> Rules {
        let source = |name: &str, description: &str, symbol: SymbolFormat| SourceRule {
            name: name.to_string(),
            description: description.to_string(),
            symbol,
        };
        Rules {
            version: "2026.11.1".to_string(),
            approved_sources: vec![
                source(
                    "polygon",
                    "Polygon.io aggregates (live market bars)",
                    SymbolFormat {
                        min_len: 1,
                        max_len: 16,
                        allowed_chars: format!("{UPPER_DIGITS}.:"),
                        starts_with_letter: true,
                        description: "1-16 characters of A-Z 0-9 . : starting with a letter \
                                      (e.g. AAPL, BRK.B, I:SPX, X:BTCUSD)"
                            .to_string(),
                    },
                ),
                source(
                    "fred",
                    "Federal Reserve Economic Data series observations",
                    SymbolFormat {
                        min_len: 1,
                        max_len: 40,
                        allowed_chars: format!("{UPPER_DIGITS}_"),
                        starts_with_letter: true,
                        description: "1-40 characters of A-Z 0-9 _ starting with a letter \
                                      (e.g. DGS10, CPILFESL)"
                            .to_string(),
                    },
                ),
                source(
                    "bundled",
                    "Real datasets shipped with mlTrainer, with their published origin",
                    SymbolFormat {
                        min_len: 1,
                        max_len: 40,
                        allowed_chars: "abcdefghijklmnopqrstuvwxyz0123456789_".to_string(),
                        starts_with_letter: true,
                        description: "a bundled dataset id (lower-case a-z 0-9 _, e.g. sp500)"
                            .to_string(),
                    },
                ),
                source(
                    "user_upload",
                    "A CSV file the user uploaded, stored with its hash",
                    SymbolFormat {
                        min_len: 1,
                        max_len: 19,
                        allowed_chars: "0123456789".to_string(),
                        starts_with_letter: false,
                        description: "an upload id (digits)".to_string(),
                    },
                ),
            ],
            synthetic_markers: [
                "synthetic",
                "simulated data",
                "simulated prices",
                "simulated returns",
                "fake data",
                "fake prices",
                "made-up",
                "made up data",
                "random data",
                "random prices",
                "generated data",
                "generated prices",
                "mock data",
                "dummy data",
            ]
            .iter()
            .map(|marker| marker.to_string())
            .collect(),
            allowed_model_families: [
                "linear",
                "regularised_linear",
                "logistic",
                "decision_tree",
                "random_forest",
                "extra_trees",
                "gradient_boosting",
                "knn",
                "naive_bayes",
                "svm",
                "mlp",
                "clustering",
                "pca_pipeline",
                "ensemble",
                "baseline",
                "portfolio",
                "risk",
                "backtest",
            ]
            .iter()
            .map(|family| family.to_string())
            .collect(),
            max_model_name_len: 64,
            earliest_date: "1900-01-01".to_string(),
            allowed_timespans: ["minute", "hour", "day", "week", "month", "quarter", "year"]
                .iter()
                .map(|timespan| timespan.to_string())
                .collect(),
            max_multiplier: 60,
            max_intraday_span_days: 31,
            parameter_bounds: vec![
                bound("horizon_days", 1.0, 252.0),
                bound("train_window", 20.0, 20_000.0),
                bound("test_window", 1.0, 5_000.0),
                bound("gap", 0.0, 252.0),
                bound("n_estimators", 1.0, 2_000.0),
                bound("max_depth", 1.0, 64.0),
                bound("cost_bps", 0.0, 1_000.0),
            ],
            max_goal_chars: 2_000,
        }
    }

    /// Lower-case hex SHA-256 of the canonical encoding: the compact JSON of
    /// the rules with fields in declaration order (serde's order is fixed by
    /// the struct definitions, so equal rules always hash equally).
    pub fn hash(&self) -> String {
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        hex(&Sha256::digest(&canonical))
    }

    /// The rules with their version and hash, as served.
    pub fn document(&self) -> RulesDocument {
        RulesDocument {
            version: self.version.clone(),
            hash: self.hash(),
            rules: self.clone(),
        }
    }

    /// The approved source called `name`, if any.
    pub fn source(&self, name: &str) -> Option<&SourceRule> {
        self.approved_sources.iter().find(|rule| rule.name == name)
    }

    /// The first synthetic marker found in `text` (case-insensitive).
    pub fn synthetic_marker_in(&self, text: &str) -> Option<&str> {
        let lower = text.to_lowercase();
        self.synthetic_markers
            .iter()
            .find(|marker| lower.contains(marker.as_str()))
            .map(String::as_str)
    }
}

impl SymbolFormat {
    /// Why `symbol` does not have this format, or `None` if it does.
    pub fn mismatch(&self, symbol: &str) -> Option<String> {
        let len = symbol.chars().count();
        if len < self.min_len || len > self.max_len {
            return Some(format!(
                "\"{symbol}\" has {len} characters; expected {}",
                self.description
            ));
        }
        if let Some(bad) = symbol.chars().find(|c| !self.allowed_chars.contains(*c)) {
            return Some(format!(
                "\"{symbol}\" contains '{bad}'; expected {}",
                self.description
            ));
        }
        if self.starts_with_letter && !symbol.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Some(format!(
                "\"{symbol}\" does not start with a letter; expected {}",
                self.description
            ));
        }
        None
    }
}

fn bound(name: &str, min: f64, max: f64) -> ParameterBound {
    ParameterBound {
        name: name.to_string(),
        min,
        max,
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable_and_changes_with_any_rule() {
        let rules = Rules::default_rules();
        assert_eq!(rules.hash(), Rules::default_rules().hash());
        assert_eq!(rules.hash().len(), 64);
        let mut changed = rules.clone();
        changed.max_multiplier += 1;
        assert_ne!(rules.hash(), changed.hash());
        let mut changed = rules.clone();
        changed.approved_sources.pop();
        assert_ne!(rules.hash(), changed.hash());
    }

    #[test]
    fn document_round_trips_through_json() {
        let document = Rules::default_rules().document();
        let text = serde_json::to_string(&document).unwrap();
        let back: RulesDocument = serde_json::from_str(&text).unwrap();
        assert_eq!(back, document);
        assert_eq!(back.rules.hash(), document.hash);
    }

    #[test]
    fn symbol_formats() {
        let rules = Rules::default_rules();
        let polygon = &rules.source("polygon").unwrap().symbol;
        for ok in ["AAPL", "BRK.B", "I:SPX", "X:BTCUSD"] {
            assert_eq!(polygon.mismatch(ok), None, "{ok}");
        }
        for bad in ["", "aapl", "1ABC", "AAPL;DROP", "ABCDEFGHIJKLMNOPQ"] {
            assert!(polygon.mismatch(bad).is_some(), "{bad}");
        }
        let upload = &rules.source("user_upload").unwrap().symbol;
        assert_eq!(upload.mismatch("42"), None);
        assert!(upload.mismatch("4a").is_some());
    }

    #[test]
    fn synthetic_markers_are_case_insensitive() {
        let rules = Rules::default_rules();
        assert_eq!(
            rules.synthetic_marker_in("Train on SYNTHETIC prices"),
            Some("synthetic")
        );
        assert_eq!(
            rules.synthetic_marker_in("Beat buy-and-hold on S&P 500"),
            None
        );
    }
}
