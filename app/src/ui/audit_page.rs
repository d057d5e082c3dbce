//! The Audit screen: whether the audit chain verifies, filters (kind,
//! verdict, dates; user id for admins), and the entries newest first as
//! cards, with "Load older" paging.

use super::format::{counted, short_hash, timestamp};
use super::session::{use_session, SessionGate};
use crate::api::{self, ApiError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{AuditEntry, AuditQuery, ChainReport};
use shared::pricing::dates::Date;

/// Entries per page.
const PAGE: u32 = 50;

/// The chain report as a banner line, and whether it verified.
pub fn chain_banner(report: &ChainReport) -> (bool, String) {
    if report.ok {
        return (
            true,
            format!(
                "Audit chain verified: {}",
                counted(report.entries, "entry", "entries")
            ),
        );
    }
    let line = match &report.first_broken {
        Some(link) => format!("Audit chain BROKEN at entry #{}: {}", link.seq, link.reason),
        None => "Audit chain BROKEN: the head does not match".to_string(),
    };
    (false, line)
}

/// The filters as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filters {
    /// Event kind, e.g. `goal.set`; empty for any.
    pub kind: String,
    /// `allowed`, `refused`, `none`, or empty for any.
    pub verdict: String,
    /// First day (`YYYY-MM-DD`), or empty.
    pub from: String,
    /// Last day (`YYYY-MM-DD`), or empty.
    pub to: String,
    /// User id (admins only), or empty.
    pub user_id: String,
}

impl Filters {
    /// The query for these filters, or what is wrong with them.
    /// `user_id` is ignored unless `admin`.
    pub fn to_query(&self, admin: bool) -> Result<AuditQuery, String> {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let date = |name: &str, s: &str| -> Result<Option<String>, String> {
            match text(s) {
                None => Ok(None),
                Some(s) => Date::parse(&s)
                    .map(|_| Some(s))
                    .map_err(|e| format!("{name} date: {e}")),
            }
        };
        let verdict = text(&self.verdict);
        if let Some(v) = &verdict {
            if !matches!(v.as_str(), "allowed" | "refused" | "none") {
                return Err(format!("verdict \"{v}\" is not allowed, refused or none"));
            }
        }
        let from = date("from", &self.from)?;
        let to = date("to", &self.to)?;
        if let (Some(f), Some(t)) = (&from, &to) {
            if f > t {
                return Err(format!("the from date {f} is after the to date {t}"));
            }
        }
        let user_id = match text(&self.user_id).filter(|_| admin) {
            None => None,
            Some(s) => Some(
                s.parse::<i64>()
                    .ok()
                    .filter(|id| *id > 0)
                    .ok_or_else(|| format!("user id \"{s}\" is not a positive whole number"))?,
            ),
        };
        Ok(AuditQuery {
            user_id,
            kind: text(&self.kind),
            verdict,
            from,
            to,
            before: None,
            limit: Some(PAGE),
        })
    }
}

/// Kinds offered as suggestions in the kind filter.
const KNOWN_KINDS: [&str; 7] = [
    "goal.set",
    "compliance.check",
    "data.fetch",
    "result.record",
    "upload.store",
    "auth.login",
    "auth.logout",
];

/// The screen.
#[component]
pub fn AuditPage() -> impl IntoView {
    let session = use_session();
    let admin = Memo::new(move |_| {
        session
            .me()
            .is_some_and(|me| me.role == shared::api::Role::Admin)
    });
    let kind = RwSignal::new(String::new());
    let verdict = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let user_id = RwSignal::new(String::new());
    let filter_error = RwSignal::new(None::<String>);

    let chain = RwSignal::new(None::<Result<ChainReport, ApiError>>);
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let next_before = RwSignal::new(None::<i64>);
    let applied = RwSignal::new(AuditQuery::default());
    let list_error = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let loaded = RwSignal::new(false);
    // Answers to superseded requests are dropped.
    let generation = StoredValue::new(0u64);

    let fetch = move |query: AuditQuery, append: bool| {
        let ticket = generation.get_value() + 1;
        generation.set_value(ticket);
        loading.set(true);
        list_error.set(None);
        spawn_local(async move {
            let answer = api::audit(&query).await;
            if generation.try_get_value() != Some(ticket) {
                return;
            }
            match answer {
                Ok(page) => {
                    if append {
                        entries.update(|list| list.extend(page.entries));
                    } else {
                        entries.set(page.entries);
                    }
                    next_before.set(page.next_before);
                    loaded.set(true);
                }
                Err(error) => list_error.set(Some(error.message())),
            }
            loading.set(false);
        });
    };
    let verify = move || {
        chain.set(None);
        spawn_local(async move {
            let report = api::verify_audit().await;
            chain.set(Some(report));
        });
    };
    let apply = move || {
        let filters = Filters {
            kind: kind.get_untracked(),
            verdict: verdict.get_untracked(),
            from: from.get_untracked(),
            to: to.get_untracked(),
            user_id: user_id.get_untracked(),
        };
        match filters.to_query(admin.get_untracked()) {
            Ok(query) => {
                filter_error.set(None);
                applied.set(query.clone());
                fetch(query, false);
            }
            Err(message) => filter_error.set(Some(message)),
        }
    };
    // First load once the session is ready (a deep link may arrive first).
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        if session.me().is_some() {
            verify();
            apply();
            true
        } else {
            false
        }
    });

    let banner = move || {
        chain.get().map(|report| match report {
            Ok(report) => {
                let (ok, line) = chain_banner(&report);
                let head = report.head_hash.clone();
                view! {
                    <div id="audit-chain" class="banner" class:ok=ok class:broken=!ok role="status">
                        <p>{line}</p>
                        <p class="banner-hash">
                            "Head hash " <code title=head.clone()>{short_hash(&head)}</code>
                        </p>
                    </div>
                }
                .into_any()
            }
            Err(error) => view! {
                <div id="audit-chain" class="banner broken" role="alert">
                    <p>"Could not verify the audit chain: " {error.message()}</p>
                </div>
            }
            .into_any(),
        })
    };

    let kind_options = KNOWN_KINDS
        .iter()
        .map(|k| view! { <option value=*k></option> })
        .collect_view();

    let list = move || {
        let items = entries.get();
        if items.is_empty() {
            return (loaded.get() && !loading.get()).then(|| {
                view! { <p id="audit-empty" class="status">"No audit entries match these filters."</p> }
                    .into_any()
            });
        }
        let cards = items.into_iter().map(entry_card).collect_view();
        Some(view! { <ol id="audit-list" class="audit-list">{cards}</ol> }.into_any())
    };

    view! {
        <div class="stack">
            <SessionGate what="The audit trail" />
            <section class="card" aria-labelledby="audit-title">
                <h2 id="audit-title">"Audit trail" <small>" every verdict and event, hash-chained"</small></h2>
                {banner}
                <form
                    id="audit-filters"
                    class="filters"
                    novalidate=true
                    on:submit=move |ev| {
                        ev.prevent_default();
                        apply();
                    }
                >
                    <div class="grid">
                        <div class="field">
                            <label for="audit-kind">"Kind"</label>
                            <input
                                id="audit-kind"
                                type="text"
                                list="audit-kinds"
                                autocomplete="off"
                                spellcheck="false"
                                placeholder="any"
                                prop:value=move || kind.get()
                                on:input=move |ev| kind.set(event_target_value(&ev))
                            />
                            <datalist id="audit-kinds">{kind_options}</datalist>
                        </div>
                        <div class="field">
                            <label for="audit-verdict">"Verdict"</label>
                            <select
                                id="audit-verdict"
                                prop:value=move || verdict.get()
                                on:change=move |ev| verdict.set(event_target_value(&ev))
                            >
                                <option value="">"Any"</option>
                                <option value="allowed">"Allowed"</option>
                                <option value="refused">"Refused"</option>
                                <option value="none">"None"</option>
                            </select>
                        </div>
                        <div class="field">
                            <label for="audit-from">"From"</label>
                            <input
                                id="audit-from"
                                type="date"
                                prop:value=move || from.get()
                                on:input=move |ev| from.set(event_target_value(&ev))
                            />
                        </div>
                        <div class="field">
                            <label for="audit-to">"To"</label>
                            <input
                                id="audit-to"
                                type="date"
                                prop:value=move || to.get()
                                on:input=move |ev| to.set(event_target_value(&ev))
                            />
                        </div>
                        <Show when=move || admin.get()>
                            <div class="field">
                                <label for="audit-user">"User id"</label>
                                <input
                                    id="audit-user"
                                    type="text"
                                    inputmode="numeric"
                                    autocomplete="off"
                                    placeholder="any"
                                    prop:value=move || user_id.get()
                                    on:input=move |ev| user_id.set(event_target_value(&ev))
                                />
                            </div>
                        </Show>
                    </div>
                    <p class="field-error" id="audit-filter-error" role="alert">
                        {move || filter_error.get().unwrap_or_default()}
                    </p>
                    <div class="row wrap">
                        <button type="submit" id="audit-apply" aria-label="Apply filters">"Apply filters"</button>
                        <button
                            type="button"
                            id="audit-reset"
                            class="secondary"
                            aria-label="Clear filters"
                            on:click=move |_| {
                                kind.set(String::new());
                                verdict.set(String::new());
                                from.set(String::new());
                                to.set(String::new());
                                user_id.set(String::new());
                                apply();
                                verify();
                            }
                        >
                            "Clear"
                        </button>
                    </div>
                </form>
            </section>
            <section aria-label="Audit entries" aria-busy=move || loading.get().to_string()>
                <p class="error" id="audit-error" role="alert">{move || list_error.get().unwrap_or_default()}</p>
                {list}
                <Show when=move || next_before.get().is_some()>
                    <button
                        type="button"
                        id="audit-older"
                        class="secondary older"
                        aria-label="Load older entries"
                        disabled=move || loading.get()
                        on:click=move |_| {
                            let mut query = applied.get_untracked();
                            query.before = next_before.get_untracked();
                            fetch(query, true);
                        }
                    >
                        {move || if loading.get() { "Loading…" } else { "Load older" }}
                    </button>
                </Show>
            </section>
        </div>
    }
}

/// One entry as a card.
fn entry_card(entry: AuditEntry) -> impl IntoView {
    let badge_class = match entry.verdict.as_str() {
        "allowed" => "badge allowed",
        "refused" => "badge refused",
        _ => "badge none",
    };
    let rule = (!entry.rule_id.is_empty() || !entry.reason.is_empty()).then(|| {
        view! {
            <p class="entry-rule">
                {(!entry.rule_id.is_empty()).then(|| view! { <code class="rule-id">{entry.rule_id.clone()}</code> " " })}
                <span class="reason">{entry.reason.clone()}</span>
            </p>
        }
    });
    let provenance = entry.provenance_hash.clone().map(|hash| {
        view! {
            <p class="entry-hash">
                "Provenance " <code class="hash" title=hash.clone()>{short_hash(&hash)}</code>
            </p>
        }
    });
    view! {
        <li
            class="audit-entry"
            data-seq=entry.seq.to_string()
            data-kind=entry.kind.clone()
            data-verdict=entry.verdict.clone()
        >
            <div class="entry-head">
                <span class="seq">"#" {entry.seq}</span>
                <span class="kind">{entry.kind.clone()}</span>
                <span class=badge_class>{entry.verdict.clone()}</span>
            </div>
            <p class="entry-meta muted">
                <time datetime=entry.at.clone()>{timestamp(&entry.at)}</time>
                " · "
                <span class="actor">{entry.actor.clone()}</span>
            </p>
            {rule}
            {provenance}
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::BrokenLink;

    fn report(ok: bool, entries: u64, broken: Option<BrokenLink>) -> ChainReport {
        ChainReport {
            ok,
            entries,
            head_hash: "ab".repeat(32),
            first_broken: broken,
        }
    }

    #[test]
    fn banner_says_verified_or_where_it_broke() {
        assert_eq!(
            chain_banner(&report(true, 3, None)),
            (true, "Audit chain verified: 3 entries".to_string())
        );
        assert_eq!(
            chain_banner(&report(true, 1, None)).1,
            "Audit chain verified: 1 entry"
        );
        let broken = BrokenLink {
            seq: 7,
            reason: "hash does not match its content".into(),
        };
        assert_eq!(
            chain_banner(&report(false, 9, Some(broken))),
            (
                false,
                "Audit chain BROKEN at entry #7: hash does not match its content".to_string()
            )
        );
        assert!(!chain_banner(&report(false, 9, None)).0);
    }

    #[test]
    fn filters_become_a_query() {
        let filters = Filters {
            kind: " goal.set ".into(),
            verdict: "refused".into(),
            from: "2026-01-01".into(),
            to: "2026-02-01".into(),
            user_id: "4".into(),
        };
        let query = filters.to_query(true).unwrap();
        assert_eq!(query.kind.as_deref(), Some("goal.set"));
        assert_eq!(query.verdict.as_deref(), Some("refused"));
        assert_eq!(query.user_id, Some(4));
        assert_eq!(query.limit, Some(PAGE));
        // Only admins filter by user.
        assert_eq!(filters.to_query(false).unwrap().user_id, None);
        assert_eq!(Filters::default().to_query(true).unwrap().kind, None);
    }

    #[test]
    fn bad_filters_are_explained() {
        let bad = |f: Filters| f.to_query(true).unwrap_err();
        assert!(bad(Filters {
            from: "2026-02-30".into(),
            ..Filters::default()
        })
        .starts_with("from date"));
        assert!(bad(Filters {
            from: "2026-03-01".into(),
            to: "2026-02-01".into(),
            ..Filters::default()
        })
        .contains("after"));
        assert!(bad(Filters {
            user_id: "x".into(),
            ..Filters::default()
        })
        .contains("user id"));
        assert!(bad(Filters {
            verdict: "maybe".into(),
            ..Filters::default()
        })
        .contains("maybe"));
    }
}
