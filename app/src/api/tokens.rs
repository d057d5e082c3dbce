//! Where the session's tokens live.
//!
//! The access token (short-lived, sent as `Authorization: Bearer`) is kept
//! in memory only: it dies with the tab and is never written anywhere.
//!
//! The refresh token is kept in `localStorage`, so a reload or a second tab
//! stays signed in (the server has no cookie session to fall back on). That
//! makes it readable by script on this origin, which is acceptable here
//! because the strict CSP allows no inline or third-party script, refresh
//! tokens are single-use (each refresh rotates it, so a copied token is
//! spent once either side uses it), and "Sign out" revokes it on the server
//! and deletes it here.

use gloo_storage::{LocalStorage, Storage};
use shared::api::TokenPair;
use std::cell::RefCell;

/// Local-storage key of the refresh token.
pub const REFRESH_KEY: &str = "mltrainer.auth.refresh.v1";

thread_local! {
    static ACCESS: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The access token, if signed in during this page's life.
pub fn access() -> Option<String> {
    ACCESS.with(|slot| slot.borrow().clone())
}

/// The stored refresh token, if any.
pub fn refresh() -> Option<String> {
    LocalStorage::get::<String>(REFRESH_KEY)
        .ok()
        .filter(|token| !token.is_empty())
}

/// Keeps a new pair: the access token in memory, the refresh token in
/// local storage (if storage is disabled the session lasts until reload).
pub fn store(pair: &TokenPair) {
    ACCESS.with(|slot| *slot.borrow_mut() = Some(pair.access_token.clone()));
    let _ = LocalStorage::set(REFRESH_KEY, &pair.refresh_token);
}

/// Forgets both tokens.
pub fn clear() {
    ACCESS.with(|slot| *slot.borrow_mut() = None);
    LocalStorage::delete(REFRESH_KEY);
}
