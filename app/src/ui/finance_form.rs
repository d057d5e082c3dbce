//! Pieces the Portfolio, Risk and Backtest screens share: the data-source
//! choice (bundled datasets, the user's uploads listed through the server,
//! or series fetched through the gateway: Polygon tickers and FRED series
//! ids, typed), the asset picker of that source, the parsing of typed
//! tickers,
//! number parsing with messages that name the field, the local check of
//! the form's action (`shared::actions::validate` under the rules in
//! force, or the built-in rules until the server has answered), the words
//! of a run's stages and the state of a run.
//!
//! Must not compute a financial figure or run an action: runs go through
//! [`crate::finance::run`].

use std::str::FromStr;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::actions::{validate, Action, ActionContext, Refusal};
use shared::api::UploadSummary;
use shared::compliance::Rules;
use shared::data::bundled;
use shared::pricing::dates::Date;

use super::session::use_session;
use crate::api;
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

/// The source of the bundled datasets.
pub const BUNDLED: &str = "bundled";
/// The source of the user's own uploads.
pub const USER_UPLOAD: &str = "user_upload";
/// The source of Polygon stock bars, fetched through the server.
pub const POLYGON: &str = "polygon";
/// The source of FRED series, fetched through the server.
pub const FRED: &str = "fred";

/// Whether the series of `source` are typed (tickers or series ids of a
/// fetched source) rather than picked from a list.
pub fn is_typed(source: &str) -> bool {
    source == POLYGON || source == FRED
}

/// An example of what to type for `source`.
pub fn typed_placeholder(source: &str) -> &'static str {
    if source == FRED {
        "DGS10, SP500"
    } else {
        "AAPL, MSFT"
    }
}

/// The tickers or series ids typed into the field `label`, separated by
/// commas (or spaces), trimmed and upper-cased as the sources spell
/// them; empty items are skipped. Errors name the field: nothing typed,
/// or the same symbol twice. Their format is the gateway rules' check.
pub fn typed_symbols(label: &str, text: &str) -> Result<Vec<String>, String> {
    let mut symbols: Vec<String> = Vec::new();
    for symbol in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_uppercase)
    {
        if symbols.contains(&symbol) {
            return Err(format!(
                "{label}: \"{symbol}\" is typed twice; give each series once"
            ));
        }
        symbols.push(symbol);
    }
    if symbols.is_empty() {
        return Err(format!(
            "{label}: type a ticker or series id (e.g. AAPL, or DGS10 for FRED)"
        ));
    }
    Ok(symbols)
}

/// The one series of the field `label` for `source`: a typed symbol
/// (exactly one, upper-cased) for a fetched source, the picked id as is
/// otherwise.
pub fn symbol_for(label: &str, source: &str, text: &str) -> Result<String, String> {
    if !is_typed(source) {
        return Ok(text.to_string());
    }
    let mut symbols = typed_symbols(label, text)?;
    if symbols.len() > 1 {
        return Err(format!(
            "{label}: type one ticker or series id here, not {}",
            symbols.len()
        ));
    }
    Ok(symbols.remove(0))
}

/// One series a picker offers: its id (the `symbol` of a data request)
/// and the words shown.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// Dataset id or upload id.
    pub id: String,
    /// Title shown.
    pub title: String,
}

/// The user's uploads as the server listed them: `None` while loading,
/// `Err` with a sentence when they could not be listed (e.g. offline).
pub type UploadList = RwSignal<Option<Result<Vec<UploadSummary>, String>>>;

/// Lists the user's uploads through the server once, for a screen's
/// pickers.
pub fn load_uploads() -> UploadList {
    let uploads: UploadList = RwSignal::new(None);
    spawn_local(async move {
        let listed = api::uploads().await.map_err(|e| e.message());
        uploads.set(Some(listed));
    });
    uploads
}

/// The series of `source` a picker offers: the bundled catalog, or the
/// uploads listed so far (none while loading or when listing failed);
/// none for a fetched source, whose series are typed.
pub fn choices(source: &str, uploads: &Option<Result<Vec<UploadSummary>, String>>) -> Vec<Choice> {
    if is_typed(source) {
        Vec::new()
    } else if source == USER_UPLOAD {
        match uploads {
            Some(Ok(list)) => list
                .iter()
                .map(|u| Choice {
                    id: u.id.to_string(),
                    title: format!("{} (upload {})", u.name, u.id),
                })
                .collect(),
            _ => Vec::new(),
        }
    } else {
        bundled::catalog()
            .iter()
            .map(|d| Choice {
                id: d.id.to_string(),
                title: format!("{} ({})", d.title, d.id),
            })
            .collect()
    }
}

/// A labelled choice of the data source (bundled datasets, the user's
/// uploads, Polygon stocks or FRED series) bound to `source`; `on_change`
/// hears the new source (screens reset their asset choice to it). Says
/// why when the uploads cannot be listed (offline: bundled data only) or
/// when there are none yet, and what a fetched source needs.
#[component]
pub fn SourceSelect(
    /// Element id (also the label's `for`).
    id: &'static str,
    /// The source: [`BUNDLED`], [`USER_UPLOAD`], [`POLYGON`] or [`FRED`].
    source: RwSignal<String>,
    /// The uploads listed for this screen.
    uploads: UploadList,
    /// Called with the new source after it is set.
    on_change: impl Fn(String) + 'static,
) -> impl IntoView {
    let note = move || {
        let fetched = match source.get().as_str() {
            POLYGON => Some("Fetched through the server's gateway: type tickers (e.g. AAPL) and give From and To dates. Needs the server and its Polygon key; no offline runs."),
            FRED => Some("Fetched through the server's gateway: type FRED series ids (e.g. DGS10). Needs the server and its FRED key; no offline runs."),
            _ => None,
        };
        if let Some(words) = fetched {
            return Some(view! { <p class="muted source-note">{words.to_string()}</p> });
        }
        let message = uploads.with(|u| match u {
            Some(Err(why)) => Some(format!(
                "Your uploads could not be listed ({why}); bundled data works offline."
            )),
            Some(Ok(list)) if list.is_empty() && source.get() == USER_UPLOAD => {
                Some("No uploads yet: add a CSV on the Data screen.".to_string())
            }
            _ => None,
        })?;
        Some(view! { <p class="muted source-note">{message}</p> })
    };
    view! {
        <div class="field">
            <label for=id>"Data"</label>
            <select id=id on:change=move |ev| {
                let value = event_target_value(&ev);
                source.set(value.clone());
                on_change(value);
            }>
                <option value=BUNDLED selected=move || source.get() == BUNDLED>"Bundled datasets"</option>
                <option value=USER_UPLOAD selected=move || source.get() == USER_UPLOAD>"My uploads"</option>
                <option value=POLYGON selected=move || source.get() == POLYGON>"Polygon (stocks)"</option>
                <option value=FRED selected=move || source.get() == FRED>"FRED (series)"</option>
            </select>
            {note}
        </div>
    }
}

/// A labelled `<select>` of the series of `source` (bundled datasets or
/// the user's uploads), bound to `value` (a dataset or upload id); for a
/// fetched source a text input where the ticker or series id is typed
/// (read with [`symbol_for`]).
#[component]
pub fn DatasetSelect(
    /// Element id (also the label's `for`).
    id: String,
    /// Visible label.
    label: String,
    /// The chosen dataset or upload id.
    value: RwSignal<String>,
    /// The source whose series are offered.
    source: RwSignal<String>,
    /// The uploads listed for this screen.
    uploads: UploadList,
) -> impl IntoView {
    // When the list arrives (uploads load after the screen) or the source
    // changes, a value the list lacks becomes its first series.
    Effect::new(move |_| {
        let listed = uploads.with(|u| choices(&source.get(), u));
        let known = value.with_untracked(|v| listed.iter().any(|c| c.id == *v));
        if let (false, Some(first)) = (known, listed.first()) {
            value.set(first.id.clone());
        }
    });
    let options = move || {
        let listed = uploads.with(|u| choices(&source.get(), u));
        if listed.is_empty() {
            return view! { <option value="" selected=true disabled=true>"No series to choose"</option> }
                .into_any();
        }
        listed
            .into_iter()
            .map(|c| {
                let chosen = c.id.clone();
                view! { <option value=c.id selected=move || value.get() == chosen>{c.title}</option> }
            })
            .collect_view()
            .into_any()
    };
    // Re-rendered only when the source changes, so typing keeps focus.
    let control_id = id.clone();
    let control = move || {
        let source = source.get();
        if is_typed(&source) {
            view! {
                <input id=control_id.clone() type="text" inputmode="text" autocomplete="off" spellcheck="false"
                    autocapitalize="characters" placeholder=typed_placeholder(&source)
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) />
            }
            .into_any()
        } else {
            view! { <select id=control_id.clone() on:change=move |ev| value.set(event_target_value(&ev))>{options}</select> }
                .into_any()
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {control}
        </div>
    }
}

/// The first series of `source` (what a picker shows first), or empty.
pub fn first_choice(source: &str, uploads: UploadList) -> String {
    uploads.with_untracked(|u| {
        choices(source, u)
            .first()
            .map(|c| c.id.clone())
            .unwrap_or_default()
    })
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
    fn pickers_offer_the_catalog_or_the_listed_uploads() {
        let bundled_ids: Vec<String> = choices(BUNDLED, &None).into_iter().map(|c| c.id).collect();
        assert!(
            bundled_ids.contains(&"sp500".to_string()),
            "{bundled_ids:?}"
        );
        assert_eq!(bundled_ids.len(), bundled::catalog().len());
        assert!(choices(USER_UPLOAD, &None).is_empty(), "still loading");
        assert!(choices(USER_UPLOAD, &Some(Err("offline".into()))).is_empty());
        let listed: Vec<UploadSummary> = serde_json::from_value(serde_json::json!([{
            "id": 7, "name": "mine.csv", "created_at": "2026-01-01T00:00:00Z",
            "provenance": bundled::load("sp500").unwrap().provenance()
        }]))
        .unwrap();
        assert_eq!(
            choices(USER_UPLOAD, &Some(Ok(listed))),
            vec![Choice {
                id: "7".into(),
                title: "mine.csv (upload 7)".into()
            }]
        );
    }

    #[test]
    fn typed_tickers_become_assets_or_an_error_naming_the_field() {
        assert_eq!(
            typed_symbols("Tickers", " aapl, brk.b ,,MSFT "),
            Ok(vec!["AAPL".to_string(), "BRK.B".into(), "MSFT".into()])
        );
        assert_eq!(
            typed_symbols("Tickers", "dgs10 sp500"),
            Ok(vec!["DGS10".to_string(), "SP500".into()])
        );
        let empty = typed_symbols("Tickers", " , ").unwrap_err();
        assert!(empty.starts_with("Tickers: type a ticker"), "{empty}");
        let twice = typed_symbols("Tickers", "AAPL, aapl").unwrap_err();
        assert!(
            twice.starts_with("Tickers: \"AAPL\" is typed twice"),
            "{twice}"
        );
        assert_eq!(symbol_for("Series", POLYGON, " aapl "), Ok("AAPL".into()));
        let several = symbol_for("Series", FRED, "DGS10, DGS2").unwrap_err();
        assert!(several.starts_with("Series: type one"), "{several}");
        // Picked ids are kept as they are (bundled ids are lower-case).
        assert_eq!(symbol_for("Series", BUNDLED, "sp500"), Ok("sp500".into()));
        assert!(is_typed(POLYGON) && is_typed(FRED) && !is_typed(USER_UPLOAD));
        assert!(choices(POLYGON, &None).is_empty());
    }

    #[test]
    fn a_typed_polygon_backtest_passes_the_local_check_only_with_dates() {
        let rules = Rules::default_rules();
        let today = Date {
            year: 2026,
            month: 6,
            day: 1,
        };
        let symbol = symbol_for("Series", POLYGON, "aapl").unwrap();
        let mut input = serde_json::json!({
            "action": "backtest", "source": POLYGON, "symbol": symbol, "rule": "momentum",
            "from": "2024-01-02"
        });
        let undated: Action = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(check_with(&rules, today, &undated).unwrap_err().field, "to");
        input["to"] = serde_json::json!("2024-12-31");
        let dated: Action = serde_json::from_value(input).unwrap();
        assert!(check_with(&rules, today, &dated).is_ok());
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
