//! Calendar dates for option expiries. The type now lives in
//! [`crate::calendar`] (the data module uses it too); this path re-exports it
//! so existing callers keep compiling. Nothing here reads a clock.

pub use crate::calendar::{Date, DateError};
