//! Refresh tokens: 32 random bytes, stored only as their SHA-256. Each use
//! rotates the token (the old one is marked used, a new one joins the same
//! family); presenting a used or revoked token is taken as theft and revokes
//! the whole family.

use base64::Engine as _;
use rusqlite::Transaction;
use sha2::{Digest, Sha256};
use shared::api::TokenPair;
use shared::compliance::hex;

use super::jwt::{now_s, SigningKeys, ACCESS_TTL_S};
use crate::store::{tokens, users, StoreError};

/// Refresh-token lifetime in milliseconds (30 days).
pub const REFRESH_TTL_MS: i64 = 30 * 24 * 3600 * 1000;

/// Why a refresh failed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Unknown, expired, or its user is gone.
    #[error("the refresh token is not valid")]
    Invalid,
    /// Already used or revoked: the family has been revoked.
    #[error(
        "the refresh token was already used; every session from that login has been signed out"
    )]
    Reused {
        /// Whose family was revoked.
        user_id: i64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Signing failed.
    #[error("cannot sign the access token")]
    Signing,
}

/// A fresh random token and its stored hash.
fn new_token() -> Result<(String, String), StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Task(e.to_string()))?;
    let token = format!(
        "rt_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// The stored form of `token`.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Issues an access token and a refresh token in a new family (login).
pub fn issue(
    tx: &Transaction<'_>,
    keys: &SigningKeys,
    user: &users::User,
    now_ms: i64,
) -> Result<TokenPair, RefreshError> {
    let mut family = [0u8; 16];
    getrandom::fill(&mut family).map_err(|e| StoreError::Task(e.to_string()))?;
    pair(tx, keys, user, &hex(&family), now_ms)
}

fn pair(
    tx: &Transaction<'_>,
    keys: &SigningKeys,
    user: &users::User,
    family: &str,
    now_ms: i64,
) -> Result<TokenPair, RefreshError> {
    let (refresh_token, hash) = new_token()?;
    tokens::insert(tx, user.id, &hash, family, now_ms, now_ms + REFRESH_TTL_MS)?;
    let access_token = keys
        .issue(user.id, user.role, now_s())
        .map_err(|_| RefreshError::Signing)?;
    Ok(TokenPair {
        access_token,
        token_type: "Bearer".to_string(),
        expires_in: ACCESS_TTL_S,
        refresh_token,
    })
}

/// Uses `presented` once and returns the next pair. On reuse, revokes the
/// family inside `tx` and returns [`RefreshError::Reused`]: the caller must
/// still commit `tx` so the revocation sticks.
pub fn rotate(
    tx: &Transaction<'_>,
    keys: &SigningKeys,
    presented: &str,
    now_ms: i64,
) -> Result<Result<TokenPair, RefreshError>, StoreError> {
    let Some(token) = tokens::by_hash(tx, &token_hash(presented))? else {
        return Ok(Err(RefreshError::Invalid));
    };
    if token.used_at.is_some() || token.revoked_at.is_some() {
        tokens::revoke_family(tx, token.user_id, &token.family, now_ms)?;
        return Ok(Err(RefreshError::Reused {
            user_id: token.user_id,
        }));
    }
    if token.expires_at <= now_ms {
        return Ok(Err(RefreshError::Invalid));
    }
    let Some(user) = users::by_id(tx, token.user_id)? else {
        return Ok(Err(RefreshError::Invalid));
    };
    tokens::mark_used(tx, token.id, now_ms)?;
    Ok(pair(tx, keys, &user, &token.family, now_ms))
}

/// Revokes the family of `presented` (logout). Unknown tokens are ignored.
pub fn revoke(tx: &Transaction<'_>, presented: &str, now_ms: i64) -> Result<(), StoreError> {
    if let Some(token) = tokens::by_hash(tx, &token_hash(presented))? {
        tokens::revoke_family(tx, token.user_id, &token.family, now_ms)?;
    }
    Ok(())
}
