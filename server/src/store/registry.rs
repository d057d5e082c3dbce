//! The model registry's tables: `model_versions` (one row per registered
//! version of a name, with the result's record) and `model_active` (the
//! active version of each name). Rows belong to a user and every query
//! filters by user. Writes take the caller's transaction, so the route
//! audits in the same one; nothing here audits or checks rules.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use shared::api::ResultRecord;
use shared::registry::{ModelVersion, Origin, RegistryModel};

use super::{rfc3339, StoreError};

/// A new version to store.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    /// The model's name (already validated).
    pub name: &'a str,
    /// The stored result it comes from, if any.
    pub result_id: Option<i64>,
    /// How it enters the registry.
    pub origin: Origin,
    /// The note (already validated).
    pub note: &'a str,
    /// What ran and what it scored.
    pub record: &'a ResultRecord,
}

/// Stores `new` as the next version of its name for `user_id`; the first
/// version of a name becomes its active one.
pub fn insert(
    tx: &Transaction<'_>,
    user_id: i64,
    new: &NewVersion<'_>,
    now_ms: i64,
) -> Result<ModelVersion, StoreError> {
    let version: u32 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE user_id = ?1 AND name = ?2",
        params![user_id, new.name],
        |row| row.get(0),
    )?;
    let record = serde_json::to_string(new.record).map_err(corrupt)?;
    tx.execute(
        "INSERT INTO model_versions (user_id, name, version, result_id, origin, note, record, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![user_id, new.name, version, new.result_id, new.origin.as_str(), new.note, record, now_ms],
    )?;
    if active(tx, user_id, new.name)?.is_none() {
        set_active(tx, user_id, new.name, version, now_ms)?;
    }
    get(tx, user_id, new.name, version)?
        .ok_or_else(|| StoreError::Corrupt("the version just stored is missing".into()))
}

/// Makes `version` of `name` active for `user_id` (it must exist).
pub fn set_active(
    tx: &Transaction<'_>,
    user_id: i64,
    name: &str,
    version: u32,
    now_ms: i64,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO model_active (user_id, name, version, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, name) DO UPDATE SET version = excluded.version,
                                                    updated_at = excluded.updated_at",
        params![user_id, name, version, now_ms],
    )?;
    Ok(())
}

/// The active version of `name`, if any.
pub fn active(
    connection: &Connection,
    user_id: i64,
    name: &str,
) -> Result<Option<u32>, StoreError> {
    Ok(connection
        .query_row(
            "SELECT version FROM model_active WHERE user_id = ?1 AND name = ?2",
            params![user_id, name],
            |row| row.get(0),
        )
        .optional()?)
}

const COLUMNS: &str = "v.name, v.version, v.result_id, v.origin, v.note, v.record, v.created_at,
     (a.version IS NOT NULL)";
const FROM: &str = "FROM model_versions v LEFT JOIN model_active a
     ON a.user_id = v.user_id AND a.name = v.name AND a.version = v.version";

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ))
}

type RawRow = (String, u32, Option<i64>, String, String, String, i64, bool);

fn decode(raw: RawRow) -> Result<ModelVersion, StoreError> {
    let (name, version, result_id, origin, note, record, created_at, active) = raw;
    Ok(ModelVersion {
        origin: Origin::parse(&origin)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown origin {origin:?}")))?,
        record: serde_json::from_str(&record).map_err(corrupt)?,
        created_at: rfc3339(created_at),
        name,
        version,
        result_id,
        note,
        active,
    })
}

/// Version `version` of `name`, if it is `user_id`'s.
pub fn get(
    connection: &Connection,
    user_id: i64,
    name: &str,
    version: u32,
) -> Result<Option<ModelVersion>, StoreError> {
    connection
        .query_row(
            &format!(
                "SELECT {COLUMNS} {FROM} WHERE v.user_id = ?1 AND v.name = ?2 AND v.version = ?3"
            ),
            params![user_id, name, version],
            read_row,
        )
        .optional()?
        .map(decode)
        .transpose()
}

/// Every version of `name` for `user_id`, oldest first.
pub fn versions(
    connection: &Connection,
    user_id: i64,
    name: &str,
) -> Result<Vec<ModelVersion>, StoreError> {
    let mut statement = connection.prepare(&format!(
        "SELECT {COLUMNS} {FROM} WHERE v.user_id = ?1 AND v.name = ?2 ORDER BY v.version"
    ))?;
    let rows = statement.query_map(params![user_id, name], read_row)?;
    rows.map(|row| decode(row?)).collect()
}

/// `user_id`'s registered names, alphabetically, with their version
/// counts and active versions.
pub fn models(connection: &Connection, user_id: i64) -> Result<Vec<RegistryModel>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT v.name, COUNT(*), a.version,
                (SELECT record FROM model_versions w WHERE w.user_id = v.user_id AND w.name = v.name
                 ORDER BY (w.version = a.version) DESC, w.version DESC LIMIT 1)
         FROM model_versions v LEFT JOIN model_active a ON a.user_id = v.user_id AND a.name = v.name
         WHERE v.user_id = ?1 GROUP BY v.name ORDER BY v.name",
    )?;
    let rows = statement.query_map(params![user_id], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, u32>(1)?,
            row.get::<_, Option<u32>>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    rows.map(|row| {
        let (name, versions, active_version, record) = row?;
        let record: ResultRecord = serde_json::from_str(&record).map_err(corrupt)?;
        Ok(RegistryModel {
            name,
            versions,
            active_version,
            model: record.model,
            family: record.family,
        })
    })
    .collect()
}

fn corrupt(error: serde_json::Error) -> StoreError {
    StoreError::Corrupt(error.to_string())
}
