//! Accounts on the wire: login, token refresh, and who am I.

use serde::{Deserialize, Serialize};

/// What a user may do. Viewers read; analysts also write their own data;
/// admins also read everyone's audit trail and manage users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads only.
    Viewer,
    /// Reads and writes their own goals, uploads, results.
    Analyst,
    /// Everything, including other users' audit entries.
    Admin,
}

impl Role {
    /// The wire name: `viewer`, `analyst` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// Parses a wire name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Role> {
        match name {
            "viewer" => Some(Role::Viewer),
            "analyst" => Some(Role::Analyst),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Whether this role may create or change stored data.
    pub fn can_write(self) -> bool {
        self >= Role::Analyst
    }
}

/// `POST /api/auth/login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    /// The account name.
    pub username: String,
    /// The password, in clear over TLS; never stored or logged.
    pub password: String,
}

/// `POST /api/auth/refresh` and `POST /api/auth/logout`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRequest {
    /// The refresh token from the last [`TokenPair`].
    pub refresh_token: String,
}

/// Tokens answered by login and refresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single-use token that buys the next pair.
    pub refresh_token: String,
}

/// `GET /api/me`: the user the request acts as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Stable user id.
    pub user_id: i64,
    /// Account name.
    pub username: String,
    /// What the user may do.
    pub role: Role,
    /// True when the server runs in local mode (loopback, no accounts) and
    /// no login is needed.
    pub local_mode: bool,
}
