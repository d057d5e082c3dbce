//! Which LLM provider the coach uses, read from the environment through a
//! lookup function, and the clients' tunables ([`LlmSettings`]).
//!
//! | variable | meaning |
//! |---|---|
//! | `ANTHROPIC_API_KEY` | Anthropic's key; set = Anthropic is available |
//! | `MLTRAINER_ANTHROPIC_MODEL` | default [`DEFAULT_ANTHROPIC_MODEL`] |
//! | `MLTRAINER_ANTHROPIC_BASE_URL` | default `https://api.anthropic.com`; `/v1/messages` is appended (a base already ending in `/v1` gets `/messages`) |
//! | `MLTRAINER_OPENAI_BASE_URL` | an OpenAI-compatible server, e.g. `http://localhost:11434/v1`; `/chat/completions` is appended; a base with no path gets `/v1` first, so `http://host:port` and `http://host:port/v1` are the same |
//! | `OPENAI_API_KEY` | optional; sent as `Authorization: Bearer` when set |
//! | `MLTRAINER_OPENAI_MODEL` | required when the OpenAI base URL is set |
//! | `MLTRAINER_LLM_PROVIDER` | optional `anthropic`, `openai` or `rules`; default: Anthropic if its key is set, else OpenAI if its base URL is set, else the rule coach |
//!
//! This file reads and checks settings; it must not log a key or send
//! anything.

use std::time::Duration;

use reqwest::Url;

use super::anthropic::AnthropicClient;
use super::error::LlmConfigError;
use super::openai::OpenAiClient;
use super::LlmProvider;
use crate::upstream::ApiKey;

/// Anthropic's API key (empty = not configured).
pub const ANTHROPIC_KEY_ENV: &str = "ANTHROPIC_API_KEY";
/// The Anthropic model to ask for.
pub const ANTHROPIC_MODEL_ENV: &str = "MLTRAINER_ANTHROPIC_MODEL";
/// Where the Anthropic API is (tests and proxies point it elsewhere).
pub const ANTHROPIC_BASE_URL_ENV: &str = "MLTRAINER_ANTHROPIC_BASE_URL";
/// The OpenAI-compatible server's base URL (set = configured).
pub const OPENAI_BASE_URL_ENV: &str = "MLTRAINER_OPENAI_BASE_URL";
/// The OpenAI-compatible server's key (optional; local servers need none).
pub const OPENAI_KEY_ENV: &str = "OPENAI_API_KEY";
/// The model to ask the OpenAI-compatible server for.
pub const OPENAI_MODEL_ENV: &str = "MLTRAINER_OPENAI_MODEL";
/// Forces a provider: `anthropic`, `openai` or `rules`.
pub const PROVIDER_ENV: &str = "MLTRAINER_LLM_PROVIDER";

/// Anthropic's API, the default base URL.
pub const DEFAULT_ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com";
/// The Anthropic model used when none is set.
pub const DEFAULT_ANTHROPIC_MODEL: &str = "claude-sonnet-4-5";

/// How the LLM clients time, retry and bound their requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmSettings {
    /// Limit for opening a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// The longest wait for the response headers and then for each next
    /// chunk of the stream.
    pub idle_timeout: Duration,
    /// Attempts per answer, the first included (0 counts as 1).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles for each later one.
    pub backoff_base: Duration,
    /// The most any backoff may be, before jitter.
    pub backoff_cap: Duration,
    /// The most the client waits because of `retry-after(-ms)`.
    pub max_retry_after: Duration,
    /// Consecutive failed answers that open the circuit breaker (0 counts as 1).
    pub breaker_threshold: u32,
    /// How long an open breaker refuses calls before letting one probe through.
    pub breaker_cooldown: Duration,
    /// The most bytes one SSE event may take; more is a protocol error.
    pub max_event_bytes: usize,
    /// Seed of the jitter generator.
    pub jitter_seed: u64,
    /// Whether to use the proxy named by `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`.
    pub proxy_from_env: bool,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_attempts: 3,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(30),
            max_event_bytes: 1024 * 1024,
            jitter_seed: 0x6c6c_6d54_7261_696e,
            proxy_from_env: true,
        }
    }
}

/// Which provider to use when several are configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderChoice {
    /// Anthropic if its key is set, else OpenAI if its base URL is set,
    /// else the rule coach.
    Auto,
    /// Anthropic (its key must be set).
    Anthropic,
    /// The OpenAI-compatible server (its base URL and model must be set).
    OpenAi,
    /// The rule coach, whatever else is set.
    Rules,
}

/// Anthropic's settings.
#[derive(Debug, Clone)]
pub struct AnthropicConfig {
    /// The key.
    pub key: ApiKey,
    /// The model.
    pub model: String,
    /// The base URL, checked.
    pub base_url: Url,
}

/// The OpenAI-compatible server's settings.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// The key, if any.
    pub key: Option<ApiKey>,
    /// The model.
    pub model: String,
    /// The base URL, checked (before `/chat/completions`).
    pub base_url: Url,
}

/// The LLM settings read from the environment.
#[derive(Debug, Clone)]
pub struct LlmConfig {
    /// The provider asked for.
    pub choice: ProviderChoice,
    /// Anthropic, when its key is set.
    pub anthropic: Option<AnthropicConfig>,
    /// The OpenAI-compatible server, when its base URL is set.
    pub openai: Option<OpenAiConfig>,
    /// Timeouts, retries and bounds.
    pub settings: LlmSettings,
}

impl LlmConfig {
    /// Reads the settings through `lookup` (an environment given as a
    /// value, like [`ApiKey::from_lookup`]). Empty values count as unset.
    /// Fails, naming the variable, on a base URL that is not absolute
    /// http(s) or carries a query, fragment or credentials, an OpenAI base
    /// URL without a model, an unknown provider name, or a forced provider
    /// that is not configured.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, LlmConfigError> {
        let value = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let choice = match value(PROVIDER_ENV)
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("auto") => ProviderChoice::Auto,
            Some("anthropic") => ProviderChoice::Anthropic,
            Some("openai") => ProviderChoice::OpenAi,
            Some("rules") => ProviderChoice::Rules,
            Some(_) => {
                return Err(LlmConfigError::new(
                    PROVIDER_ENV,
                    "must be anthropic, openai or rules",
                ))
            }
        };
        let anthropic_base = anthropic_url(
            value(ANTHROPIC_BASE_URL_ENV)
                .as_deref()
                .unwrap_or(DEFAULT_ANTHROPIC_BASE_URL),
        )?;
        let anthropic = ApiKey::from_lookup(ANTHROPIC_KEY_ENV, |name| lookup(name)).map(|key| {
            AnthropicConfig {
                key,
                model: value(ANTHROPIC_MODEL_ENV)
                    .unwrap_or_else(|| DEFAULT_ANTHROPIC_MODEL.to_owned()),
                base_url: anthropic_base,
            }
        });
        let openai = match value(OPENAI_BASE_URL_ENV) {
            None => None,
            Some(base) => Some(OpenAiConfig {
                key: ApiKey::from_lookup(OPENAI_KEY_ENV, |name| lookup(name)),
                model: value(OPENAI_MODEL_ENV).ok_or_else(|| {
                    LlmConfigError::new(
                        OPENAI_MODEL_ENV,
                        format!("must be set when {OPENAI_BASE_URL_ENV} is set"),
                    )
                })?,
                base_url: openai_url(&base)?,
            }),
        };
        match choice {
            ProviderChoice::Anthropic if anthropic.is_none() => {
                return Err(LlmConfigError::new(
                    ANTHROPIC_KEY_ENV,
                    format!("must be set when {PROVIDER_ENV} is anthropic"),
                ))
            }
            ProviderChoice::OpenAi if openai.is_none() => {
                return Err(LlmConfigError::new(
                    OPENAI_BASE_URL_ENV,
                    format!("must be set when {PROVIDER_ENV} is openai"),
                ))
            }
            _ => {}
        }
        Ok(Self {
            choice,
            anthropic,
            openai,
            settings: LlmSettings::default(),
        })
    }

    /// The settings from the process environment.
    pub fn from_env() -> Result<Self, LlmConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The same configuration with other tunables (tests use short waits).
    pub fn with_settings(mut self, settings: LlmSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The client of the chosen provider, or `None` for the rule coach.
    /// Fails only if the HTTP client cannot be built.
    pub fn build(&self) -> Result<Option<LlmProvider>, LlmConfigError> {
        let anthropic = |c: &AnthropicConfig| {
            AnthropicClient::new(
                c.base_url.clone(),
                c.key.clone(),
                c.model.clone(),
                self.settings.clone(),
            )
            .map(LlmProvider::Anthropic)
        };
        let openai = |c: &OpenAiConfig| {
            OpenAiClient::new(
                c.base_url.clone(),
                c.key.clone(),
                c.model.clone(),
                self.settings.clone(),
            )
            .map(LlmProvider::OpenAi)
        };
        let provider = match (self.choice, &self.anthropic, &self.openai) {
            (ProviderChoice::Rules, _, _) => None,
            (ProviderChoice::Anthropic | ProviderChoice::Auto, Some(c), _) => Some(anthropic(c)?),
            (ProviderChoice::OpenAi | ProviderChoice::Auto, _, Some(c)) => Some(openai(c)?),
            _ => None,
        };
        Ok(provider)
    }
}

/// `text` checked as a base URL: absolute http(s) with a host, and no
/// query, fragment or credentials. The path is kept, without a trailing `/`.
pub(crate) fn base_url(variable: &'static str, text: &str) -> Result<Url, LlmConfigError> {
    let bad = |reason: &str| LlmConfigError::new(variable, reason);
    let mut url = Url::parse(text).map_err(|_| bad("is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad("must be an http(s) URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry credentials"));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

/// Anthropic's messages endpoint under `base`.
pub(crate) fn anthropic_url(base: &str) -> Result<Url, LlmConfigError> {
    let mut url = base_url(ANTHROPIC_BASE_URL_ENV, base)?;
    let path = url.path().trim_end_matches('/').to_owned();
    if path.ends_with("/v1") {
        url.set_path(&format!("{path}/messages"));
    } else {
        url.set_path(&format!("{path}/v1/messages"));
    }
    Ok(url)
}

/// The chat-completions endpoint under an OpenAI-compatible `base`: a base
/// with no path gets `/v1` first.
pub(crate) fn openai_url(base: &str) -> Result<Url, LlmConfigError> {
    let mut url = base_url(OPENAI_BASE_URL_ENV, base)?;
    let path = url.path().trim_end_matches('/').to_owned();
    if path.is_empty() {
        url.set_path("/v1/chat/completions");
    } else {
        url.set_path(&format!("{path}/chat/completions"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<LlmConfig, LlmConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        LlmConfig::from_lookup(|name| map.get(name).cloned())
    }

    fn provider(vars: &[(&str, &str)]) -> Option<&'static str> {
        config(vars)
            .expect("valid")
            .build()
            .expect("builds")
            .map(|p| p.name())
    }

    #[test]
    fn chooses_by_what_is_configured() {
        let openai = [
            (OPENAI_BASE_URL_ENV, "http://localhost:11434/v1"),
            (OPENAI_MODEL_ENV, "llama3.1"),
        ];
        let both = [
            (ANTHROPIC_KEY_ENV, "sk-a"),
            (OPENAI_BASE_URL_ENV, "http://localhost:11434"),
            (OPENAI_MODEL_ENV, "llama3.1"),
        ];
        assert_eq!(provider(&[]), None);
        assert_eq!(provider(&[(ANTHROPIC_KEY_ENV, "  ")]), None);
        assert_eq!(provider(&[(ANTHROPIC_KEY_ENV, "sk-a")]), Some("anthropic"));
        assert_eq!(provider(&openai), Some("openai"));
        assert_eq!(provider(&both), Some("anthropic"));
        let mut forced = both.to_vec();
        forced.push((PROVIDER_ENV, "OpenAI"));
        assert_eq!(provider(&forced), Some("openai"));
        forced.pop();
        forced.push((PROVIDER_ENV, "rules"));
        assert_eq!(provider(&forced), None);
    }

    #[test]
    fn models_and_defaults() {
        let c = config(&[(ANTHROPIC_KEY_ENV, "sk-a")]).expect("valid");
        let a = c.anthropic.expect("anthropic");
        assert_eq!(a.model, DEFAULT_ANTHROPIC_MODEL);
        assert_eq!(a.base_url.as_str(), "https://api.anthropic.com/v1/messages");
        let c = config(&[
            (ANTHROPIC_KEY_ENV, "sk-a"),
            (ANTHROPIC_MODEL_ENV, "claude-x"),
            (ANTHROPIC_BASE_URL_ENV, "http://127.0.0.1:9/v1/"),
        ])
        .expect("valid");
        let a = c.anthropic.expect("anthropic");
        assert_eq!(a.model, "claude-x");
        assert_eq!(a.base_url.as_str(), "http://127.0.0.1:9/v1/messages");
    }

    #[test]
    fn openai_base_with_or_without_v1() {
        for (base, url) in [
            ("http://h:1", "http://h:1/v1/chat/completions"),
            ("http://h:1/", "http://h:1/v1/chat/completions"),
            ("http://h:1/v1", "http://h:1/v1/chat/completions"),
            ("http://h:1/v1/", "http://h:1/v1/chat/completions"),
            (
                "https://h/api/openai",
                "https://h/api/openai/chat/completions",
            ),
        ] {
            assert_eq!(openai_url(base).expect("valid").as_str(), url, "{base}");
        }
    }

    #[test]
    fn errors_name_the_variable() {
        let cases: [(&[(&str, &str)], &str); 6] = [
            (&[(PROVIDER_ENV, "gpt")], PROVIDER_ENV),
            (&[(PROVIDER_ENV, "anthropic")], ANTHROPIC_KEY_ENV),
            (&[(PROVIDER_ENV, "openai")], OPENAI_BASE_URL_ENV),
            (&[(OPENAI_BASE_URL_ENV, "http://h/v1")], OPENAI_MODEL_ENV),
            (
                &[(OPENAI_BASE_URL_ENV, "ftp://h"), (OPENAI_MODEL_ENV, "m")],
                OPENAI_BASE_URL_ENV,
            ),
            (
                &[(ANTHROPIC_BASE_URL_ENV, "https://u:p@h/")],
                ANTHROPIC_BASE_URL_ENV,
            ),
        ];
        for (vars, variable) in cases {
            let error = config(vars).expect_err("invalid");
            assert_eq!(error.variable, variable, "{vars:?}");
            assert!(error.to_string().starts_with(variable), "{error}");
        }
        for bad in ["not a url", "https://h/?a=1", "https://h/#x"] {
            assert!(base_url(OPENAI_BASE_URL_ENV, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_never_shows_keys() {
        let c = config(&[
            (ANTHROPIC_KEY_ENV, "sk-SENTINEL-a"),
            (OPENAI_BASE_URL_ENV, "http://h"),
            (OPENAI_KEY_ENV, "sk-SENTINEL-o"),
            (OPENAI_MODEL_ENV, "m"),
        ])
        .expect("valid");
        let text = format!("{c:?} {:?}", c.build().expect("builds"));
        assert!(!text.contains("SENTINEL"), "{text}");
    }
}
