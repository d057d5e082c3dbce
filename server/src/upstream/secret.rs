//! API keys for the data providers, and the redaction of keys from text.
//!
//! An [`ApiKey`] is read from the environment only (a real or an injected
//! lookup) and never shows itself: its `Debug` and `Display` print
//! `[redacted]`, it has no `Serialize`, and its text is reachable only inside
//! this crate's `upstream` module. [`redact`] scrubs a key, raw or
//! URL-encoded, from any text before that text leaves the module. This file
//! must not log, store or format a key anywhere.

use std::fmt;

/// Environment variable holding the Polygon key (empty = not configured).
pub const POLYGON_KEY_ENV: &str = "POLYGON_API_KEY";
/// Environment variable holding the FRED key (empty = not configured).
pub const FRED_KEY_ENV: &str = "FRED_API_KEY";

/// What a key is replaced with wherever it would appear.
pub const REDACTED: &str = "[redacted]";

/// A provider's API key. Cheap to clone; prints as `[redacted]`.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// Reads the key from the variable `name` of the process environment.
    /// `None` when the variable is unset, empty or only whitespace, or is not
    /// valid UTF-8.
    pub fn from_env(name: &str) -> Option<Self> {
        Self::from_lookup(name, |var| std::env::var(var).ok())
    }

    /// Reads the key from the variable `name` through `lookup`, an
    /// environment given as a value (as [`crate::config`] does), so callers
    /// and tests need not touch the process. Surrounding whitespace is
    /// trimmed; empty means not configured.
    pub fn from_lookup<F>(name: &str, lookup: F) -> Option<Self>
    where
        F: FnOnce(&str) -> Option<String>,
    {
        let value = lookup(name)?;
        let value = value.trim();
        (!value.is_empty()).then(|| Self(value.to_owned()))
    }

    /// The Polygon key from [`POLYGON_KEY_ENV`].
    pub fn polygon_from_env() -> Option<Self> {
        Self::from_env(POLYGON_KEY_ENV)
    }

    /// The FRED key from [`FRED_KEY_ENV`].
    pub fn fred_from_env() -> Option<Self> {
        Self::from_env(FRED_KEY_ENV)
    }

    /// The key's text, for putting it on the wire. Never format it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// `text` with every occurrence of `key` replaced by `[redacted]`: the key as
/// is, percent-encoded (upper- or lower-case hex, with space as `%20` or
/// `+`). With no key, or an empty one, `text` comes back unchanged.
pub fn redact(text: &str, key: Option<&ApiKey>) -> String {
    let Some(key) = key.map(ApiKey::expose).filter(|k| !k.is_empty()) else {
        return text.to_owned();
    };
    let mut out = text.replace(key, REDACTED);
    for form in encoded_forms(key) {
        if form != key && !form.is_empty() {
            out = out.replace(&form, REDACTED);
        }
    }
    out
}

/// Every form [`redact`] replaces: the key itself and its encodings (for
/// filters that must hold back a possible start of one).
pub(crate) fn key_forms(key: &ApiKey) -> Vec<String> {
    let raw = key.expose();
    let mut forms = vec![raw.to_owned()];
    for form in encoded_forms(raw) {
        if !form.is_empty() && !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms
}

/// The ways a URL or form encoder may write `key`.
fn encoded_forms(key: &str) -> [String; 4] {
    [
        percent_encode(key, false, true),
        percent_encode(key, false, false),
        percent_encode(key, true, true),
        percent_encode(key, true, false),
    ]
}

/// Percent-encodes every byte outside RFC 3986's unreserved set; with
/// `plus_for_space` a space becomes `+` as in form encoding.
fn percent_encode(text: &str, plus_for_space: bool, upper: bool) -> String {
    use fmt::Write as _;
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' if plus_for_space => out.push('+'),
            _ if upper => {
                let _ = write!(out, "%{byte:02X}");
            }
            _ => {
                let _ = write!(out, "%{byte:02x}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(value: &str) -> ApiKey {
        ApiKey::from_lookup("K", |_| Some(value.to_owned())).expect("non-empty key")
    }

    #[test]
    fn debug_and_display_hide_the_key() {
        let k = key("SENTINEL-KEY-9f3c");
        assert_eq!(format!("{k:?}"), REDACTED);
        assert_eq!(format!("{k}"), REDACTED);
        assert_eq!(format!("{:?}", Some(k)), "Some([redacted])");
    }

    #[test]
    fn empty_or_missing_is_not_configured() {
        assert!(ApiKey::from_lookup("K", |_| None).is_none());
        assert!(ApiKey::from_lookup("K", |_| Some(String::new())).is_none());
        assert!(ApiKey::from_lookup("K", |_| Some("  \n".into())).is_none());
        assert_eq!(
            ApiKey::from_lookup("K", |_| Some(" abc ".into()))
                .map(|k| k.expose().to_owned())
                .as_deref(),
            Some("abc")
        );
    }

    #[test]
    fn lookup_gets_the_variable_name() {
        let k = ApiKey::from_lookup(POLYGON_KEY_ENV, |name| {
            (name == "POLYGON_API_KEY").then(|| "x".to_owned())
        });
        assert!(k.is_some());
    }

    #[test]
    fn redacts_raw_and_encoded_forms() {
        let k = key("a/b c+d");
        let text = "raw a/b c+d, upper a%2Fb%20c%2Bd, lower a%2fb%20c%2bd, form a%2Fb+c%2Bd";
        let out = redact(text, Some(&k));
        assert_eq!(
            out,
            "raw [redacted], upper [redacted], lower [redacted], form [redacted]"
        );
    }

    #[test]
    fn without_a_key_text_is_unchanged() {
        assert_eq!(redact("hello", None), "hello");
    }
}
