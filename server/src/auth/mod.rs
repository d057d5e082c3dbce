//! Accounts: password hashing, access tokens, rotating refresh tokens, the
//! request's [`Session`], and local mode.
//!
//! Local mode: when the server is bound to loopback and no account exists,
//! every request acts as one implicit local user (an admin with no
//! password), so the embedded default needs no set-up. Creating the first
//! account (`mltrainer-server user create`) ends local mode at the next
//! start.

pub mod jwt;
pub mod password;
pub mod refresh;
pub mod session;

pub use jwt::SigningKeys;
pub use session::{Session, Writer};
