//! Prometheus metrics at `GET /metrics`, in the text exposition format
//! (version 0.0.4): requests by route and status, latency histograms by
//! route, compliance verdicts, and the upstream providers' calls, failures
//! and circuit state (read from [`UpstreamStats`] at scrape time).
//!
//! Hand-written: a few counters and one histogram family do not need a
//! metrics framework. Routes are axum's matched path templates (never raw
//! paths), so label sets stay bounded.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;
use crate::upstream::{BreakerState, Provider, UpstreamStats};

/// Latency histogram bucket bounds, in seconds.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The server's metrics.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// (method, route, status) -> count.
    requests: BTreeMap<(String, String, u16), u64>,
    /// (method, route) -> histogram.
    latency: BTreeMap<(String, String), Histogram>,
    /// (kind, verdict) -> count.
    verdicts: BTreeMap<(String, &'static str), u64>,
}

#[derive(Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Metrics {
    /// Records one finished request.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        *inner
            .requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let histogram = inner
            .latency
            .entry((method.to_string(), route.to_string()))
            .or_default();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Records one compliance verdict of `kind` (e.g. `data.fetch`).
    pub fn verdict(&self, kind: &str, allowed: bool) {
        let verdict = if allowed { "allowed" } else { "refused" };
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        *inner
            .verdicts
            .entry((kind.to_string(), verdict))
            .or_default() += 1;
    }

    /// The exposition text, with the upstream counters and breaker states.
    pub fn render(
        &self,
        upstream: &UpstreamStats,
        breakers: &[(Provider, BreakerState)],
    ) -> String {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = String::new();
        out.push_str(
            "# HELP mltrainer_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE mltrainer_http_requests_total counter\n");
        for ((method, route, status), count) in &inner.requests {
            let _ = writeln!(
                out,
                "mltrainer_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        out.push_str(
            "# HELP mltrainer_http_request_duration_seconds Request latency by method and route.\n",
        );
        out.push_str("# TYPE mltrainer_http_request_duration_seconds histogram\n");
        for ((method, route), histogram) in &inner.latency {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            for (bound, count) in BUCKETS.iter().zip(histogram.buckets) {
                let _ = writeln!(
                    out,
                    "mltrainer_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "mltrainer_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "mltrainer_http_request_duration_seconds_sum{{{labels}}} {}",
                histogram.sum
            );
            let _ = writeln!(
                out,
                "mltrainer_http_request_duration_seconds_count{{{labels}}} {}",
                histogram.count
            );
        }
        out.push_str(
            "# HELP mltrainer_compliance_verdicts_total Compliance verdicts by kind and outcome.\n",
        );
        out.push_str("# TYPE mltrainer_compliance_verdicts_total counter\n");
        for ((kind, verdict), count) in &inner.verdicts {
            let _ = writeln!(
                out,
                "mltrainer_compliance_verdicts_total{{kind=\"{}\",verdict=\"{verdict}\"}} {count}",
                escape(kind)
            );
        }
        drop(inner);
        let snapshot = upstream.snapshot();
        let series: [(&str, &str, ReadCounter); 3] = [
            (
                "mltrainer_upstream_calls_total",
                "Calls to a provider (one per data request).",
                |s| s.calls,
            ),
            (
                "mltrainer_upstream_requests_total",
                "HTTP requests sent to a provider, retries included.",
                |s| s.requests,
            ),
            (
                "mltrainer_upstream_failures_total",
                "Provider calls that failed.",
                |s| s.failures,
            ),
        ];
        for (name, help, read) in series {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for provider in [Provider::Polygon, Provider::Fred] {
                let _ = writeln!(
                    out,
                    "{name}{{provider=\"{}\"}} {}",
                    provider.as_str(),
                    read(&snapshot.get(provider))
                );
            }
        }
        out.push_str("# HELP mltrainer_upstream_circuit_state Circuit breaker: 0 closed, 1 open, 2 half-open.\n");
        out.push_str("# TYPE mltrainer_upstream_circuit_state gauge\n");
        for (provider, state) in breakers {
            let _ = writeln!(
                out,
                "mltrainer_upstream_circuit_state{{provider=\"{}\"}} {}",
                provider.as_str(),
                state.as_u8()
            );
        }
        out
    }
}

/// Reads one counter from a provider's snapshot.
type ReadCounter = fn(&crate::upstream::ProviderSnapshot) -> u64;

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware recording each matched request (route template, status,
/// latency).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |path| path.as_str().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    state.metrics.request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let breakers = [
        (Provider::Polygon, state.data.polygon().breaker_state()),
        (Provider::Fred, state.data.fred().breaker_state()),
    ];
    let body = state.metrics.render(state.data.stats(), &breakers);
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.request("GET", "/api/data", 200, 0.004);
        metrics.request("GET", "/api/data", 200, 0.3);
        metrics.verdict("data.fetch", false);
        let text = metrics.render(
            &UpstreamStats::new(),
            &[(Provider::Polygon, BreakerState::Open)],
        );
        assert!(text.contains(
            "mltrainer_http_requests_total{method=\"GET\",route=\"/api/data\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"), "{text}");
        assert!(text.contains("le=\"0.5\"} 2"), "{text}");
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains(
            "mltrainer_compliance_verdicts_total{kind=\"data.fetch\",verdict=\"refused\"} 1"
        ));
        assert!(text.contains("mltrainer_upstream_circuit_state{provider=\"polygon\"} 1"));
        assert!(text.contains("mltrainer_upstream_calls_total{provider=\"fred\"} 0"));
    }
}
