//! The FRED series observations client.
//!
//! `GET /fred/series/observations?series_id=ID&api_key=KEY&file_type=json`,
//! with `observation_start`/`observation_end` when given and `limit`/`offset`
//! paging. FRED takes its key only as the `api_key` query parameter, so the
//! URLs built here hold the key: they must never be logged, stored or put in
//! an error. Missing values (`"."`) are reported as missing, never filled.
//! No caching, auditing or provenance here.

use std::sync::Arc;

use reqwest::Url;
use serde::Deserialize;

use super::breaker::{BreakerState, Clock};
use super::error::UpstreamError;
use super::input::{is_identifier, is_iso_date};
use super::provider::Provider;
use super::secret::ApiKey;
use super::settings::UpstreamSettings;
use super::stats::UpstreamStats;
use super::transport::{KeyIn, Transport};
use super::{json_error, parse_base_url};

const PROVIDER: Provider = Provider::Fred;

/// FRED's largest `limit`.
pub const MAX_PAGE_LIMIT: u32 = 100_000;

/// A series' observations: the numeric points, and the dates FRED marks as
/// missing (value `"."`), both in FRED's (ascending date) order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FredObservations {
    /// `(date YYYY-MM-DD, value)` for every observation with a number.
    pub points: Vec<(String, f64)>,
    /// Dates whose value was `"."`: reported, never filled.
    pub missing: Vec<String>,
}

/// The fields of an observations page we use; the rest are ignored.
#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    count: Option<u64>,
    observations: Vec<Observation>,
}

#[derive(Deserialize)]
struct Observation {
    date: String,
    value: String,
}

/// A client for FRED's observations endpoint. Holds one HTTP client, one
/// circuit breaker and the key; share it (it is `Send + Sync`).
#[derive(Debug)]
pub struct FredClient {
    base: Url,
    max_pages: u32,
    page_limit: u32,
    transport: Transport,
}

impl FredClient {
    /// The real service.
    pub const DEFAULT_BASE_URL: &'static str = "https://api.stlouisfed.org";

    /// A client for the FRED API at `base_url` (e.g.
    /// [`Self::DEFAULT_BASE_URL`], or a fake's address in tests). Without a
    /// key every call fails with [`UpstreamError::NotConfigured`] and sends
    /// nothing. Fails if `base_url` is not an absolute http(s) URL without
    /// query.
    pub fn new(
        base_url: &str,
        key: Option<ApiKey>,
        settings: UpstreamSettings,
    ) -> Result<Self, UpstreamError> {
        let base = parse_base_url(PROVIDER, base_url)?;
        let transport = Transport::new(PROVIDER, key, &settings, &["error_message"])?;
        Ok(Self {
            base,
            max_pages: settings.max_pages.max(1),
            page_limit: settings.fred_page_limit.clamp(1, MAX_PAGE_LIMIT),
            transport,
        })
    }

    super::transport_accessors!();

    /// Every observation of `series_id` between `start` and `end`
    /// (`YYYY-MM-DD`, inclusive, each optional), across `offset` pages of
    /// `fred_page_limit` (at most `max_pages`). Each page is one guarded
    /// exchange (breaker, retries). FRED's 400 "series does not exist" is
    /// [`UpstreamError::BadRequest`]; its 400 about the key is
    /// [`UpstreamError::Unauthorized`].
    pub async fn observations(
        &self,
        series_id: &str,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<FredObservations, UpstreamError> {
        let key = self.transport.key();
        let Some(api_key) = key else {
            return Err(UpstreamError::NotConfigured { provider: PROVIDER });
        };
        check_input(series_id, start, end)
            .map_err(|reason| UpstreamError::invalid_input(PROVIDER, reason, key))?;

        let mut out = FredObservations::default();
        let mut offset: u64 = 0;
        let mut pages = 0u32;
        loop {
            pages += 1;
            if pages > self.max_pages {
                return Err(UpstreamError::protocol(
                    PROVIDER,
                    &format!("more than {} pages of observations", self.max_pages),
                    key,
                ));
            }
            let url = self.page_url(series_id, start, end, offset, api_key)?;
            let page: Page = self
                .transport
                .get(&url, KeyIn::Query, |body| {
                    serde_json::from_slice(body).map_err(|e| json_error("observations", &e))
                })
                .await
                .map_err(|error| key_error(error, key))?;
            let returned = page.observations.len() as u64;
            for observation in page.observations {
                if !is_iso_date(&observation.date) {
                    return Err(UpstreamError::protocol(
                        PROVIDER,
                        "an observation date is not YYYY-MM-DD",
                        key,
                    ));
                }
                if observation.value == "." {
                    out.missing.push(observation.date);
                    continue;
                }
                match observation.value.trim().parse::<f64>() {
                    Ok(value) if value.is_finite() => out.points.push((observation.date, value)),
                    _ => {
                        return Err(UpstreamError::protocol(
                            PROVIDER,
                            &format!("the value on {} is not a number", observation.date),
                            key,
                        ))
                    }
                }
            }
            let seen = offset.saturating_add(returned);
            let more = match page.count {
                Some(count) => seen < count,
                None => returned >= u64::from(self.page_limit),
            };
            if !more {
                return Ok(out);
            }
            if returned == 0 {
                return Err(UpstreamError::protocol(
                    PROVIDER,
                    "count promises more observations than the pages hold",
                    key,
                ));
            }
            offset = seen;
        }
    }

    /// The URL of one page. It holds the key: use it for the request only.
    fn page_url(
        &self,
        series_id: &str,
        start: Option<&str>,
        end: Option<&str>,
        offset: u64,
        key: &ApiKey,
    ) -> Result<Url, UpstreamError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| {
                UpstreamError::misconfigured(PROVIDER, "the base URL cannot take a path", None)
            })?
            .pop_if_empty()
            .extend(["fred", "series", "observations"]);
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("series_id", series_id)
                .append_pair("api_key", key.expose())
                .append_pair("file_type", "json");
            if let Some(start) = start {
                query.append_pair("observation_start", start);
            }
            if let Some(end) = end {
                query.append_pair("observation_end", end);
            }
            query
                .append_pair("limit", &self.page_limit.to_string())
                .append_pair("offset", &offset.to_string());
        }
        Ok(url)
    }
}

/// Checks the arguments before anything is sent.
fn check_input(
    series_id: &str,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<(), &'static str> {
    if !is_identifier(series_id, &['_', '.', '-']) {
        return Err("the series id must be 1 to 64 letters, digits or _ . -");
    }
    if start.is_some_and(|d| !is_iso_date(d)) || end.is_some_and(|d| !is_iso_date(d)) {
        return Err("dates must be YYYY-MM-DD");
    }
    if let (Some(start), Some(end)) = (start, end) {
        if start > end {
            return Err("the start date is after the end date");
        }
    }
    Ok(())
}

/// FRED answers a bad or unregistered key with HTTP 400 and a message
/// naming `api_key`: that is an authorisation failure, not a bad request.
fn key_error(error: UpstreamError, key: Option<&ApiKey>) -> UpstreamError {
    match error {
        UpstreamError::BadRequest { provider, message } if is_key_complaint(&message) => {
            UpstreamError::Unauthorized { provider, message }.redacted(key)
        }
        other => other,
    }
}

/// Whether FRED's message is about the key ("The value for variable
/// api_key is not registered.", "Variable api_key is not set.", "api_key is
/// not a 32 character alpha-numeric lower-case string.") rather than one
/// that merely quotes a request.
fn is_key_complaint(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("variable api_key") || message.contains("api_key is not")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_page_url_with_json_and_paging() {
        let key = ApiKey::from_lookup("K", |_| Some("abc".into())).expect("key");
        let settings = UpstreamSettings {
            fred_page_limit: 2,
            ..UpstreamSettings::default()
        };
        let c = FredClient::new("https://api.stlouisfed.org", Some(key.clone()), settings)
            .expect("valid base");
        let url = c
            .page_url("DGS10", Some("2024-01-01"), None, 4, &key)
            .expect("url");
        assert_eq!(
            url.as_str(),
            "https://api.stlouisfed.org/fred/series/observations?series_id=DGS10&api_key=abc\
             &file_type=json&observation_start=2024-01-01&limit=2&offset=4"
        );
    }

    #[test]
    fn checks_input() {
        assert!(check_input("DGS10", None, None).is_ok());
        assert!(check_input("DGS10&api_key=x", None, None).is_err());
        assert!(check_input("DGS10", Some("2024-01-01"), Some("2023-01-01")).is_err());
        assert!(check_input("DGS10", Some("yesterday"), None).is_err());
    }

    #[test]
    fn a_key_complaint_is_unauthorized() {
        let e = key_error(
            UpstreamError::BadRequest {
                provider: PROVIDER,
                message: "Bad Request.  The value for variable api_key is not registered.".into(),
            },
            None,
        );
        assert_eq!(e.code(), "upstream_unauthorized");
        let e = key_error(
            UpstreamError::BadRequest {
                provider: PROVIDER,
                message: "Bad Request.  The series does not exist.".into(),
            },
            None,
        );
        assert_eq!(e.code(), "upstream_bad_request");
        assert!(is_key_complaint(
            "Bad Request.  Variable api_key is not set."
        ));
        assert!(!is_key_complaint(
            "The series does not exist. (series_id=X&api_key=[redacted])"
        ));
    }
}
