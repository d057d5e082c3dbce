//! The administrative subcommands: `migrate`, `user create`,
//! `user reset-password`, `audit verify`. Each opens the store, does one
//! thing in one transaction (audited where it changes something), prints
//! the outcome and exits.

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
