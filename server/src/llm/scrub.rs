//! Keeps the provider's key out of what the model says: a model (or a
//! proxy) may echo the key it was called with, in text or in a tool call's
//! input. Text passes at once except for a tail that could be the start of
//! the key (raw or URL-encoded), which waits for the next piece, so a key
//! split across stream pieces is still caught whole; tool inputs are
//! scrubbed as a whole. Uses `upstream::redact`.

use serde_json::Value;

use super::StreamEvent;
use crate::upstream::{key_forms, redact, ApiKey};

/// A filter over one answer's events.
pub(crate) struct KeyScrubber {
    key: Option<ApiKey>,
    forms: Vec<String>,
    pending: String,
}

impl KeyScrubber {
    /// A scrubber for `key` (a pass-through without one).
    pub(crate) fn new(key: Option<ApiKey>) -> Self {
        let forms = key.as_ref().map(key_forms).unwrap_or_default();
        Self {
            key,
            forms,
            pending: String::new(),
        }
    }

    /// The events safe to pass on after `event` arrived, in order.
    pub(crate) fn filter(&mut self, event: StreamEvent) -> Vec<StreamEvent> {
        match event {
            StreamEvent::Text(text) => {
                self.pending.push_str(&text);
                self.pending = redact(&self.pending, self.key.as_ref());
                let mut cut = self.pending.len() - self.possible_start();
                while !self.pending.is_char_boundary(cut) {
                    cut -= 1;
                }
                if cut == 0 {
                    return Vec::new();
                }
                let rest = self.pending.split_off(cut);
                let ready = std::mem::replace(&mut self.pending, rest);
                vec![StreamEvent::Text(ready)]
            }
            StreamEvent::ToolCall { id, name, input } => {
                let mut out = self.flush();
                out.push(StreamEvent::ToolCall {
                    id: redact(&id, self.key.as_ref()),
                    name: redact(&name, self.key.as_ref()),
                    input: self.value(input),
                });
                out
            }
            other => {
                let mut out = self.flush();
                out.push(other);
                out
            }
        }
    }

    /// The held-back text, scrubbed (at the end of the answer).
    pub(crate) fn flush(&mut self) -> Vec<StreamEvent> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        let text = redact(&std::mem::take(&mut self.pending), self.key.as_ref());
        vec![StreamEvent::Text(text)]
    }

    /// The length of the longest tail of the pending text that is a
    /// proper start of some form of the key.
    fn possible_start(&self) -> usize {
        let text = self.pending.as_bytes();
        self.forms
            .iter()
            .map(|form| {
                let form = form.as_bytes();
                (1..form.len().min(text.len() + 1))
                    .rev()
                    .find(|&n| text.ends_with(&form[..n]))
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0)
    }

    fn value(&self, value: Value) -> Value {
        if self.key.is_none() {
            return value;
        }
        let text = value.to_string();
        let clean = redact(&text, self.key.as_ref());
        if clean == text {
            return value;
        }
        serde_json::from_str(&clean).unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk-SENTINEL-scrub-91";

    fn scrubber() -> KeyScrubber {
        KeyScrubber::new(ApiKey::from_lookup("K", |_| Some(KEY.to_string())))
    }

    fn text_of(events: &[StreamEvent]) -> String {
        events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_key_split_at_any_point_never_passes() {
        let answer = format!("Here is the key {KEY}, and é日本 after it: {KEY}.");
        for cut_a in 0..answer.len() {
            if !answer.is_char_boundary(cut_a) {
                continue;
            }
            for cut_b in [cut_a, (cut_a + 7).min(answer.len()), answer.len()] {
                if !answer.is_char_boundary(cut_b) {
                    continue;
                }
                let mut s = scrubber();
                let mut out = Vec::new();
                for piece in [&answer[..cut_a], &answer[cut_a..cut_b], &answer[cut_b..]] {
                    out.extend(s.filter(StreamEvent::Text(piece.to_string())));
                }
                out.extend(s.flush());
                let text = text_of(&out);
                assert!(!text.contains("SENTINEL"), "{text}");
                assert_eq!(
                    text,
                    "Here is the key [redacted], and é日本 after it: [redacted]."
                );
            }
        }
    }

    #[test]
    fn tool_inputs_are_scrubbed_and_text_is_flushed_before_other_events() {
        let mut s = scrubber();
        let mut out = s.filter(StreamEvent::Text("short".into()));
        out.extend(s.filter(StreamEvent::ToolCall {
            id: "t1".into(),
            name: "fetch_data".into(),
            input: serde_json::json!({"symbol": KEY}),
        }));
        match &out[..] {
            [StreamEvent::Text(text), StreamEvent::ToolCall { input, .. }] => {
                assert_eq!(text, "short");
                assert_eq!(input["symbol"], "[redacted]");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn only_a_possible_start_of_the_key_waits() {
        let mut s = scrubber();
        assert_eq!(
            text_of(&s.filter(StreamEvent::Text("Hello".into()))),
            "Hello"
        );
        assert_eq!(text_of(&s.filter(StreamEvent::Text(" sk-SEN".into()))), " ");
        assert_eq!(
            text_of(&s.filter(StreamEvent::Text("SE".into()))),
            "sk-SENSE"
        );
        assert_eq!(text_of(&s.filter(StreamEvent::Text("sk".into()))), "");
        assert_eq!(text_of(&s.flush()), "sk");
    }

    #[test]
    fn without_a_key_text_passes_at_once() {
        let mut s = KeyScrubber::new(None);
        assert_eq!(text_of(&s.filter(StreamEvent::Text("abc".into()))), "abc");
        assert!(s.flush().is_empty());
    }
}
