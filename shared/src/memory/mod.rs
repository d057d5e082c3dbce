//! Memory helpers for the coach: topic extraction, importance scoring,
//! token estimates, context selection within a token budget, and
//! extractive summaries. Pure: the server stores and searches; this module
//! only computes.

pub mod context;
pub mod importance;
pub mod summary;
pub mod tokens;
pub mod topics;

pub use context::{ContextInput, ContextMessage, ContextSelection};
