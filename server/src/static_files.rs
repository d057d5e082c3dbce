//! Serving the built app from the dist directory, with the single-page-app
//! fallback.
//!
//! Paths are sorted into three kinds before any file is touched:
//! - `/api` and `/api/…`: not ours; an unmatched one is a problem+json 404,
//!   never the app page;
//! - a last segment with an extension (`/app-….js`): a file, or a 404;
//! - anything else (`/`, `/strategies/42`): a file if one exists, otherwise
//!   `index.html` with status 200, so the app's router can handle it.
//!
//! Precompressed `.gz` siblings are served to clients that accept gzip.
//! This module sets `content-type` for the app's own file types and
//! `cache-control`; it knows nothing of the security headers.

use std::io;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};

use crate::cache_policy;
use crate::problem::Problem;

/// The app's entry page inside the dist directory.
pub const INDEX_HTML: &str = "index.html";

/// What to tell an operator whose dist directory is missing or incomplete.
const BUILD_HINT: &str = "build the app first: run scripts/build-app.sh (it runs `trunk build --offline --release` and writes dist/), \
     or point --dist / MLTRAINER_DIST at a built dist directory";

/// A dist directory that cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum DistError {
    /// The directory does not exist or cannot be reached.
    #[error("dist directory {} not found ({source}); {BUILD_HINT}", path.display())]
    Missing {
        /// The path as configured.
        path: PathBuf,
        /// Why it could not be resolved.
        source: io::Error,
    },
    /// The path exists but is not a directory.
    #[error("dist path {} is not a directory; {BUILD_HINT}", path.display())]
    NotADirectory {
        /// The resolved path.
        path: PathBuf,
    },
    /// The directory has no `index.html`.
    #[error("{} not found; {BUILD_HINT}", path.display())]
    IndexMissing {
        /// The path of the missing file.
        path: PathBuf,
    },
    /// `index.html` exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    ReadIndex {
        /// The path of the file.
        path: PathBuf,
        /// The read error.
        source: io::Error,
    },
}

/// A checked dist directory and the contents of its `index.html`, read once at startup.
#[derive(Debug, Clone)]
pub struct Dist {
    root: PathBuf,
    index_html: Vec<u8>,
}

impl Dist {
    /// Resolves `path` to an absolute directory and reads its `index.html`.
    pub fn open(path: &Path) -> Result<Self, DistError> {
        let root = std::fs::canonicalize(path).map_err(|source| DistError::Missing {
            path: path.to_owned(),
            source,
        })?;
        if !root.is_dir() {
            return Err(DistError::NotADirectory { path: root });
        }
        let index = root.join(INDEX_HTML);
        let index_html = std::fs::read(&index).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => DistError::IndexMissing {
                path: index.clone(),
            },
            _ => DistError::ReadIndex {
                path: index.clone(),
                source,
            },
        })?;
        Ok(Self { root, index_html })
    }

    /// The absolute path of the directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The bytes of `index.html` as read at startup.
    pub fn index_html(&self) -> &[u8] {
        &self.index_html
    }
}

/// A router that answers every request from the dist directory (use it as
/// the fallback of the app's router).
pub fn router(dist: &Dist) -> Router {
    let files = ServeDir::new(dist.root())
        .precompressed_gzip()
        .append_index_html_on_directories(true);
    let page = ServeFile::new(dist.root().join(INDEX_HTML)).precompressed_gzip();
    let services = Services {
        app: files.clone().fallback(page),
        files,
    };
    Router::new().fallback(serve).with_state(services)
}

#[derive(Clone)]
struct Services {
    /// Files only: a miss is a 404.
    files: ServeDir,
    /// Files, and `index.html` (status 200) on a miss.
    app: ServeDir<ServeFile>,
}

/// How a request path is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathKind {
    /// Under `/api`: never a file, never the app page.
    Api,
    /// The last segment has an extension: a file or a 404.
    File,
    /// Anything else: a file, or the app page.
    AppRoute,
}

impl PathKind {
    fn of(path: &str) -> Self {
        if path == "/api" || path.starts_with("/api/") {
            Self::Api
        } else if Path::new(last_segment(path)).extension().is_some() {
            Self::File
        } else {
            Self::AppRoute
        }
    }
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

async fn serve(State(services): State<Services>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let kind = PathKind::of(&path);
    let response = match kind {
        PathKind::Api => return Problem::not_found(format!("no API route {path}")).into_response(),
        PathKind::File => services.files.oneshot(request).await,
        PathKind::AppRoute => services.app.oneshot(request).await,
    };
    let response = match response {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    with_file_headers(response, kind, last_segment(&path))
}

/// Adds `cache-control` and `vary`, and pins `content-type` for the app's file types.
fn with_file_headers(mut response: Response, kind: PathKind, file_name: &str) -> Response {
    let status = response.status();
    let served = status.is_success() || status == StatusCode::NOT_MODIFIED;
    let headers = response.headers_mut();
    let cache_control = match kind {
        PathKind::File if served => cache_policy::for_file(file_name),
        _ => cache_policy::REVALIDATE,
    };
    headers.insert(CACHE_CONTROL, HeaderValue::from_static(cache_control));
    if served {
        // Caches must keep the gzip and plain variants apart.
        let varies = headers
            .get_all(VARY)
            .iter()
            .any(|value| value.as_bytes().eq_ignore_ascii_case(b"accept-encoding"));
        if !varies {
            headers.append(VARY, HeaderValue::from_static("accept-encoding"));
        }
    }
    if kind == PathKind::File && status.is_success() && headers.contains_key(CONTENT_TYPE) {
        if let Some(content_type) = content_type_for(file_name) {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
    }
    response
}

/// The `content-type` of the file types the app depends on, fixed here so a
/// change in the MIME table of a dependency cannot break loading.
fn content_type_for(file_name: &str) -> Option<&'static str> {
    let extension = Path::new(file_name).extension()?.to_str()?;
    match extension.to_ascii_lowercase().as_str() {
        "wasm" => Some("application/wasm"),
        "js" | "mjs" => Some("text/javascript"),
        "webmanifest" => Some("application/manifest+json"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_sorted_by_kind() {
        assert_eq!(PathKind::of("/api"), PathKind::Api);
        assert_eq!(PathKind::of("/api/"), PathKind::Api);
        assert_eq!(PathKind::of("/api/trials/1"), PathKind::Api);
        assert_eq!(PathKind::of("/apiary"), PathKind::AppRoute);
        assert_eq!(PathKind::of("/"), PathKind::AppRoute);
        assert_eq!(PathKind::of("/strategies"), PathKind::AppRoute);
        assert_eq!(PathKind::of("/strategies/42/"), PathKind::AppRoute);
        assert_eq!(PathKind::of("/.well-known"), PathKind::AppRoute);
        assert_eq!(PathKind::of("/app-1a2b3c4d5e6f7890.js"), PathKind::File);
        assert_eq!(PathKind::of("/icons/icon-192.png"), PathKind::File);
        assert_eq!(PathKind::of("/missing.js"), PathKind::File);
    }

    #[test]
    fn app_file_types_have_fixed_content_types() {
        assert_eq!(content_type_for("app_bg.wasm"), Some("application/wasm"));
        assert_eq!(content_type_for("app.JS"), Some("text/javascript"));
        assert_eq!(
            content_type_for("manifest.webmanifest"),
            Some("application/manifest+json")
        );
        assert_eq!(content_type_for("style.css"), None);
        assert_eq!(content_type_for("README"), None);
    }
}
