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
pub mod autonomous;
pub mod cache_policy;
pub mod coach;
pub mod config;
pub mod cors;
pub mod csp;
pub mod data_proxy;
pub mod health;
pub mod limits;
pub mod listen;
pub mod live;
pub mod llm;
pub mod memory_upkeep;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod routes;
pub mod security;
pub mod state;
pub mod static_files;
pub mod store;
pub mod telemetry;
pub mod trials;
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

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The built app is missing.
    #[error(transparent)]
    Dist(#[from] DistError),
    /// The store cannot be opened or migrated.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// A non-loopback address without accounts or a signing secret.
    #[error(
        "refusing to listen on {addr}: beyond loopback the server needs {}=1, accounts \
         (create one with `mltrainer-server user create --username NAME --role admin`) and a \
         signing secret of at least 32 bytes in {}",
        config::ENV_ALLOW_PUBLIC,
        config::ENV_JWT_SECRET
    )]
    PublicWithoutAccounts {
        /// The address asked for.
        addr: std::net::SocketAddr,
    },
    /// A provider's base URL is not usable.
    #[error(transparent)]
    Upstream(#[from] upstream::UpstreamError),
    /// The LLM provider's settings are not usable.
    #[error("coach: {0}")]
    Llm(#[from] llm::LlmConfigError),
    /// The webhook's client cannot be built.
    #[error(transparent)]
    Webhook(#[from] trials::webhook::WebhookError),
}

/// Builds the router for `config`: the API, `/healthz`, `/readyz`,
/// `/metrics`, and the app from `config.dist` for everything else.
///
/// Opens (and migrates) the store in `config.data_dir`, decides local mode
/// (loopback and no accounts), and reads `index.html` once to hash its
/// inline scripts into the CSP: restart the server after rebuilding the app.
pub fn app(config: &Config) -> Result<Router, StartError> {
    app_with_state(config).map(|(router, _)| router)
}

/// [`app`], also returning the shared state (the binary closes the live
/// sockets through it at shutdown).
pub fn app_with_state(config: &Config) -> Result<(Router, state::AppState), StartError> {
    let dist = static_files::Dist::open(&config.dist)?;
    let state = build_state(config)?;
    let csp = csp::ContentSecurityPolicy::for_index_html(dist.index_html());
    let security = security::SecurityHeaders::new(&csp);
    tracing::info!(
        dist = %dist.root().display(),
        data_dir = %config.data_dir.display(),
        local_mode = state.local_user.is_some(),
        rules_version = %state.rules.version,
        rules_hash = %state.rules_hash,
        "serving the app"
    );
    if let Some(days) = config.prune_after_days {
        memory_upkeep::spawn(state.clone(), days);
    }
    resume_trials(&state);
    trials::browser::spawn_watcher(&state);
    let api = routes::router()
        .route(health::READY_PATH, get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/openapi.json", get(openapi::document))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .with_state(state.clone());

    // Layers run outside-in for requests: trace, security headers, CORS,
    // compression.
    let router = Router::new()
        .route(health::PATH, get(health::healthz))
        .merge(api)
        .fallback_service(static_files::router(&dist))
        .layer(CompressionLayer::new())
        .layer(cors::layer(config))
        .layer(axum::middleware::from_fn_with_state(
            security,
            security::add_headers,
        ))
        .layer(telemetry::http_trace_layer());
    Ok((router, state))
}

/// Finishes autonomous runs a stopped server left running, then resumes
/// the store's unfinished trials, in the background, if a tokio
/// runtime is running (it is whenever the server serves).
pub fn resume_trials(state: &state::AppState) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let state = state.clone();
    runtime.spawn(async move {
        match autonomous::finish_interrupted(&state).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "finished interrupted autonomous runs"),
            Err(problem) => {
                tracing::error!(error = %problem.detail(), "cannot finish interrupted runs")
            }
        }
        match state.trials.resume_all(&state).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "resumed unfinished trials"),
            Err(problem) => tracing::error!(error = %problem.detail(), "cannot resume trials"),
        }
    });
}

/// Opens the store and builds the shared state for `config`.
pub fn build_state(config: &Config) -> Result<state::AppState, StartError> {
    let store = store::Store::open(&config.data_dir)?;
    let accounts = store
        .with_writer(|c| store::users::count_accounts(c))
        .map_err(store::StoreError::from)?;
    let loopback = listen::is_loopback(config.addr);
    if !loopback && (accounts == 0 || config.jwt_secret.is_none()) {
        return Err(StartError::PublicWithoutAccounts { addr: config.addr });
    }
    let keys = match &config.jwt_secret {
        Some(secret) => auth::SigningKeys::from_secret(&secret.0)
            .ok_or(StartError::PublicWithoutAccounts { addr: config.addr })?,
        None => {
            if accounts > 0 {
                tracing::warn!(
                    "{} is not set: sign-ins last only until the server restarts",
                    config::ENV_JWT_SECRET
                );
            }
            auth::SigningKeys::random()
        }
    };
    let local_user = if loopback && accounts == 0 {
        Some(auth::session::local_user(&store)?)
    } else {
        None
    };
    let settings = upstream::UpstreamSettings::default();
    let stats = std::sync::Arc::new(upstream::UpstreamStats::new());
    let polygon = upstream::PolygonClient::new(
        &config.polygon_base_url,
        upstream::ApiKey::polygon_from_env(),
        settings.clone(),
    )?;
    let fred = upstream::FredClient::new(
        &config.fred_base_url,
        upstream::ApiKey::fred_from_env(),
        settings,
    )?;
    let llm = llm::LlmConfig::from_lookup(|name| config.coach_env.get(name))?.build()?;
    let coach = coach::Coach::new(llm, config.coach);
    tracing::info!(
        provider = coach.provider_name(),
        model = coach.model(),
        "coach ready"
    );
    let rules = shared::compliance::Rules::default_rules();
    Ok(state::AppState {
        store,
        rules_hash: rules.hash().into(),
        rules: std::sync::Arc::new(rules),
        keys,
        local_user,
        limits: std::sync::Arc::new(limits::RateLimits::new(config.limits)),
        data: std::sync::Arc::new(data_proxy::DataProxy::new(polygon, fred, stats)),
        metrics: std::sync::Arc::new(metrics::Metrics::default()),
        coach,
        trials: trials::TrialRunner::with_lease(config.trial_workers, config.browser_lease_secs),
        live: live::LiveHub::new(config.live, cors::allowed_origins(config)),
        webhook: config
            .webhook_url
            .as_ref()
            .map(trials::webhook::Webhook::new)
            .transpose()?,
    })
}
