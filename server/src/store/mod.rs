//! The store: one SQLite file in the data directory, opened in WAL mode with
//! foreign keys on and a busy timeout, migrated at start.
//!
//! Concurrency: every write runs on the single writer connection inside a
//! `BEGIN IMMEDIATE` transaction, one at a time behind a mutex, so writers
//! never deadlock and a failed request rolls back completely. Reads use a
//! small pool of read-only connections and see the last committed state
//! (WAL readers never block the writer). All SQLite work runs on tokio's
//! blocking threads.
//!
//! This module owns connections and transactions only; the tables' queries
//! live in the submodules, one per table, and every query on a user's rows
//! takes the user id and filters by it.

pub mod audit;
pub mod autonomous;
pub mod cache;
pub mod conversations;
pub mod goals;
pub mod messages;
pub mod migrations;
pub mod notes;
pub mod registry;
pub mod results;
pub mod tokens;
pub mod trials;
pub mod uploads;
pub mod users;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "mltrainer.sqlite3";
/// How long a connection waits for a lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Read connections kept open.
const READERS: usize = 4;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// SQLite refused or failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A migration failed; nothing of it was applied.
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        /// Its version number.
        version: i64,
        /// Its name.
        name: &'static str,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The database was written by a newer mlTrainer.
    #[error("the database has migration {found}, newer than this build knows ({known}); upgrade mlTrainer")]
    TooNew {
        /// The highest version in the file.
        found: i64,
        /// The highest version this build has.
        known: i64,
    },
    /// A stored value could not be decoded.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The blocking task running the query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(String),
}

/// A handle to the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir` and applies
    /// pending migrations.
    pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(DB_FILE);
        let mut writer = open_connection(&path, false)?;
        migrations::migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| open_connection(&path, true))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                readers: Mutex::new(readers),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `work` in one immediate write transaction: committed if it
    /// returns `Ok`, rolled back (leaving nothing behind) if it returns `Err`.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let mut connection = inner.writer.lock().unwrap_or_else(PoisonError::into_inner);
            write_transaction(&mut connection, work)
        })
        .await
    }

    /// Runs `work` on a read-only connection.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let pooled = inner
                .readers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let connection = match pooled {
                Some(connection) => connection,
                None => open_connection(&inner.path, true)?,
            };
            let result = work(&connection);
            let mut readers = inner.readers.lock().unwrap_or_else(PoisonError::into_inner);
            if readers.len() < READERS {
                readers.push(connection);
            }
            result
        })
        .await
    }

    /// Runs `work` with the writer connection outside any transaction (for
    /// checks such as `PRAGMA integrity_check`). Blocking; for the CLI.
    pub fn with_writer<T>(&self, work: impl FnOnce(&mut Connection) -> T) -> T {
        let mut connection = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        work(&mut connection)
    }
}

/// Runs `work` in an immediate transaction on `connection`.
pub fn write_transaction<T, E>(
    connection: &mut Connection,
    work: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::from)?;
    let value = work(&transaction)?;
    transaction.commit().map_err(StoreError::from)?;
    Ok(value)
}

async fn run_blocking<T, E>(work: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) => Err(StoreError::Task(error.to_string()).into()),
    }
}

/// Opens one connection with the store's pragmas.
fn open_connection(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let connection = Connection::open_with_flags(path, flags)?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    if !read_only {
        // WAL survives in the file; `synchronous = FULL` makes every commit
        // durable across power loss, not just process crashes.
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.pragma_update(None, "synchronous", "FULL")?;
    }
    connection.pragma_update(None, "foreign_keys", "ON")?;
    Ok(connection)
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

/// RFC 3339 with milliseconds, UTC, for `ms` since the epoch, e.g.
/// `2026-11-23T04:21:01.123Z`.
pub fn rfc3339(ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    at.format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_has_milliseconds_and_z() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_407_661_123), "2026-11-23T04:21:01.123Z");
    }

    #[tokio::test]
    async fn failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let result: Result<(), StoreError> = store
            .write(|tx| {
                users::create(tx, "ann", "hash", shared::api::Role::Analyst, false, 1)?;
                Err(StoreError::Corrupt("abandon".into()))
            })
            .await;
        assert!(result.is_err());
        let count: i64 = store
            .read(|c| users::count_accounts(c).map_err(StoreError::from))
            .await
            .unwrap();
        assert_eq!(count, 0);
    }

    #[tokio::test]
    async fn pragmas_are_set() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.with_writer(|c| {
            let mode: String = c
                .pragma_query_value(None, "journal_mode", |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
            let fk: i64 = c
                .pragma_query_value(None, "foreign_keys", |r| r.get(0))
                .unwrap();
            assert_eq!(fk, 1);
        });
    }
}
