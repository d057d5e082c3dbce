//! The router over real HTTP on 127.0.0.1: static files, the app fallback,
//! caching, compression, security headers, the health probe and the bind
//! policy.

mod common;

use base64::Engine as _;
use common::{client, fake_dist, start, APP_JS, APP_JS_NAME, APP_WASM, APP_WASM_NAME};
use reqwest::header::{
    HeaderMap, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY,
};
use reqwest::StatusCode;
use sha2::Digest as _;

/// Fetches `path`, optionally accepting gzip; returns status, headers and raw body.
async fn get(base: &str, path: &str, gzip: bool) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = client().get(format!("{base}{path}"));
    if gzip {
        request = request.header(ACCEPT_ENCODING, "gzip");
    }
    let response = request.send().await.expect("request succeeds");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map(|v| v.to_str().expect("ASCII header"))
        .unwrap_or_else(|| panic!("missing header {name} in {headers:?}"))
}

/// The CSP hash of the inline script, computed here without the server's code.
fn expected_inline_hash() -> String {
    let text = common::INLINE_SCRIPT.replace("\r\n", "\n");
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn assert_security_headers(headers: &HeaderMap) {
    let csp = header(headers, "content-security-policy");
    let expected = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        expected_inline_hash()
    );
    assert_eq!(csp, expected);
    assert_eq!(header(headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(headers, "x-frame-options"), "DENY");
    assert_eq!(header(headers, "referrer-policy"), "no-referrer");
    assert_eq!(header(headers, "cross-origin-opener-policy"), "same-origin");
    assert_eq!(
        header(headers, "permissions-policy"),
        "camera=(), microphone=(), geolocation=()"
    );
}

#[tokio::test]
async fn serves_app_file_types_with_their_mime_types() {
    let dist = fake_dist();
    let base = start(dist.path()).await;
    for (path, mime) in [
        (format!("/{APP_WASM_NAME}"), "application/wasm"),
        (format!("/{APP_JS_NAME}"), "text/javascript"),
        ("/sw.js".to_owned(), "text/javascript"),
        (
            "/manifest.webmanifest".to_owned(),
            "application/manifest+json",
        ),
        ("/style-0123456789abcdef.css".to_owned(), "text/css"),
        ("/".to_owned(), "text/html"),
    ] {
        let (status, headers, _) = get(&base, &path, false).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header(&headers, "content-type"), mime, "{path}");
    }
}

#[tokio::test]
async fn app_routes_fall_back_to_index_html() {
    let dist = fake_dist();
    let base = start(dist.path()).await;
    for path in ["/strategies", "/strategies/42", "/trials/", "/"] {
        let (status, headers, body) = get(&base, path, false).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            header(&headers, "content-type").starts_with("text/html"),
            "{path}"
        );
        assert_eq!(body, common::index_html().as_bytes(), "{path}");
        assert_eq!(header(&headers, "cache-control"), "no-cache", "{path}");
    }
}

#[tokio::test]
async fn missing_file_with_extension_is_404_not_the_page() {
    let dist = fake_dist();
    let base = start(dist.path()).await;
    for path in [
        "/missing.js",
        "/app-ffffffffffffffff_bg.wasm",
        "/img/logo.png",
    ] {
        let (status, headers, body) = get(&base, path, false).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_ne!(body, common::index_html().as_bytes(), "{path}");
        assert_eq!(header(&headers, "cache-control"), "no-cache", "{path}");
    }
}

#[tokio::test]
async fn unknown_api_paths_are_problem_json_404s() {
    let dist = fake_dist();
    let base = start(dist.path()).await;
    for path in ["/api", "/api/", "/api/nothing/here"] {
        let (status, headers, body) = get(&base, path, false).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(header(&headers, "content-type"), "application/problem+json");
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
        assert_eq!(problem["status"], 404);
        assert_eq!(problem["code"], "not_found");
        assert_security_headers(&headers);
    }
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let dist = fake_dist();
    let base = start(dist.path()).await;
    for (path, status) in [
        ("/", StatusCode::OK),
        ("/strategies", StatusCode::OK),
        ("/sw.js", StatusCode::OK),
        ("/healthz", StatusCode::OK),
        ("/missing.js", StatusCode::NOT_FOUND),
    ] {
        let (actual, headers, _) = get(&base, path, false).await;
        assert_eq!(actual, status, "{path}");
        assert_security_headers(&headers);
    }
    let response = client()
        .post(format!("{base}/healthz"))
        .send()
        .await
        .expect("request succeeds");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_security_headers(response.headers());
}

#[tokio::test]
async fn csp_allows_only_the_inline_script_by_hash() {
    let dist = fake_dist();
    let base = start(dist.path()).await;
    let (_, headers, _) = get(&base, "/", false).await;
    let csp = header(&headers, "content-security-policy");
    assert!(csp.contains(&expected_inline_hash()), "{csp}");
    assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"),
        "{csp}"
    );
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_entry_points_revalidate() {
    let dist = fake_dist();
    let base = start(dist.path()).await;
    for (path, cache_control) in [
        (
            format!("/{APP_JS_NAME}"),
            "public, max-age=31536000, immutable",
        ),
        (
            format!("/{APP_WASM_NAME}"),
            "public, max-age=31536000, immutable",
        ),
        (
            "/style-0123456789abcdef.css".to_owned(),
            "public, max-age=31536000, immutable",
        ),
        ("/index.html".to_owned(), "no-cache"),
        ("/sw.js".to_owned(), "no-cache"),
        ("/manifest.webmanifest".to_owned(), "no-cache"),
        ("/robots.txt".to_owned(), "no-cache"),
    ] {
        let (status, headers, _) = get(&base, &path, false).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header(&headers, "cache-control"), cache_control, "{path}");
    }
}

#[tokio::test]
async fn precompressed_gzip_sibling_is_served_to_gzip_clients() {
    let dist = fake_dist();
    let base = start(dist.path()).await;
    let path = format!("/{APP_WASM_NAME}");

    let (status, headers, body) = get(&base, &path, true).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, CONTENT_ENCODING.as_str()), "gzip");
    assert_eq!(header(&headers, CONTENT_TYPE.as_str()), "application/wasm");
    assert_eq!(
        header(&headers, CACHE_CONTROL.as_str()),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&headers, VARY.as_str()).contains("accept-encoding"));
    let on_disk = std::fs::read(dist.path().join(format!("{APP_WASM_NAME}.gz"))).expect("read");
    assert_eq!(body, on_disk);
    assert_eq!(common::gunzip(&body), APP_WASM);

    let (status, headers, body) = get(&base, &path, false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(CONTENT_ENCODING).is_none());
    assert_eq!(body, APP_WASM);
}

#[tokio::test]
async fn text_without_gzip_sibling_is_compressed_on_the_fly() {
    let dist = fake_dist();
    let base = start(dist.path()).await;
    let (status, headers, body) = get(&base, &format!("/{APP_JS_NAME}"), true).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, CONTENT_ENCODING.as_str()), "gzip");
    assert_eq!(header(&headers, CONTENT_TYPE.as_str()), "text/javascript");
    assert_eq!(common::gunzip(&body), APP_JS.as_bytes());
}

#[tokio::test]
async fn healthz_reports_ok_and_the_version() {
    let dist = fake_dist();
    let base = start(dist.path()).await;
    let (status, headers, body) = get(&base, "/healthz", false).await;
    assert_eq!(status, StatusCode::OK);
    assert!(header(&headers, "content-type").starts_with("application/json"));
    let json: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
    assert_eq!(
        json,
        serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
}

#[tokio::test]
async fn non_loopback_bind_is_refused_without_opt_in() {
    let config = server::Config {
        addr: "0.0.0.0:0".parse().expect("address"),
        ..server::Config::default()
    };
    let error = server::bind(&config).await.expect_err("must refuse");
    assert!(matches!(error, server::BindError::NotLoopback { .. }));
    let message = error.to_string();
    assert!(message.contains("MLTRAINER_ALLOW_PUBLIC=1"), "{message}");
    assert!(message.contains("accounts"), "{message}");
}

#[tokio::test]
async fn loopback_bind_reports_the_real_port() {
    let config = server::Config {
        addr: "127.0.0.1:0".parse().expect("address"),
        ..server::Config::default()
    };
    let listener = server::bind(&config).await.expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    assert_ne!(addr.port(), 0);
    assert_eq!(
        server::listening_line(addr),
        format!("mlTrainer listening on http://127.0.0.1:{}/", addr.port())
    );
}

#[test]
fn missing_dist_or_index_is_an_error_naming_the_path() {
    let dist = common::TempDir::new();
    let missing = dist.path().join("nope");
    let config = server::Config {
        dist: missing.clone(),
        ..server::Config::default()
    };
    let message = server::app(&config).expect_err("no dist").to_string();
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
    assert!(message.contains("scripts/build-app.sh"), "{message}");

    let config = server::Config {
        dist: dist.path().to_owned(),
        ..server::Config::default()
    };
    let message = server::app(&config).expect_err("no index.html").to_string();
    assert!(message.contains("index.html"), "{message}");
    assert!(message.contains("scripts/build-app.sh"), "{message}");
}

#[tokio::test]
async fn serve_returns_after_the_shutdown_signal_despite_keep_alive() {
    let dist = fake_dist();
    let config = server::Config {
        addr: "127.0.0.1:0".parse().expect("address"),
        dist: dist.path().to_owned(),
        ..server::Config::default()
    };
    let router = server::app(&config).expect("valid dist");
    let listener = server::bind(&config).await.expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server::serve(listener, router, async {
        let _ = stopped.await;
    }));

    // The client keeps its connection open in its pool after this request.
    let client = client();
    let response = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::OK);

    stop.send(()).expect("server still running");
    let result = tokio::time::timeout(server::listen::SHUTDOWN_GRACE * 2, serving)
        .await
        .expect("serve returns within its grace period")
        .expect("serve task does not panic");
    assert!(result.is_ok(), "{result:?}");
    drop(client);
}
