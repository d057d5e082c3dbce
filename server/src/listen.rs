//! Binding the listening socket (loopback only, unless allowed) and serving
//! until a shutdown signal, with a deadline for open connections.
//!
//! Binding beyond loopback needs an explicit opt-in, and [`crate::app`]
//! also refuses it unless accounts and a signing secret exist. This module
//! does not build routes; it serves whatever router it is given, with the
//! client's address available to handlers (for per-IP rate limits).

use std::future::{Future, IntoFuture as _};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;

use crate::config::{Config, ENV_ALLOW_PUBLIC};

/// How long open connections may take to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A socket that may not or could not be bound.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// A non-loopback address without `MLTRAINER_ALLOW_PUBLIC=1`.
    #[error(
        "refusing to listen on {addr}: it is not a loopback address; listen on 127.0.0.1 (the \
         default), or set {ENV_ALLOW_PUBLIC}=1 after creating accounts and setting \
         MLTRAINER_JWT_SECRET (beyond loopback every request must sign in)"
    )]
    NotLoopback {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The operating system refused the bind.
    #[error("cannot listen on {addr}")]
    Io {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: io::Error,
    },
}

/// Whether `addr` is reachable only from this machine.
pub fn is_loopback(addr: SocketAddr) -> bool {
    addr.ip().to_canonical().is_loopback()
}

/// Binds `config.addr`, refusing a non-loopback address unless
/// `config.allow_public` is set.
pub async fn bind(config: &Config) -> Result<TcpListener, BindError> {
    let addr = config.addr;
    if !is_loopback(addr) {
        if !config.allow_public {
            return Err(BindError::NotLoopback { addr });
        }
        tracing::warn!(%addr, "listening beyond loopback ({ENV_ALLOW_PUBLIC}=1): sign-in required");
    }
    TcpListener::bind(addr)
        .await
        .map_err(|source| BindError::Io { addr, source })
}

/// Serves `router` on `listener` until `shutdown` completes, then stops
/// accepting and gives open connections [`SHUTDOWN_GRACE`] to finish before
/// returning anyway.
pub async fn serve<F>(listener: TcpListener, router: Router, shutdown: F) -> io::Result<()>
where
    F: Future<Output = ()>,
{
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        // An error means `stop` was dropped, which also means stop.
        let _ = stopped.await;
    })
    .into_future();
    let mut server = std::pin::pin!(server);
    tokio::select! {
        result = &mut server => return result,
        () = shutdown => {}
    }
    tracing::info!(
        grace_s = SHUTDOWN_GRACE.as_secs(),
        "shutting down: no new connections, waiting for open ones"
    );
    // The receiver lives inside `server`, which is still pending.
    let _ = stop.send(());
    match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
        Ok(result) => result,
        Err(_elapsed) => {
            tracing::warn!("connections still open after the grace period; closing them");
            Ok(())
        }
    }
}

/// Listens for SIGINT (Ctrl-C) and SIGTERM from this call on; the future
/// completes on the first of them. The handlers are installed here, not
/// when the future is first polled: call it before announcing the address,
/// so a signal sent right after the "listening on" line still stops the
/// server cleanly instead of killing it (the default action).
#[cfg(unix)]
pub fn shutdown_signal() -> impl Future<Output = ()> + Send {
    use tokio::signal::unix::{signal, SignalKind};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        tokio::select! {
            () = wait_for(interrupt, "SIGINT") => tracing::info!("received SIGINT"),
            () = wait_for(terminate, "SIGTERM") => tracing::info!("received SIGTERM"),
        }
    }
}

/// Listens for Ctrl-C (see the Unix version).
#[cfg(not(unix))]
pub fn shutdown_signal() -> impl Future<Output = ()> + Send {
    async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
        tracing::info!("received Ctrl-C");
    }
}

/// Completes when `signal` (installed, or the error installing it) fires;
/// never, if it could not be installed.
#[cfg(unix)]
async fn wait_for(signal: io::Result<tokio::signal::unix::Signal>, name: &str) {
    match signal {
        Ok(mut signal) => {
            signal.recv().await;
        }
        Err(error) => {
            tracing::error!(%error, "cannot listen for {name}");
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_count_as_loopback() {
        for addr in [
            "127.0.0.1:1",
            "127.8.9.10:1",
            "[::1]:1",
            "[::ffff:127.0.0.1]:1",
        ] {
            assert!(is_loopback(addr.parse().unwrap()), "{addr}");
        }
        for addr in ["0.0.0.0:1", "192.168.1.2:1", "[::]:1", "[2001:db8::1]:1"] {
            assert!(!is_loopback(addr.parse().unwrap()), "{addr}");
        }
    }
}
