//! Structured logs: the subscriber (stderr, filtered by `RUST_LOG`, default
//! `info`) and the per-request trace layer.
//!
//! Logs go to stderr so stdout carries only the "listening on" line that
//! scripts parse. Request headers are never logged (they will carry tokens).

use std::io::IsTerminal as _;

use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultMakeSpan, DefaultOnRequest, DefaultOnResponse, TraceLayer};
use tracing::Level;
use tracing_subscriber::filter::{EnvFilter, LevelFilter};

/// Environment variable choosing the log format: `json` for one JSON object
/// per line (for log shippers), anything else for human-readable lines.
pub const ENV_LOG_FORMAT: &str = "MLTRAINER_LOG_FORMAT";

/// Installs the global subscriber. Invalid `RUST_LOG` directives are
/// ignored; a second call does nothing.
pub fn init() {
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .from_env_lossy();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Err only if a subscriber is already installed, which is fine.
    let _ = if std::env::var(ENV_LOG_FORMAT).is_ok_and(|f| f == "json") {
        builder.json().try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
}

/// The trace layer type returned by [`http_trace_layer`].
pub type HttpTraceLayer = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    DefaultMakeSpan,
    DefaultOnRequest,
    DefaultOnResponse,
>;

/// A span per request (method, URI, version) and one `info` event per
/// response with its status and latency; 5xx answers are logged as errors.
pub fn http_trace_layer() -> HttpTraceLayer {
    TraceLayer::new_for_http()
        .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
        .on_request(DefaultOnRequest::new().level(Level::DEBUG))
        .on_response(DefaultOnResponse::new().level(Level::INFO))
}
