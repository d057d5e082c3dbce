//! The administrative subcommands: `migrate`, `user create`,
//! `user reset-password`, `audit verify`, and `trial run|list|cancel`.
//! Each opens the store, does one thing in one transaction (audited where
//! it changes something), prints the outcome and exits; `trial run` drives
//! a trial with the server's runner to its end, printing its events.

use std::io::BufRead as _;
use std::path::Path;

use shared::api::ChainReport;

use crate::auth::password;
use crate::config::Admin;
use crate::store::audit::{self, AuditEvent};
use crate::store::{now_ms, tokens, users, Store, StoreError};

/// Environment variable the `user` subcommands read the password from.
pub const ENV_PASSWORD: &str = "MLTRAINER_PASSWORD";

/// Why a subcommand failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The password does not meet the policy.
    #[error(transparent)]
    Password(#[from] password::PasswordError),
    /// No password given.
    #[error("no password: set {ENV_PASSWORD} or write it on the first line of stdin")]
    NoPassword,
    /// The account name is taken or invalid.
    #[error("{0}")]
    Username(String),
    /// A trial could not be started, found or cancelled.
    #[error("{0}")]
    Trial(String),
    /// The server's state could not be built.
    #[error(transparent)]
    Start(#[from] Box<crate::StartError>),
    /// The chain does not verify.
    #[error("the audit chain is broken at entry #{seq}: {reason}")]
    BrokenChain {
        /// First broken entry.
        seq: i64,
        /// Why.
        reason: String,
    },
}

/// Runs `admin` against the store in `data_dir`; returns the line to print.
pub fn run(admin: &Admin, data_dir: &Path) -> Result<String, AdminError> {
    let store = Store::open(data_dir)?;
    match admin {
        Admin::Migrate => Ok(format!(
            "database {} is at migration {}",
            store.path().display(),
            crate::store::migrations::latest_version()
        )),
        Admin::CreateUser { username, role } => {
            check_username(username)?;
            let hash = password::hash(&read_password()?)?;
            let (username, role) = (username.clone(), *role);
            let id = store.with_writer(|c| {
                crate::store::write_transaction(c, |tx| {
                    if users::by_name(tx, &username)?.is_some() {
                        return Err(AdminError::Username(format!(
                            "an account called {username:?} already exists"
                        )));
                    }
                    let id = users::create(tx, &username, &hash, role, false, now_ms())?;
                    audit::append(
                        tx,
                        &AuditEvent::new(Some(id), "admin-cli", "user.create")
                            .detail(serde_json::json!({ "username": username, "role": role })),
                    )?;
                    Ok(id)
                })
            })?;
            Ok(format!("created user {id} ({})", role.as_str()))
        }
        Admin::ResetPassword { username } => {
            let hash = password::hash(&read_password()?)?;
            let username = username.clone();
            store.with_writer(|c| {
                crate::store::write_transaction(c, |tx| {
                    let user = users::by_name(tx, &username)?
                        .filter(|user| !user.is_local)
                        .ok_or_else(|| {
                            AdminError::Username(format!("no account called {username:?}"))
                        })?;
                    users::set_password(tx, &username, &hash)?;
                    let revoked = tokens::revoke_user(tx, user.id, now_ms())?;
                    audit::append(
                        tx,
                        &AuditEvent::new(Some(user.id), "admin-cli", "user.reset_password")
                            .detail(serde_json::json!({ "revoked_refresh_tokens": revoked })),
                    )?;
                    Ok(format!(
                        "password reset for {username}; {revoked} session(s) signed out"
                    ))
                })
            })
        }
        Admin::VerifyAudit => {
            let report: ChainReport = store.with_writer(|c| audit::verify(c))?;
            let integrity: String = store
                .with_writer(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
                .map_err(StoreError::from)?;
            if integrity != "ok" {
                return Err(StoreError::Corrupt(format!("integrity check: {integrity}")).into());
            }
            match report.first_broken {
                None => Ok(format!(
                    "audit chain verified: {} entries, head {}; database integrity ok",
                    report.entries, report.head_hash
                )),
                Some(broken) => Err(AdminError::BrokenChain {
                    seq: broken.seq,
                    reason: broken.reason,
                }),
            }
        }
    }
}

fn check_username(username: &str) -> Result<(), AdminError> {
    let ok = (1..=64).contains(&username.chars().count())
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(AdminError::Username(format!(
            "username {username:?} must have 1-64 letters, digits or . _ - @"
        )))
    }
}

fn read_password() -> Result<String, AdminError> {
    if let Ok(password) = std::env::var(ENV_PASSWORD) {
        if !password.is_empty() {
            return Ok(password);
        }
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|_| AdminError::NoPassword)?;
    let line = line.trim_end_matches(['\r', '\n']).to_string();
    if line.is_empty() {
        return Err(AdminError::NoPassword);
    }
    Ok(line)
}

/// Runs a `trial` subcommand with `config`; returns whether it succeeded
/// (`trial run`: every step succeeded). Prints to stdout as it goes.
pub fn run_trial(
    command: &crate::config::TrialCommand,
    config: &crate::Config,
) -> Result<bool, AdminError> {
    use crate::config::TrialCommand;
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|error| AdminError::Trial(format!("cannot start the runtime: {error}")))?;
    runtime.block_on(async {
        let state = crate::build_state(config).map_err(Box::new)?;
        match command {
            TrialCommand::Run { plan, username } => {
                let session = trial_session(&state, username.as_deref()).await?;
                run_plan(&state, &session, plan).await
            }
            TrialCommand::List { username } => {
                let session = trial_session(&state, username.as_deref()).await?;
                let user_id = session.user_id;
                let list = state
                    .store
                    .read(move |c| crate::store::trials::list(c, user_id, 500))
                    .await?;
                for trial in list {
                    println!(
                        "{}\t{}\t{}/{}\t{}\t{}",
                        trial.id,
                        trial.status.as_str(),
                        trial.steps_done,
                        trial.steps_total,
                        trial.created_at,
                        trial.name
                    );
                }
                Ok(true)
            }
            TrialCommand::Cancel { id, username } => {
                let session = trial_session(&state, username.as_deref()).await?;
                let id = *id;
                let summary = state
                    .store
                    .write(move |tx| crate::trials::request_cancel(tx, &session, id))
                    .await
                    .map_err(|problem| AdminError::Trial(problem.detail().to_string()))?;
                println!("trial {} is {}", summary.id, summary.status.as_str());
                Ok(true)
            }
        }
    })
}

/// The session a `trial` subcommand acts for: the named account, else
/// local mode's user.
async fn trial_session(
    state: &crate::state::AppState,
    username: Option<&str>,
) -> Result<crate::auth::Session, AdminError> {
    let Some(name) = username else {
        return state.local_user.clone().ok_or_else(|| {
            AdminError::Trial("accounts exist: name one with --username NAME".to_string())
        });
    };
    let name = name.to_string();
    let user = state
        .store
        .read(move |c| users::by_name(c, &name))
        .await?
        .filter(|user| !user.is_local)
        .ok_or_else(|| AdminError::Trial(format!("no account called {username:?}")))?;
    Ok(crate::auth::Session {
        user_id: user.id,
        username: user.username,
        role: user.role,
        local: false,
    })
}

/// Starts the plan in `path` and prints its events (JSON lines) until it
/// ends; true when it succeeded.
async fn run_plan(
    state: &crate::state::AppState,
    session: &crate::auth::Session,
    path: &Path,
) -> Result<bool, AdminError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| AdminError::Trial(format!("cannot read {}: {error}", path.display())))?;
    let plan = shared::trial::Plan::from_json(&text)
        .map_err(|error| AdminError::Trial(format!("{}: {error}", path.display())))?;
    if !session.role.can_write() {
        return Err(AdminError::Trial(format!(
            "{} is a viewer and cannot start trials",
            session.username
        )));
    }
    let started = state
        .trials
        .start(state, session, plan)
        .await
        .map_err(|problem| AdminError::Trial(problem.detail().to_string()))?;
    let (user_id, trial_id) = (session.user_id, started.summary.id);
    println!("trial {trial_id} started");
    let mut driver = started.driver;
    let mut after = 0u64;
    let mut done = false;
    loop {
        if !done {
            done = tokio::time::timeout(std::time::Duration::from_millis(200), &mut driver)
                .await
                .is_ok();
        }
        let events = state
            .store
            .read(move |c| crate::store::trials::events_after(c, user_id, trial_id, after, 1000))
            .await?;
        for event in &events {
            println!("{}", serde_json::to_string(event).unwrap_or_default());
            after = event.seq;
        }
        if done && events.is_empty() {
            break;
        }
    }
    let summary = state
        .store
        .read(move |c| crate::store::trials::summary(c, user_id, trial_id))
        .await?
        .ok_or_else(|| AdminError::Trial(format!("trial {trial_id} is missing")))?;
    println!("trial {trial_id} {}", summary.status.as_str());
    Ok(summary.status == shared::api::TrialStatus::Succeeded)
}
