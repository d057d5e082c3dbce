//! The Data screen: the bundled datasets and the user's uploads with their
//! provenance, a price chart (line, or candles when zoomed in) over a
//! chosen range, summary statistics, and CSV upload with line-numbered
//! errors. Every series is fetched through the server's compliance gateway;
//! the local verdict is shown before anything is fetched.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{DataRequest, DataResponse, DatasetSummary, UploadSummary};
use shared::calendar::Date;
use shared::compliance::check_data_request;
use shared::data::summary::{summary, Summary};
use shared::data::Provenance;
use wasm_bindgen::JsCast;

use super::chart::{LineChart, Series as Line};
use super::format::short_hash;
use super::goal_bar::verdict_sentence;
use super::session::{use_session, Loaded, SessionGate};
use crate::api::{self, ApiError};
use crate::clock::today;

/// Candles are drawn when the range holds at most this many bars.
pub const MAX_CANDLES: usize = 250;

/// A date as a fractional year, the x axis of the charts.
pub fn year_fraction(date: Date) -> f64 {
    1970.0 + date.days_since_epoch() as f64 / 365.2425
}

/// The first date of a zoom preset ending at `last`: `months` back.
pub fn months_before(last: Date, months: u32) -> Date {
    let total = last.year * 12 + last.month as i32 - 1 - months as i32;
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    let day = last.day.min(shared::calendar::days_in_month(year, month));
    Date { year, month, day }
}

/// Which series is shown.
#[derive(Clone, Debug, PartialEq)]
struct Selected {
    source: String,
    symbol: String,
    title: String,
}

/// The screen.
#[component]
pub fn DataPage() -> impl IntoView {
    let datasets: RwSignal<Loaded<Vec<DatasetSummary>>> = RwSignal::new(None);
    let uploads: RwSignal<Loaded<Vec<UploadSummary>>> = RwSignal::new(None);
    let selected = RwSignal::new(None::<Selected>);
    let reload_uploads = move || {
        spawn_local(async move { uploads.set(Some(api::uploads().await)) });
    };
    spawn_local(async move { datasets.set(Some(api::bundled_datasets().await)) });
    reload_uploads();
    view! {
        <div class="page">
            <SessionGate what="The data" />
            <section class="card" aria-labelledby="datasets-title">
                <h2 id="datasets-title">"Datasets"</h2>
                <p class="muted">"Real data only: the bundled datasets with their published origin, and your own uploads. Every series is fetched through the compliance gateway and audited."</p>
                <DatasetList datasets uploads selected />
            </section>
            <Viewer selected />
            <UploadCard uploads selected on_uploaded=reload_uploads />
        </div>
    }
}

#[component]
fn DatasetList(
    datasets: RwSignal<Loaded<Vec<DatasetSummary>>>,
    uploads: RwSignal<Loaded<Vec<UploadSummary>>>,
    selected: RwSignal<Option<Selected>>,
) -> impl IntoView {
    let item = move |source: &'static str,
                     symbol: String,
                     title: String,
                     provenance: Provenance| {
        let pick = Selected {
            source: source.to_string(),
            symbol: symbol.clone(),
            title: title.clone(),
        };
        let is_selected = {
            let pick = pick.clone();
            move || selected.with(|s| s.as_ref() == Some(&pick))
        };
        view! {
            <li class="dataset" data-source=source data-symbol=symbol.clone()>
                <button
                    type="button"
                    class="dataset-pick"
                    aria-pressed=move || is_selected().to_string()
                    on:click=move |_| selected.set(Some(pick.clone()))
                >
                    <strong>{title}</strong>
                    <span class="muted">
                        {format!(
                            " · {} · {} to {} · {} rows",
                            provenance.symbol, provenance.first, provenance.last, provenance.rows
                        )}
                    </span>
                </button>
                <small class="muted provenance">
                    {format!("{} — {} · hash ", source, provenance.origin)}
                    <code title=provenance.content_hash.clone()>{short_hash(&provenance.content_hash)}</code>
                </small>
            </li>
        }
    };
    let bundled = move || {
        datasets.with(|loaded| match loaded {
            None => view! { <p class="status" role="status">"Loading datasets…"</p> }.into_any(),
            Some(Err(error)) => {
                view! { <p class="error" role="alert">{error.message()}</p> }.into_any()
            }
            Some(Ok(list)) => list
                .iter()
                .map(|d| {
                    item(
                        "bundled",
                        d.id.clone(),
                        d.title.clone(),
                        d.provenance.clone(),
                    )
                })
                .collect_view()
                .into_any(),
        })
    };
    let mine = move || {
        uploads.with(|loaded| match loaded {
            Some(Ok(list)) => list
                .iter()
                .map(|u| {
                    item(
                        "user_upload",
                        u.id.to_string(),
                        u.name.clone(),
                        u.provenance.clone(),
                    )
                })
                .collect_view()
                .into_any(),
            Some(Err(error)) => {
                view! { <p class="error" role="alert">{error.message()}</p> }.into_any()
            }
            None => ().into_any(),
        })
    };
    view! {
        <ul id="dataset-list" class="plain-list dataset-list">{bundled}{mine}</ul>
    }
}

/// The chart, range and statistics of the selected series.
#[component]
fn Viewer(selected: RwSignal<Option<Selected>>) -> impl IntoView {
    let session = use_session();
    let loaded = RwSignal::new(None::<Result<DataResponse, ApiError>>);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let candles = RwSignal::new(false);
    let request = Memo::new(move |_| {
        selected.get().map(|s| DataRequest {
            source: s.source,
            symbol: s.symbol,
            from: None,
            to: None,
            timespan: None,
            multiplier: None,
        })
    });
    let local_verdict = Memo::new(move |_| {
        let request = request.get()?;
        session.rules.with(|rules| match rules {
            Some(Ok(doc)) => Some(check_data_request(&doc.rules, &request, today())),
            _ => None,
        })
    });
    // Fetch when a dataset is picked and the local check allows it.
    Effect::new(move |_| {
        let Some(request) = request.get() else { return };
        if local_verdict.with(|v| v.as_ref().is_some_and(|v| !v.allowed)) {
            loaded.set(None);
            return;
        }
        loaded.set(None);
        from.set(String::new());
        to.set(String::new());
        spawn_local(async move { loaded.set(Some(api::data(&request).await)) });
    });
    let window = Memo::new(move |_| {
        loaded.with(|l| match l {
            Some(Ok(response)) => {
                let parse = |s: String| Date::parse(&s).ok();
                response
                    .series
                    .between(parse(from.get()), parse(to.get()))
                    .map_err(|e| e.to_string())
                    .map(Some)
            }
            _ => Ok(None),
        })
    });
    let preset = move |months: Option<u32>| {
        let last = loaded.with_untracked(|l| match l {
            Some(Ok(r)) => Some(r.series.provenance().last),
            _ => None,
        });
        match (months, last) {
            (Some(months), Some(last)) => {
                from.set(months_before(last, months).to_string());
                to.set(String::new());
            }
            _ => {
                from.set(String::new());
                to.set(String::new());
            }
        }
    };
    let verdict_line = move || {
        local_verdict.get().map(|v| {
            let class = if v.allowed { "verdict allowed" } else { "verdict refused" };
            view! { <p id="data-local-verdict" class=class>{verdict_sentence("Local check", &v)}</p> }
        })
    };
    let server_line = move || {
        loaded.with(|l| match l {
            None if selected.with(Option::is_some)
                && local_verdict.with(|v| v.as_ref().is_none_or(|v| v.allowed)) =>
            {
                Some(view! { <p class="status" role="status">"Loading the series…"</p> }.into_any())
            }
            Some(Ok(response)) => Some(
                view! {
                    <p id="data-server-verdict" class="verdict allowed">
                        {verdict_sentence("Server", &response.verdict)}
                        {if response.cached { " (served from the store)" } else { "" }}
                    </p>
                }
                .into_any(),
            ),
            Some(Err(error)) => Some(
                view! { <p id="data-error" class="error" role="alert">{error.message()}</p> }
                    .into_any(),
            ),
            None => None,
        })
    };
    let chart = move || match window.get() {
        Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        Ok(None) => ().into_any(),
        Ok(Some(series)) => {
            let bars = series.bars().map(<[_]>::to_vec);
            match bars {
                Some(bars) if candles.get() && bars.len() <= MAX_CANDLES => {
                    view! { <CandleChart bars /> }.into_any()
                }
                _ => {
                    let points: Vec<(f64, f64)> = series
                        .dates()
                        .into_iter()
                        .zip(series.closes())
                        .map(|(d, v)| (year_fraction(d), v))
                        .collect();
                    let lines = vec![Line {
                        name: series.provenance().symbol.clone(),
                        class: "series-a",
                        points,
                    }];
                    let note = (candles.get() && series.bars().is_some()).then(|| {
                        view! { <p class="muted">{format!("Candles show at most {MAX_CANDLES} bars: pick a shorter range.")}</p> }
                    });
                    view! {
                        <LineChart title="Price" x_label="year" series=Signal::derive(move || lines.clone()) markers=Signal::derive(Vec::new) />
                        {note}
                    }
                    .into_any()
                }
            }
        }
    };
    let stats = move || match window.get() {
        Ok(Some(series)) => Some(stats_view(&summary(&series))),
        _ => None,
    };
    view! {
        <section class="card" aria-labelledby="viewer-title">
            <h2 id="viewer-title">
                {move || selected.get().map_or("Pick a dataset".to_string(), |s| s.title)}
            </h2>
            {verdict_line}
            {server_line}
            <Show when=move || matches!(loaded.get(), Some(Ok(_)))>
                <div class="range-buttons" role="group" aria-label="Range">
                    <button type="button" on:click=move |_| preset(None)>"All"</button>
                    <button type="button" on:click=move |_| preset(Some(60))>"5Y"</button>
                    <button type="button" on:click=move |_| preset(Some(12))>"1Y"</button>
                    <button type="button" id="range-3m" on:click=move |_| preset(Some(3))>"3M"</button>
                </div>
                <div class="grid">
                    <div class="field">
                        <label for="data-from">"From"</label>
                        <input id="data-from" type="date" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev)) />
                    </div>
                    <div class="field">
                        <label for="data-to">"To"</label>
                        <input id="data-to" type="date" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev)) />
                    </div>
                    <div class="field checkbox">
                        <input id="data-candles" type="checkbox" prop:checked=move || candles.get() on:change=move |ev| candles.set(event_target_checked(&ev)) />
                        <label for="data-candles">"Candles"</label>
                    </div>
                </div>
                <div id="data-chart">{chart}</div>
                {stats}
            </Show>
        </section>
    }
}

fn stats_view(s: &Summary) -> impl IntoView {
    let pct = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{:.2}%", v * 100.0));
    view! {
        <dl id="data-stats" class="facts">
            <dt>"Rows"</dt><dd id="stat-rows">{s.rows}</dd>
            <dt>"Missing dates (reported, not filled)"</dt><dd>{s.missing}</dd>
            <dt>"Span"</dt><dd>{format!("{} to {}", s.first, s.last)}</dd>
            <dt>"Low / high"</dt><dd>{format!("{:.2} / {:.2}", s.min, s.max)}</dd>
            <dt>"Last"</dt><dd>{format!("{:.2}", s.last_value)}</dd>
            <dt>"Total return"</dt><dd>{pct(s.total_return)}</dd>
            <dt>"Annualised return (log)"</dt><dd>{pct(s.annualised_return)}</dd>
            <dt>"Annualised volatility"</dt><dd>{pct(s.annualised_volatility)}</dd>
            <dt>"Max drawdown"</dt><dd>{pct(s.max_drawdown)}</dd>
        </dl>
    }
}

/// OHLC candles as SVG rectangles and wicks (no inline styles).
#[component]
fn CandleChart(bars: Vec<shared::data::Bar>) -> impl IntoView {
    const W: f64 = 360.0;
    const H: f64 = 220.0;
    const PAD: f64 = 24.0;
    let lo = bars.iter().map(|b| b.low).fold(f64::INFINITY, f64::min);
    let hi = bars
        .iter()
        .map(|b| b.high)
        .fold(f64::NEG_INFINITY, f64::max);
    let span = (hi - lo).max(f64::EPSILON);
    let y = move |v: f64| PAD + (hi - v) / span * (H - 2.0 * PAD);
    let step = (W - 2.0 * PAD) / bars.len().max(1) as f64;
    let body = (step * 0.7).max(1.0);
    let candles = bars
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let x = PAD + (i as f64 + 0.5) * step;
            let class = if b.close >= b.open { "candle up" } else { "candle down" };
            let top = y(b.open.max(b.close));
            let height = (y(b.open.min(b.close)) - top).max(0.5);
            view! {
                <g class=class>
                    <title>{format!("{}: O {:.2} H {:.2} L {:.2} C {:.2}", b.date, b.open, b.high, b.low, b.close)}</title>
                    <line x1=x x2=x y1=y(b.high) y2=y(b.low) />
                    <rect x=x - body / 2.0 y=top width=body height=height />
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label="Candles">
                <title>"Candles"</title>
                <text x=PAD y=PAD - 6.0 class="tick">{format!("{hi:.2}")}</text>
                <text x=PAD y=H - PAD + 14.0 class="tick">{format!("{lo:.2}")}</text>
                {candles}
            </svg>
        </figure>
    }
}

/// Upload a CSV: errors are listed by line; nothing is stored on error.
#[component]
fn UploadCard(
    uploads: RwSignal<Loaded<Vec<UploadSummary>>>,
    selected: RwSignal<Option<Selected>>,
    on_uploaded: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let status = RwSignal::new(None::<Result<String, String>>);
    let busy = RwSignal::new(false);
    let _ = uploads;
    let on_change = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        busy.set(true);
        status.set(None);
        spawn_local(async move {
            let name = file.name();
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|v| v.as_string());
            let outcome = match text {
                None => Err(format!("{name} could not be read as text")),
                Some(text) => match api::upload(&name, &text).await {
                    Ok(summary) => {
                        on_uploaded();
                        selected.set(Some(Selected {
                            source: "user_upload".into(),
                            symbol: summary.id.to_string(),
                            title: summary.name.clone(),
                        }));
                        Ok(format!(
                            "Stored {} ({} rows, {} to {}).",
                            summary.name,
                            summary.provenance.rows,
                            summary.provenance.first,
                            summary.provenance.last
                        ))
                    }
                    Err(error) => Err(error.message()),
                },
            };
            status.set(Some(outcome));
            busy.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="upload-title">
            <h2 id="upload-title">"Upload a CSV"</h2>
            <p class="muted">"A date column (YYYY-MM-DD, M/D/YYYY, YYYYMMDD, \"Jan 1 2000\", …) and either Open/High/Low/Close[/Volume] or one value column. Bad rows are listed with their line numbers and nothing is stored."</p>
            <div class="field">
                <label for="upload-file">"CSV file"</label>
                <input id="upload-file" type="file" accept=".csv,text/csv" disabled=move || busy.get() on:change=on_change />
            </div>
            {move || status.get().map(|s| match s {
                Ok(line) => view! { <p id="upload-ok" class="verdict allowed" role="status">{line}</p> }.into_any(),
                Err(lines) => view! { <pre id="upload-errors" class="error" role="alert">{lines}</pre> }.into_any(),
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_step_back_by_months_and_clamp_days() {
        let d = |s: &str| Date::parse(s).unwrap();
        assert_eq!(months_before(d("2018-12-31"), 3), d("2018-09-30"));
        assert_eq!(months_before(d("2018-03-31"), 1), d("2018-02-28"));
        assert_eq!(months_before(d("2018-01-15"), 12), d("2017-01-15"));
        assert_eq!(months_before(d("2018-01-15"), 60), d("2013-01-15"));
    }

    #[test]
    fn year_fraction_is_monotone() {
        let a = year_fraction(Date::parse("2000-01-01").unwrap());
        let b = year_fraction(Date::parse("2000-07-01").unwrap());
        assert!((a - 2000.0).abs() < 0.01 && b > a && b < 2001.0);
    }
}
