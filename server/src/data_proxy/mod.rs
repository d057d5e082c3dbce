//! The data proxy: serves a [`DataRequest`] from its source, after the
//! compliance gateway allowed it. `bundled` comes from the datasets compiled
//! into `shared`, `user_upload` from the user's own stored files, `polygon`
//! and `fred` from the store's cache or else the provider (through
//! [`crate::upstream`]), then cached with provenance.
//!
//! It does not check compliance or audit: the route does both, around it.

mod convert;

use std::sync::{Arc, OnceLock};

use axum::http::StatusCode;
use shared::api::{DataRequest, DatasetSummary};
use shared::data::{bundled, Series};

use crate::problem::Problem;
use crate::store::{cache, now_ms, uploads, Store};
use crate::upstream::{FredClient, PolygonClient, Timespan, UpstreamStats};

/// The providers' clients.
pub struct DataProxy {
    polygon: PolygonClient,
    fred: FredClient,
    stats: Arc<UpstreamStats>,
}

/// A series and whether it came from the cache.
pub struct Fetched {
    /// The data with its provenance.
    pub series: Series,
    /// True when served from the store's cache (or compiled-in data).
    pub cached: bool,
}

impl DataProxy {
    /// A proxy over the two clients, sharing one stats record.
    pub fn new(polygon: PolygonClient, fred: FredClient, stats: Arc<UpstreamStats>) -> Self {
        Self {
            polygon: polygon.with_stats(Arc::clone(&stats)),
            fred: fred.with_stats(Arc::clone(&stats)),
            stats,
        }
    }

    /// Upstream counters, for metrics.
    pub fn stats(&self) -> &Arc<UpstreamStats> {
        &self.stats
    }

    /// The Polygon client (breaker state for metrics).
    pub fn polygon(&self) -> &PolygonClient {
        &self.polygon
    }

    /// The FRED client (breaker state for metrics).
    pub fn fred(&self) -> &FredClient {
        &self.fred
    }

    /// Serves an allowed `request` for `user_id`.
    pub async fn fetch(
        &self,
        store: &Store,
        user_id: i64,
        request: &DataRequest,
    ) -> Result<Fetched, Problem> {
        match request.source.as_str() {
            "bundled" => {
                let series = bundled_series(&request.symbol)?;
                Ok(Fetched {
                    series: within(series.clone(), request)?,
                    cached: true,
                })
            }
            "user_upload" => {
                let id: i64 = request
                    .symbol
                    .parse()
                    .map_err(|_| Problem::invalid("an upload id is a number"))?;
                let upload = store
                    .read(move |c| uploads::get(c, user_id, id).map_err(Problem::from))
                    .await?
                    .ok_or_else(|| Problem::not_found(format!("you have no upload {id}")))?;
                let series: Series =
                    serde_json::from_str(&upload.series_json).map_err(|e| Problem::internal(&e))?;
                Ok(Fetched {
                    series: within(series, request)?,
                    cached: true,
                })
            }
            "polygon" | "fred" => self.fetch_upstream(store, request).await,
            other => Err(Problem::invalid(format!("unknown source {other:?}"))),
        }
    }

    async fn fetch_upstream(
        &self,
        store: &Store,
        request: &DataRequest,
    ) -> Result<Fetched, Problem> {
        let key = cache_key(request);
        let lookup = key.clone();
        let hit = store
            .read(move |c| cache::get(c, &lookup).map_err(Problem::from))
            .await?
            .filter(|hit| is_fresh(request, hit.fetched_at, now_ms(), crate::state::today()));
        if let Some(hit) = hit {
            if let Ok(series) = serde_json::from_str::<Series>(&hit.series_json) {
                return Ok(Fetched {
                    series,
                    cached: true,
                });
            }
            tracing::warn!("ignoring a cache entry that no longer decodes");
        }
        let series = if request.source == "polygon" {
            self.fetch_polygon(request).await?
        } else {
            self.fetch_fred(request).await?
        };
        let cached = cache::Cached {
            series_json: serde_json::to_string(&series).map_err(|e| Problem::internal(&e))?,
            provenance_hash: series.provenance().content_hash.clone(),
            fetched_at: now_ms(),
        };
        let source = request.source.clone();
        store
            .write(move |tx| cache::put(tx, &key, &source, &cached).map_err(Problem::from))
            .await?;
        Ok(Fetched {
            series,
            cached: false,
        })
    }

    async fn fetch_polygon(&self, request: &DataRequest) -> Result<Series, Problem> {
        if !self.polygon.is_configured() {
            return Err(not_configured("polygon", crate::upstream::POLYGON_KEY_ENV));
        }
        let timespan_name = request.timespan.as_deref().unwrap_or("day");
        let timespan = Timespan::from_name(timespan_name)
            .ok_or_else(|| Problem::invalid(format!("unknown timespan {timespan_name:?}")))?;
        if matches!(timespan, Timespan::Minute | Timespan::Hour) {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unsupported_timespan",
                "intraday bars (minute, hour) are not served yet: series are dated by day; \
                 ask for day, week, month, quarter or year",
            ));
        }
        let (Some(from), Some(to)) = (&request.from, &request.to) else {
            return Err(Problem::invalid(
                "polygon requests need both from and to dates",
            ));
        };
        let multiplier = request.multiplier.unwrap_or(1);
        let bars = self
            .polygon
            .aggregates(&request.symbol, multiplier, timespan, from, to)
            .await
            .map_err(|error| error.problem())?;
        convert::polygon_series(&request.symbol, multiplier, timespan, &bars)
            .map_err(invalid_upstream)
    }

    async fn fetch_fred(&self, request: &DataRequest) -> Result<Series, Problem> {
        if !self.fred.is_configured() {
            return Err(not_configured("fred", crate::upstream::FRED_KEY_ENV));
        }
        let observations = self
            .fred
            .observations(
                &request.symbol,
                request.from.as_deref(),
                request.to.as_deref(),
            )
            .await
            .map_err(|error| error.problem())?;
        convert::fred_series(&request.symbol, &observations).map_err(invalid_upstream)
    }
}

/// Every bundled dataset, gunzipped, parsed and hashed once per process.
fn bundled_all() -> &'static [(DatasetSummary, Series)] {
    static ALL: OnceLock<Vec<(DatasetSummary, Series)>> = OnceLock::new();
    ALL.get_or_init(|| {
        bundled::catalog()
            .iter()
            .filter_map(|info| match bundled::load(info.id) {
                Ok(series) => Some((
                    DatasetSummary {
                        id: info.id.to_string(),
                        title: info.title.to_string(),
                        provenance: series.provenance().clone(),
                    },
                    series,
                )),
                Err(error) => {
                    tracing::error!(id = info.id, %error, "a bundled dataset does not load");
                    None
                }
            })
            .collect()
    })
}

/// The bundled catalog with provenance.
pub fn bundled_catalog() -> Vec<DatasetSummary> {
    bundled_all()
        .iter()
        .map(|(summary, _)| summary.clone())
        .collect()
}

/// The bundled dataset `id`, or 404 naming the known ids.
fn bundled_series(id: &str) -> Result<&'static Series, Problem> {
    bundled_all()
        .iter()
        .find(|(summary, _)| summary.id == id)
        .map(|(_, series)| series)
        .ok_or_else(|| {
            let known: Vec<&str> = bundled_all().iter().map(|(s, _)| s.id.as_str()).collect();
            Problem::not_found(format!(
                "there is no bundled dataset {id:?}; known: {}",
                known.join(", ")
            ))
        })
}

/// How long a cached answer whose range reaches today stays fresh: today's
/// bar and the latest observations still change.
pub const OPEN_RANGE_TTL_MS: i64 = 15 * 60 * 1000;

/// Whether a cached answer fetched at `fetched_at` may still be served.
/// Ranges that end before today are history and never change; a range with
/// no end, or one that reaches today, is refetched after
/// [`OPEN_RANGE_TTL_MS`].
fn is_fresh(
    request: &DataRequest,
    fetched_at: i64,
    now_ms: i64,
    today: shared::calendar::Date,
) -> bool {
    let closed = request
        .to
        .as_deref()
        .and_then(|to| shared::calendar::Date::parse(to).ok())
        .is_some_and(|to| to < today);
    closed || now_ms.saturating_sub(fetched_at) < OPEN_RANGE_TTL_MS
}

/// The normalised cache key of an upstream request.
fn cache_key(request: &DataRequest) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}",
        request.source,
        request.symbol,
        request.multiplier.unwrap_or(1),
        request.timespan.as_deref().unwrap_or("day"),
        request.from.as_deref().unwrap_or(""),
        request.to.as_deref().unwrap_or("")
    )
}

/// `series` cut to the request's from/to (stored data is whole files).
fn within(series: Series, request: &DataRequest) -> Result<Series, Problem> {
    if request.from.is_none() && request.to.is_none() {
        return Ok(series);
    }
    let parse = |text: &Option<String>| {
        text.as_deref()
            .map(shared::calendar::Date::parse)
            .transpose()
            .map_err(|e| Problem::invalid(e.to_string()))
    };
    let (from, to) = (parse(&request.from)?, parse(&request.to)?);
    series
        .between(from, to)
        .map_err(|e| Problem::new(StatusCode::NOT_FOUND, "no_data_in_range", e.to_string()))
}

fn not_configured(source: &str, variable: &str) -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "source_not_configured",
        format!("{source} is not configured on this server: set {variable} in its environment"),
    )
}

fn invalid_upstream(reason: String) -> Problem {
    Problem::new(
        StatusCode::BAD_GATEWAY,
        "upstream_invalid_data",
        format!("the provider sent data that fails validation: {reason}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(to: Option<&str>) -> DataRequest {
        DataRequest {
            source: "polygon".into(),
            symbol: "AAPL".into(),
            from: Some("2024-01-02".into()),
            to: to.map(str::to_string),
            timespan: None,
            multiplier: None,
        }
    }

    #[test]
    fn history_stays_cached_and_open_ranges_expire() {
        let today = shared::calendar::Date::parse("2026-11-23").unwrap();
        let day = 24 * 3600 * 1000;
        let history = request(Some("2026-11-20"));
        assert!(is_fresh(&history, 0, 365 * day, today));
        for open in [request(Some("2026-11-23")), request(None)] {
            assert!(is_fresh(&open, 0, OPEN_RANGE_TTL_MS - 1, today));
            assert!(!is_fresh(&open, 0, OPEN_RANGE_TTL_MS, today));
        }
    }
}
