//! The Compliance screen: the rules in force (version, hash, approved
//! sources and their symbol formats, synthetic-data markers, model
//! families, bounds) and a form that checks a data request locally as you
//! type and with the server on request.

use super::format::short_hash;
use super::goal_bar::verdict_sentence;
use super::session::{use_session, SessionGate};
use crate::api;
use crate::clock::today;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::DataRequest;
use shared::compliance::{check_data_request, Rules};

/// The data request for the form's text: trimmed, empty dates left out.
pub fn data_request(
    source: &str,
    symbol: &str,
    from: &str,
    to: &str,
    timespan: &str,
) -> DataRequest {
    let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    DataRequest {
        source: source.trim().to_string(),
        symbol: symbol.trim().to_string(),
        from: optional(from),
        to: optional(to),
        timespan: optional(timespan),
        multiplier: None,
    }
}

/// The screen.
#[component]
pub fn CompliancePage() -> impl IntoView {
    let session = use_session();
    let rules_view = move || {
        session.rules.with(|rules| match rules {
            None => session
                .me()
                .map(|_| view! { <p class="status" role="status">"Loading the rules…"</p> }.into_any()),
            Some(Err(error)) => Some(
                view! { <p class="error" role="alert">"Could not load the rules: " {error.message()}</p> }
                    .into_any(),
            ),
            Some(Ok(doc)) => Some(rules_card(&doc.version, &doc.hash, &doc.rules).into_any()),
        })
    };
    view! {
        <div class="page">
            <SessionGate what="The compliance rules" />
            <section class="card" aria-labelledby="rules-title">
                <h2 id="rules-title">"Rules in force"</h2>
                {rules_view}
            </section>
            <CheckForm />
        </div>
    }
}

fn rules_card(version: &str, hash: &str, rules: &Rules) -> impl IntoView {
    let sources = rules
        .approved_sources
        .iter()
        .map(|source| {
            view! {
                <li data-source=source.name.clone()>
                    <strong>{source.name.clone()}</strong>
                    " — " {source.description.clone()}
                    <br />
                    <small class="muted">"Symbols: " {source.symbol.description.clone()}</small>
                </li>
            }
        })
        .collect_view();
    let bounds = rules
        .parameter_bounds
        .iter()
        .map(|b| {
            view! {
                <dt>{b.name.clone()}</dt>
                <dd>{format!("{} to {}", b.min, b.max)}</dd>
            }
        })
        .collect_view();
    view! {
        <p class="rules-version">
            "Version " <strong id="rules-version">{version.to_string()}</strong>
            " · hash " <code id="rules-hash" title=hash.to_string()>{short_hash(hash)}</code>
        </p>
        <h3>"Approved sources"</h3>
        <ul id="rules-sources" class="plain-list">{sources}</ul>
        <h3>"Never as data"</h3>
        <p class="muted">"Requests, goals and results that mention any of these are refused (rule data.no_synthetic); Monte Carlo stays a labelled simulation for pricing and risk."</p>
        <p id="rules-markers" class="tags">{rules.synthetic_markers.join(", ")}</p>
        <h3>"Model families"</h3>
        <p id="rules-families" class="tags">{rules.allowed_model_families.join(", ")}</p>
        <h3>"Bounds"</h3>
        <dl class="facts" id="rules-bounds">
            <dt>"Earliest date"</dt><dd>{rules.earliest_date.clone()}</dd>
            <dt>"Bar sizes"</dt><dd>{rules.allowed_timespans.join(", ")}</dd>
            <dt>"Largest bar multiplier"</dt><dd>{rules.max_multiplier}</dd>
            <dt>"Longest intraday span"</dt><dd>{format!("{} days", rules.max_intraday_span_days)}</dd>
            <dt>"Longest goal"</dt><dd>{format!("{} characters", rules.max_goal_chars)}</dd>
            <dt>"Longest model name"</dt><dd>{format!("{} characters", rules.max_model_name_len)}</dd>
            {bounds}
        </dl>
    }
}

/// "Check a data request": the local verdict live, the server's on demand.
#[component]
fn CheckForm() -> impl IntoView {
    let session = use_session();
    let source = RwSignal::new("bundled".to_string());
    let symbol = RwSignal::new("sp500".to_string());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let timespan = RwSignal::new("day".to_string());
    let server = RwSignal::new(None::<(Option<bool>, String)>);
    let busy = RwSignal::new(false);
    let request = Memo::new(move |_| {
        data_request(
            &source.get(),
            &symbol.get(),
            &from.get(),
            &to.get(),
            &timespan.get(),
        )
    });
    // A new request makes the last server verdict stale.
    Effect::new(move |_| {
        request.track();
        server.set(None);
    });
    let local = Memo::new(move |_| {
        session.rules.with(|rules| match rules {
            Some(Ok(doc)) => {
                let verdict = request.with(|r| check_data_request(&doc.rules, r, today()));
                Some((
                    Some(verdict.allowed),
                    verdict_sentence("Local check", &verdict),
                ))
            }
            Some(Err(_)) => Some((
                None,
                "Local check unavailable: the rules did not load.".into(),
            )),
            None => None,
        })
    });
    let source_options = move || {
        session.rules.with(|rules| match rules {
            Some(Ok(doc)) => doc
                .rules
                .approved_sources
                .iter()
                .map(|s| view! { <option value=s.name.clone()></option> })
                .collect_view()
                .into_any(),
            _ => ().into_any(),
        })
    };
    let timespans = move || {
        let names: Vec<String> = session.rules.with(|rules| match rules {
            Some(Ok(doc)) => doc.rules.allowed_timespans.clone(),
            _ => vec!["day".to_string()],
        });
        names
            .into_iter()
            .map(|name| {
                let selected = name == timespan.get_untracked();
                view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
            })
            .collect_view()
    };
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let request = request.get_untracked();
        spawn_local(async move {
            let line = match api::check(&request).await {
                Ok(verdict) => (Some(verdict.allowed), verdict_sentence("Server", &verdict)),
                Err(error) => (None, format!("Server check failed: {}", error.message())),
            };
            server.set(Some(line));
            busy.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="check-title">
            <h2 id="check-title">"Check a data request"</h2>
            <form id="check-form" on:submit=check novalidate=true>
                <div class="grid">
                    <div class="field">
                        <label for="check-source">"Source"</label>
                        <input
                            id="check-source"
                            type="text"
                            list="check-sources"
                            autocomplete="off"
                            autocapitalize="none"
                            spellcheck="false"
                            prop:value=move || source.get()
                            on:input=move |ev| source.set(event_target_value(&ev))
                        />
                        <datalist id="check-sources">{source_options}</datalist>
                    </div>
                    <div class="field">
                        <label for="check-symbol">"Symbol"</label>
                        <input
                            id="check-symbol"
                            type="text"
                            autocomplete="off"
                            autocapitalize="none"
                            spellcheck="false"
                            prop:value=move || symbol.get()
                            on:input=move |ev| symbol.set(event_target_value(&ev))
                        />
                    </div>
                    <div class="field">
                        <label for="check-from">"From"</label>
                        <input
                            id="check-from"
                            type="date"
                            prop:value=move || from.get()
                            on:input=move |ev| from.set(event_target_value(&ev))
                        />
                    </div>
                    <div class="field">
                        <label for="check-to">"To"</label>
                        <input
                            id="check-to"
                            type="date"
                            prop:value=move || to.get()
                            on:input=move |ev| to.set(event_target_value(&ev))
                        />
                    </div>
                    <div class="field">
                        <label for="check-timespan">"Bar size"</label>
                        <select
                            id="check-timespan"
                            prop:value=move || timespan.get()
                            on:change=move |ev| timespan.set(event_target_value(&ev))
                        >
                            {timespans}
                        </select>
                    </div>
                </div>
                <p
                    id="check-local-verdict"
                    class="verdict"
                    class:allowed=move || matches!(local.get(), Some((Some(true), _)))
                    class:refused=move || matches!(local.get(), Some((Some(false), _)))
                    aria-live="polite"
                >
                    {move || local.get().map(|(_, line)| line).unwrap_or_else(|| "Local check: waiting for the rules…".into())}
                </p>
                <button type="submit" id="check-server" aria-label="Check with server" disabled=move || busy.get()>
                    {move || if busy.get() { "Checking…" } else { "Check with server" }}
                </button>
                <p
                    id="check-server-verdict"
                    class="verdict"
                    class:allowed=move || matches!(server.get(), Some((Some(true), _)))
                    class:refused=move || matches!(server.get(), Some((Some(false), _)))
                    role="status"
                >
                    {move || server.get().map(|(_, line)| line).unwrap_or_default()}
                </p>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::compliance::Rules;
    use shared::pricing::dates::Date;

    #[test]
    fn the_form_becomes_a_request_that_the_rules_check() {
        let request = data_request(" yahoo ", "AAPL", "", " ", "day");
        assert_eq!(request.source, "yahoo");
        assert_eq!(request.from, None);
        assert_eq!(request.to, None);
        assert_eq!(request.timespan.as_deref(), Some("day"));
        let today = Date::parse("2026-11-23").unwrap();
        let verdict = check_data_request(&Rules::default_rules(), &request, today);
        assert!(!verdict.allowed);
        assert_eq!(verdict.rule_id, "source.approved");
        let ok = data_request("bundled", "sp500", "2020-01-02", "2020-12-31", "day");
        assert!(check_data_request(&Rules::default_rules(), &ok, today).allowed);
    }
}
