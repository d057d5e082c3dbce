//! Helpers shared by the integration tests: a throwaway dist directory
//! shaped like Trunk's output, a server on an ephemeral loopback port, and
//! an HTTP client that ignores proxy settings.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod chat_stream;
pub mod fake_llm;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use server::Config;

/// The inline loader script, as Trunk injects it (CR LF line ends on
/// purpose: browsers hash the text after turning them into LF).
pub const INLINE_SCRIPT: &str =
    "\r\nimport init, * as bindings from '/app-1a2b3c4d5e6f7890.js';\r\n\
    const wasm = await init({ module_or_path: '/app-1a2b3c4d5e6f7890_bg.wasm' });\r\n\
    window.wasmBindings = bindings;\r\n";

/// The JS glue; long enough (over 32 bytes) to be compressed on the fly.
pub const APP_JS: &str =
    "export default async function init() { /* wasm-bindgen glue */ return 42; }\n";
/// The JS glue's hashed name.
pub const APP_JS_NAME: &str = "app-1a2b3c4d5e6f7890.js";
/// The WASM module's hashed name (it also has a `.gz` sibling).
pub const APP_WASM_NAME: &str = "app-1a2b3c4d5e6f7890_bg.wasm";
/// The WASM module's bytes: the magic number, version, and padding.
pub const APP_WASM: &[u8] =
    b"\0asm\x01\0\0\0 pretend this is a compiled module, repeated repeated repeated";
/// The service worker.
pub const SW_JS: &str = "self.addEventListener('fetch', () => {});\n";
/// The web app manifest.
pub const MANIFEST: &str = r#"{"name":"mlTrainer","start_url":"/","display":"standalone"}"#;

/// The page: the inline loader, plus a `src` script that needs no hash.
pub fn index_html() -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>mlTrainer</title>\n\
         <link rel=\"manifest\" href=\"/manifest.webmanifest\">\n\
         <link rel=\"modulepreload\" href=\"/{APP_JS_NAME}\">\n\
         <script type=\"module\">{INLINE_SCRIPT}</script>\n\
         <script src=\"/sw.js\" type=\"module\"></script>\n\
         </head><body></body></html>\n"
    )
}

/// A temporary directory, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates an empty, uniquely named directory under the system temp dir.
    pub fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "mltrainer-server-test-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self { path }
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `contents` to `name` inside the directory.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) {
        std::fs::write(self.path.join(name), contents).expect("write temp file");
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A dist directory like Trunk's output, with a gzip sibling for the WASM.
pub fn fake_dist() -> TempDir {
    let dist = TempDir::new();
    dist.write("index.html", index_html());
    dist.write(APP_JS_NAME, APP_JS);
    dist.write(APP_WASM_NAME, APP_WASM);
    dist.write(format!("{APP_WASM_NAME}.gz").as_str(), gzip(APP_WASM));
    dist.write("style-0123456789abcdef.css", "body { margin: 0; }\n");
    dist.write("sw.js", SW_JS);
    dist.write("manifest.webmanifest", MANIFEST);
    dist.write("robots.txt", "User-agent: *\n");
    dist
}

/// `bytes` gzip-compressed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory")
}

/// `bytes` gzip-decompressed.
pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

/// Serves the app from `dist` on an ephemeral loopback port, in the
/// background of the current runtime; returns the base URL (no trailing `/`).
pub async fn start(dist: &Path) -> String {
    let config = Config {
        dist: dist.to_owned(),
        data_dir: tempfile::tempdir().expect("temp data dir").keep(),
        ..Config::default()
    };
    let router = server::app(&config).expect("the fake dist is valid");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind an ephemeral port");
    let addr: SocketAddr = listener.local_addr().expect("bound address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// An HTTP client that talks to the test server directly (no proxies from
/// the environment) and does not decompress bodies.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("build an HTTP client")
}
