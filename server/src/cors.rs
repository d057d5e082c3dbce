//! CORS: only the app's own origin may call the API from a browser. The
//! origin is `MLTRAINER_PUBLIC_ORIGIN`, else `http://` plus the listening
//! address (and `http://localhost:PORT` for a loopback address). Other
//! origins get no `access-control-allow-origin`, so browsers block them.

use axum::http::{header, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::Config;

/// The origins allowed for `config`.
pub fn allowed_origins(config: &Config) -> Vec<String> {
    if let Some(origin) = &config.public_origin {
        return vec![origin.trim_end_matches('/').to_string()];
    }
    let mut origins = vec![format!("http://{}", config.addr)];
    if crate::listen::is_loopback(config.addr) {
        origins.push(format!("http://localhost:{}", config.addr.port()));
    }
    origins
}

/// The CORS layer for `config`.
pub fn layer(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = allowed_origins(config)
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::PUT])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_follow_the_address_or_the_configured_origin() {
        let config = Config {
            addr: "127.0.0.1:8080".parse().unwrap(),
            ..Config::default()
        };
        assert_eq!(
            allowed_origins(&config),
            ["http://127.0.0.1:8080", "http://localhost:8080"]
        );
        let config = Config {
            public_origin: Some("https://app.example.com/".into()),
            ..Config::default()
        };
        assert_eq!(allowed_origins(&config), ["https://app.example.com"]);
    }
}
