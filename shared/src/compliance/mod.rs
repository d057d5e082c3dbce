//! The compliance gateway's rules and checks. Rules are data
//! ([`Rules`], versioned and hashed); checks are pure functions that return
//! a [`Verdict`] naming the rule that decided and why.
//!
//! The app runs these checks to show a verdict before it runs anything; the
//! server runs them again and its verdict is the one that counts. Nothing
//! here stores or logs verdicts: the server audits them.

mod check;
mod rules;

pub use check::{check_data_request, check_goal, check_result, Verdict};
pub use rules::{hex, ParameterBound, Rules, RulesDocument, SourceRule, SymbolFormat};
