//! mlTrainer's server: serves the built app (Trunk's `dist/`) behind strict
//! security headers, and answers the health probe.
//!
//! The API, accounts, the LLM and data proxies and the store come in later
//! issues and hang off [`app`]'s router under `/api`. `main.rs` only parses
//! the command line, installs logging and calls into this crate:
//!
//! ```text
//! Command::from_process() -> Config
//! app(&config)            -> Router       (checks dist/, hashes inline scripts)
//! listen::bind(&config)   -> TcpListener  (loopback unless allowed)
//! listen::serve(listener, router, listen::shutdown_signal())
//! ```

pub mod admin;
pub mod auth;
pub mod cache_policy;
pub mod config;
pub mod csp;
pub mod health;
pub mod limits;
pub mod listen;
pub mod problem;
pub mod routes;
pub mod security;
pub mod state;
pub mod static_files;
pub mod store;
pub mod telemetry;
pub mod upstream;

use axum::routing::get;
use axum::Router;
use tower_http::compression::CompressionLayer;

pub use config::{Command, Config};
pub use listen::{bind, serve, shutdown_signal, BindError};
pub use static_files::DistError;

/// The line printed to stdout once the socket is bound, e.g.
/// `mlTrainer listening on http://127.0.0.1:8080/`. Scripts parse it.
pub fn listening_line(addr: std::net::SocketAddr) -> String {
    format!("mlTrainer listening on http://{addr}/")
}

/// Builds the router for `config`: `/healthz`, and the app from
/// `config.dist` for everything else.
///
/// Reads `index.html` once, here, to hash its inline scripts into the CSP:
/// restart the server after rebuilding the app. Fails if the dist directory
/// or its `index.html` is missing.
pub fn app(config: &Config) -> Result<Router, DistError> {
    let dist = static_files::Dist::open(&config.dist)?;
    let csp = csp::ContentSecurityPolicy::for_index_html(dist.index_html());
    let security = security::SecurityHeaders::new(&csp);
    tracing::info!(dist = %dist.root().display(), csp = csp.as_str(), "serving the app");

    // Layers run outside-in for requests: trace, security headers, compression.
    let router = Router::new()
        .route(health::PATH, get(health::healthz))
        .fallback_service(static_files::router(&dist))
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            security,
            security::add_headers,
        ))
        .layer(telemetry::http_trace_layer());
    Ok(router)
}
