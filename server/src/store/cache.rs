//! The `data_cache` table: upstream answers (as series JSON) keyed by the
//! normalised request, with their provenance hash. Public market data is
//! shared between users; the audit log records who fetched what.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::StoreError;

/// A cached series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    /// The series as JSON.
    pub series_json: String,
    /// Its provenance content hash.
    pub provenance_hash: String,
    /// When it was fetched, ms since the epoch.
    pub fetched_at: i64,
}

/// The cached answer for `request_key`, if any.
pub fn get(connection: &Connection, request_key: &str) -> Result<Option<Cached>, StoreError> {
    Ok(connection
        .query_row(
            "SELECT series, provenance_hash, fetched_at FROM data_cache WHERE request_key = ?1",
            [request_key],
            |row| {
                Ok(Cached {
                    series_json: row.get(0)?,
                    provenance_hash: row.get(1)?,
                    fetched_at: row.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Stores (or replaces) the answer for `request_key`.
pub fn put(
    tx: &Transaction<'_>,
    request_key: &str,
    source: &str,
    cached: &Cached,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO data_cache (request_key, source, provenance_hash, series, fetched_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (request_key) DO UPDATE SET provenance_hash = excluded.provenance_hash,
             series = excluded.series, fetched_at = excluded.fetched_at",
        params![
            request_key,
            source,
            cached.provenance_hash,
            cached.series_json,
            cached.fetched_at
        ],
    )?;
    Ok(())
}
