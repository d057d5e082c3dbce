//! The `mltrainer-server` binary: parses the command line, installs logging,
//! and runs [`server`] until SIGINT or SIGTERM.
//!
//! On shutdown, open connections get a grace period and in-flight store
//! writes a deadline to commit.
//!
//! Exit status: 0 after a clean shutdown (and for `--help`, `--version`),
//! 2 for a bad command line or environment, 1 when the server cannot start
//! or fails while serving.

use std::error::Error;
use std::io::Write as _;
use std::process::ExitCode;

use server::{Command, Config};

/// How long in-flight store writes get to finish after shutdown.
const WRITE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// How long open WebSockets get to close at shutdown.
const LIVE_CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

fn main() -> ExitCode {
    let config = match Command::from_process() {
        Ok(Command::Serve(config)) => config,
        Ok(Command::Help) => {
            println!("{}", server::config::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("mltrainer-server {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Ok(Command::Admin { admin, data_dir }) => {
            server::telemetry::init();
            return match server::admin::run(&admin, &data_dir) {
                Ok(line) => {
                    println!("{line}");
                    ExitCode::SUCCESS
                }
                Err(error) => fail(&error, 1),
            };
        }
        Ok(Command::Trial { trial, config }) => {
            server::telemetry::init();
            return match server::admin::run_trial(&trial, &config) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(error) => fail(&error, 1),
            };
        }
        Err(error) => return fail(&error, 2),
    };
    server::telemetry::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error, 1),
    };
    let outcome = runtime.block_on(run(&config));
    // Store writes run on blocking threads: let in-flight ones commit (each
    // is one short transaction) before the process exits, up to a deadline.
    runtime.shutdown_timeout(WRITE_DEADLINE);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(error.as_ref(), 1),
    }
}

async fn run(config: &Config) -> Result<(), Box<dyn Error>> {
    let listener = server::bind(config).await?;
    let addr = listener.local_addr()?;
    // Build the app for the real address, so CORS allows the server's own
    // origin even when `--addr` asked for port 0.
    let config = Config {
        addr,
        ..config.clone()
    };
    let (router, state) = server::app_with_state(&config)?;
    // Signals are handled from here on, before anyone learns the address.
    let signal = server::shutdown_signal();
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", server::listening_line(addr))?;
    stdout.flush()?;
    drop(stdout);
    let shutdown = async move {
        signal.await;
        // Upgraded sockets are not connections the grace period waits for:
        // close them (1001) before the runtime stops.
        state.live.close_all(LIVE_CLOSE_GRACE).await;
    };
    server::serve(listener, router, shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Prints `error` and its causes to stderr and returns `code`.
fn fail(error: &dyn Error, code: u8) -> ExitCode {
    let mut message = format!("mltrainer-server: error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    eprintln!("{message}");
    ExitCode::from(code)
}
