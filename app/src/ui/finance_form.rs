//! Pieces the Risk and Backtest screens share: the bundled-dataset picker,
//! number parsing with messages that name the field, the local check of
//! the form's action (`shared::actions::validate` under the rules in
//! force, or the built-in rules until the server has answered), the words
//! of a run's stages and the state of a run.
//!
//! Must not compute a financial figure or run an action: runs go through
//! [`crate::finance::run`].

use std::str::FromStr;

use leptos::prelude::*;
use shared::actions::{validate, Action, ActionContext, Refusal};
use shared::compliance::Rules;
use shared::data::bundled;
use shared::pricing::dates::Date;

use super::session::use_session;
use crate::clock::today;
use crate::finance::Stage;

/// Where a screen's run stands.
#[derive(Clone, Debug, PartialEq)]
pub enum RunState<T> {
    /// Nothing ran yet.
    Idle,
    /// Running; the text says which stage.
    Running(String),
    /// Finished with this outcome.
    Done(T),
    /// Failed, with a sentence for the user.
    Failed(String),
}

impl<T> RunState<T> {
    /// Whether a run is in progress.
    pub fn is_running(&self) -> bool {
        matches!(self, RunState::Running(_))
    }
}

/// The progress words of `stage`; `busy` says what is computed.
pub fn stage_words(stage: Stage, busy: &str) -> String {
    match stage {
        Stage::Fetching(1) => "Fetching the series through the compliance gateway…".to_string(),
        Stage::Fetching(n) => format!("Fetching {n} series through the compliance gateway…"),
        Stage::Computing => busy.to_string(),
    }
}

/// Parses `text` typed into the field `label`, or says what is wrong.
pub fn number<T: FromStr>(label: &str, text: &str) -> Result<T, String> {
    let trimmed = text.trim();
    trimmed
        .parse::<T>()
        .map_err(|_| format!("{label}: \"{trimmed}\" is not a number"))
}

/// A percentage as typed (99.9) as a fraction (0.999), rounded to nine
/// decimals so the division's last-bit error (99.9 / 100 is
/// 0.9990000000000001) never pushes a bound the user typed over it.
pub fn fraction_of_percent(pct: f64) -> f64 {
    (pct / 100.0 * 1e9).round() / 1e9
}

/// `Some(text)` trimmed, or `None` when empty (an optional date).
pub fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// The refusal in one sentence: the field, the reason and the rule.
pub fn refusal_sentence(refusal: &Refusal) -> String {
    let field = if refusal.field.is_empty() {
        String::new()
    } else {
        format!("{}: ", refusal.field)
    };
    format!("{field}{} (rule {})", refusal.reason, refusal.rule_id)
}

/// Checks `action` with `shared::actions::validate` under `rules` on
/// `today`.
pub fn check_with(rules: &Rules, today: Date, action: &Action) -> Result<(), Refusal> {
    let ctx = ActionContext { rules, today };
    validate(&ctx, action).map(|_| ())
}

/// A memo of the local check of the form's action: `Err` with the words
/// of a parse error or a refusal. Uses the rules from the server once
/// loaded, the built-in rules before (the server checks again when the
/// data is fetched).
pub fn local_check(form: Memo<Result<Action, String>>) -> Memo<Result<Action, String>> {
    let session = use_session();
    let builtin = StoredValue::new(Rules::default_rules());
    Memo::new(move |_| {
        let action = form.get()?;
        let checked = session.rules.with(|rules| match rules {
            Some(Ok(doc)) => check_with(&doc.rules, today(), &action),
            _ => builtin.with_value(|rules| check_with(rules, today(), &action)),
        });
        checked
            .map(|()| action)
            .map_err(|refusal| refusal_sentence(&refusal))
    })
}

/// A labelled `<select>` of the bundled datasets, bound to `value` (a
/// dataset id).
#[component]
pub fn DatasetSelect(
    /// Element id (also the label's `for`).
    id: String,
    /// Visible label.
    label: String,
    /// The chosen dataset id.
    value: RwSignal<String>,
) -> impl IntoView {
    let options = bundled::catalog()
        .iter()
        .map(|d| {
            let id = d.id;
            view! { <option value=id selected=move || value.get() == id>{format!("{} ({})", d.title, d.id)}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>{options}</select>
        </div>
    }
}

/// A labelled text input bound to `value` (numbers or dates as typed).
#[component]
pub fn TextField(
    /// Element id (also the label's `for`).
    id: &'static str,
    /// Visible label.
    label: &'static str,
    /// The text.
    value: RwSignal<String>,
    /// `decimal`, `numeric` or `text` keyboard on phones.
    #[prop(default = "decimal")]
    inputmode: &'static str,
    /// Shown while empty.
    #[prop(optional)]
    placeholder: &'static str,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input id=id type="text" inputmode=inputmode autocomplete="off" spellcheck="false" placeholder=placeholder
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
        </div>
    }
}

/// A labelled checkbox bound to `value`.
#[component]
pub fn CheckField(
    /// Element id (also the label's `for`).
    id: &'static str,
    /// Visible label.
    label: &'static str,
    /// Checked or not.
    value: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <div class="field checkbox">
            <input id=id type="checkbox" prop:checked=move || value.get() on:change=move |ev| value.set(event_target_checked(&ev)) />
            <label for=id>{label}</label>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_optional_text_name_the_field() {
        assert_eq!(number::<f64>("Confidence", " 99.5 "), Ok(99.5));
        assert_eq!(
            number::<u32>("Horizon", "ten"),
            Err("Horizon: \"ten\" is not a number".to_string())
        );
        assert_eq!(optional("  "), None);
        assert_eq!(fraction_of_percent(99.9), 0.999);
        assert_eq!(fraction_of_percent(60.0), 0.6);
        assert_eq!(optional(" 2008-01-02 "), Some("2008-01-02".to_string()));
        assert_eq!(
            stage_words(Stage::Fetching(2), "x"),
            "Fetching 2 series through the compliance gateway…"
        );
        assert_eq!(stage_words(Stage::Computing, "Computing"), "Computing");
    }

    #[test]
    fn the_local_check_refuses_with_the_field_and_rule() {
        let rules = Rules::default_rules();
        let today = Date {
            year: 2026,
            month: 6,
            day: 1,
        };
        let action: Action = serde_json::from_value(serde_json::json!({
            "action": "risk_report", "assets": ["sp500"], "confidence": 0.5
        }))
        .unwrap();
        let refusal = check_with(&rules, today, &action).unwrap_err();
        assert_eq!(refusal.field, "confidence");
        let sentence = refusal_sentence(&refusal);
        assert!(sentence.starts_with("confidence: "), "{sentence}");
        let fine: Action = serde_json::from_value(serde_json::json!({
            "action": "risk_report", "assets": ["sp500"]
        }))
        .unwrap();
        assert!(check_with(&rules, today, &fine).is_ok());
    }
}
