//! The coach's part of the environment, captured once by
//! [`crate::config`] so that the server's configuration stays a plain,
//! comparable value. Values (keys among them) are never printed: `Debug`
//! shows variable names only.

use std::collections::BTreeMap;
use std::fmt;

use crate::llm;

/// Variables the coach reads: the LLM providers' settings and keys, as
/// named by [`crate::llm`].
pub const COACH_VARIABLES: &[&str] = &[
    llm::ANTHROPIC_KEY_ENV,
    llm::ANTHROPIC_MODEL_ENV,
    llm::ANTHROPIC_BASE_URL_ENV,
    llm::OPENAI_KEY_ENV,
    llm::OPENAI_BASE_URL_ENV,
    llm::OPENAI_MODEL_ENV,
    llm::PROVIDER_ENV,
];

/// The coach's variables as they were when the server started.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CoachEnv {
    values: BTreeMap<&'static str, String>,
}

impl CoachEnv {
    /// Reads [`COACH_VARIABLES`] through `lookup`; empty values count as unset.
    pub fn capture(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let values = COACH_VARIABLES
            .iter()
            .filter_map(|name| {
                lookup(name)
                    .filter(|value| !value.trim().is_empty())
                    .map(|value| (*name, value))
            })
            .collect();
        Self { values }
    }

    /// The value of `name`, if it was set.
    pub fn get(&self, name: &str) -> Option<String> {
        self.values.get(name).cloned()
    }
}

impl fmt::Debug for CoachEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.values.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_names_variables_never_values() {
        let env = CoachEnv::capture(|name| {
            (name == "ANTHROPIC_API_KEY").then(|| "sk-SENTINEL-debug".to_string())
        });
        let shown = format!("{env:?}");
        assert!(shown.contains("ANTHROPIC_API_KEY"), "{shown}");
        assert!(!shown.contains("SENTINEL"), "{shown}");
        assert_eq!(
            env.get("ANTHROPIC_API_KEY").as_deref(),
            Some("sk-SENTINEL-debug")
        );
        assert_eq!(env.get("OPENAI_API_KEY"), None);
    }

    #[test]
    fn blank_values_are_unset() {
        let env = CoachEnv::capture(|_| Some("  ".to_string()));
        assert_eq!(env, CoachEnv::default());
    }
}
