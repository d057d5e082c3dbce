//! The Polygon aggregates (bars) client.
//!
//! `GET /v2/aggs/ticker/{ticker}/range/{multiplier}/{timespan}/{from}/{to}
//! ?adjusted=true&sort=asc&limit=50000`, following `next_url` pages. The key
//! travels only in the `Authorization: Bearer` header (marked sensitive), so
//! it never appears in a URL; it is sent to the configured Polygon host only,
//! and a `next_url` pointing anywhere else is an error, not a request. It
//! must not cache, audit or tag provenance (the data proxy does that), and
//! must not log a URL's query or any body.

use std::sync::Arc;

use reqwest::Url;
use serde::{Deserialize, Serialize};

use super::breaker::{BreakerState, Clock};
use super::error::UpstreamError;
use super::input::{is_identifier, is_iso_date};
use super::provider::Provider;
use super::secret::ApiKey;
use super::settings::UpstreamSettings;
use super::stats::UpstreamStats;
use super::transport::{KeyIn, Transport};
use super::{json_error, parse_base_url};

const PROVIDER: Provider = Provider::Polygon;

/// The `limit` asked for per page: Polygon's maximum.
pub const PAGE_LIMIT: u32 = 50_000;

/// The bar width unit of an aggregates request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timespan {
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
    /// Quarters.
    Quarter,
    /// Years.
    Year,
}

impl Timespan {
    /// Every timespan, shortest first.
    pub const ALL: [Self; 7] = [
        Self::Minute,
        Self::Hour,
        Self::Day,
        Self::Week,
        Self::Month,
        Self::Quarter,
        Self::Year,
    ];

    /// The name Polygon uses in the path (`minute` ... `year`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Quarter => "quarter",
            Self::Year => "year",
        }
    }

    /// The timespan named `name` (as [`Self::as_str`] writes it), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// One aggregate bar as Polygon sends it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PolygonBar {
    /// Start of the window, milliseconds since the Unix epoch (UTC).
    pub t: i64,
    /// Open price.
    pub o: f64,
    /// High price.
    pub h: f64,
    /// Low price.
    pub l: f64,
    /// Close price.
    pub c: f64,
    /// Volume (fractional for some assets).
    pub v: f64,
    /// Volume-weighted average price, when given.
    #[serde(default)]
    pub vw: Option<f64>,
    /// Number of trades, when given.
    #[serde(default)]
    pub n: Option<u64>,
}

/// The fields of an aggregates page we use; the rest are ignored.
#[derive(Deserialize)]
struct Page {
    status: Option<String>,
    #[serde(default)]
    results: Option<Vec<PolygonBar>>,
    #[serde(default)]
    next_url: Option<String>,
}

/// A client for Polygon's aggregates endpoint. Holds one HTTP client, one
/// circuit breaker and the key; share it (it is `Send + Sync`).
#[derive(Debug)]
pub struct PolygonClient {
    base: Url,
    max_pages: u32,
    transport: Transport,
}

impl PolygonClient {
    /// The real service.
    pub const DEFAULT_BASE_URL: &'static str = "https://api.polygon.io";

    /// A client for the Polygon API at `base_url` (e.g.
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
        let transport = Transport::new(PROVIDER, key, &settings, &["error", "message"])?;
        Ok(Self {
            base,
            max_pages: settings.max_pages.max(1),
            transport,
        })
    }

    super::transport_accessors!();

    /// Every bar of `ticker` from `from` to `to` (`YYYY-MM-DD`, inclusive),
    /// `multiplier` x `timespan` wide, split-adjusted, oldest first, across
    /// all `next_url` pages (at most `max_pages`). A page without `results`
    /// holds zero bars. Each page is one guarded exchange (breaker, retries).
    pub async fn aggregates(
        &self,
        ticker: &str,
        multiplier: u32,
        timespan: Timespan,
        from: &str,
        to: &str,
    ) -> Result<Vec<PolygonBar>, UpstreamError> {
        let key = self.transport.key();
        if key.is_none() {
            return Err(UpstreamError::NotConfigured { provider: PROVIDER });
        }
        let url = self
            .first_url(ticker, multiplier, timespan, from, to)
            .map_err(|reason| UpstreamError::invalid_input(PROVIDER, &reason, key))?;

        let mut bars: Vec<PolygonBar> = Vec::new();
        let mut next = Some(url);
        let mut pages = 0u32;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > self.max_pages {
                return Err(UpstreamError::protocol(
                    PROVIDER,
                    &format!("more than {} pages of bars", self.max_pages),
                    key,
                ));
            }
            let page: Page = self
                .transport
                .get(&url, KeyIn::BearerHeader, |body| {
                    serde_json::from_slice(body).map_err(|e| json_error("aggregates", &e))
                })
                .await?;
            match page.status.as_deref() {
                Some("OK" | "DELAYED") => {}
                Some(other) => {
                    return Err(UpstreamError::protocol(
                        PROVIDER,
                        &format!("status {other:?} on a successful answer"),
                        key,
                    ))
                }
                None => return Err(UpstreamError::protocol(PROVIDER, "no status", key)),
            }
            for bar in page.results.unwrap_or_default() {
                if bars.last().is_some_and(|last| last.t >= bar.t) {
                    return Err(UpstreamError::protocol(
                        PROVIDER,
                        "bars are not in ascending time order",
                        key,
                    ));
                }
                bars.push(bar);
            }
            next = match page.next_url {
                Some(next_url) => Some(
                    self.follow(&next_url)
                        .map_err(|reason| UpstreamError::protocol(PROVIDER, reason, key))?,
                ),
                None => None,
            };
        }
        Ok(bars)
    }

    fn first_url(
        &self,
        ticker: &str,
        multiplier: u32,
        timespan: Timespan,
        from: &str,
        to: &str,
    ) -> Result<Url, String> {
        if !is_identifier(ticker, &['.', ':', '-', '_']) {
            return Err("the ticker must be 1 to 64 letters, digits or . : - _".to_owned());
        }
        if multiplier == 0 {
            return Err("the multiplier must be at least 1".to_owned());
        }
        if !is_iso_date(from) || !is_iso_date(to) {
            return Err("dates must be YYYY-MM-DD".to_owned());
        }
        if from > to {
            return Err("the start date is after the end date".to_owned());
        }
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| "the base URL cannot take a path".to_owned())?
            .pop_if_empty()
            .extend([
                "v2",
                "aggs",
                "ticker",
                ticker,
                "range",
                &multiplier.to_string(),
                timespan.as_str(),
                from,
                to,
            ]);
        url.query_pairs_mut()
            .append_pair("adjusted", "true")
            .append_pair("sort", "asc")
            .append_pair("limit", &PAGE_LIMIT.to_string());
        Ok(url)
    }

    /// The URL of the next page, if it is on the configured host (same
    /// scheme, host and port); the key will be added again as a header.
    fn follow(&self, next_url: &str) -> Result<Url, &'static str> {
        let url = self
            .base
            .join(next_url)
            .map_err(|_| "next_url is not a URL")?;
        let same_origin = url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default();
        if !same_origin {
            return Err("next_url points outside the configured Polygon host");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("next_url carries credentials");
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> PolygonClient {
        let key = ApiKey::from_lookup("K", |_| Some("k".into()));
        PolygonClient::new(base, key, UpstreamSettings::default()).expect("valid base")
    }

    #[test]
    fn builds_the_aggregates_url() {
        let c = client("https://api.polygon.io/");
        let url = c
            .first_url("X:BTCUSD", 5, Timespan::Minute, "2024-01-01", "2024-01-31")
            .expect("valid");
        assert_eq!(
            url.as_str(),
            "https://api.polygon.io/v2/aggs/ticker/X:BTCUSD/range/5/minute/2024-01-01/2024-01-31\
             ?adjusted=true&sort=asc&limit=50000"
        );
    }

    #[test]
    fn rejects_bad_arguments_before_sending() {
        let c = client("https://api.polygon.io");
        assert!(c
            .first_url("AAPL/x", 1, Timespan::Day, "2024-01-01", "2024-01-02")
            .is_err());
        assert!(c
            .first_url("AAPL", 0, Timespan::Day, "2024-01-01", "2024-01-02")
            .is_err());
        assert!(c
            .first_url("AAPL", 1, Timespan::Day, "2024-1-01", "2024-01-02")
            .is_err());
        assert!(c
            .first_url("AAPL", 1, Timespan::Day, "2024-02-01", "2024-01-02")
            .is_err());
    }

    #[test]
    fn follows_only_the_configured_origin() {
        let c = client("https://api.polygon.io");
        assert!(c
            .follow("https://api.polygon.io/v2/aggs/ticker/A/range/1/day/1/2?cursor=x")
            .is_ok());
        assert!(c.follow("https://API.polygon.io:443/v2/x?cursor=x").is_ok());
        assert!(c.follow("https://evil.example/v2/x").is_err());
        assert!(c.follow("http://api.polygon.io/v2/x").is_err());
        assert!(c.follow("https://api.polygon.io:8443/v2/x").is_err());
        assert!(c
            .follow("https://api.polygon.io.evil.example/v2/x")
            .is_err());
        assert!(c.follow("https://user:pw@api.polygon.io/v2/x").is_err());
    }

    #[test]
    fn timespans_round_trip() {
        for t in Timespan::ALL {
            assert_eq!(Timespan::from_name(t.as_str()), Some(t));
        }
        assert_eq!(Timespan::from_name("fortnight"), None);
    }

    #[test]
    fn bars_parse_with_optional_fields() {
        let bar: PolygonBar =
            serde_json::from_str(r#"{"o":1,"h":2,"l":0.5,"c":1.5,"v":10,"t":1700000000000}"#)
                .expect("parses");
        assert_eq!(bar.vw, None);
        assert_eq!(bar.n, None);
    }
}
