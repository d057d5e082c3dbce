//! The `boosting` family's catalog entries.

use crate::models::CatalogEntry;

/// This family's entries.
pub fn entries() -> Vec<CatalogEntry> {
    Vec::new()
}
