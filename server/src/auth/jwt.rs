//! Access tokens: HS256 JWTs with the algorithm pinned and `exp`, `iss`,
//! `aud` and `sub` required. Short-lived; refresh tokens buy new ones.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use shared::api::Role;

/// The `iss` claim.
pub const ISSUER: &str = "mltrainer-server";
/// The `aud` claim.
pub const AUDIENCE: &str = "mltrainer-app";
/// Access-token lifetime in seconds.
pub const ACCESS_TTL_S: u64 = 15 * 60;
/// Shortest signing secret accepted, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// The claims we issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User id, as a string.
    pub sub: String,
    /// Role at issue time (the store's role is checked on every request).
    pub role: Role,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Expiry (seconds since the epoch).
    pub exp: u64,
}

/// The signing secret; never printed.
#[derive(Clone)]
pub struct SigningKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKeys([redacted])")
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Expired.
    #[error("the access token has expired")]
    Expired,
    /// Anything else: bad signature, algorithm, issuer, audience, shape.
    #[error("the access token is not valid")]
    Invalid,
    /// Could not sign.
    #[error("cannot sign the access token")]
    Signing,
}

impl SigningKeys {
    /// Keys from a secret of at least [`MIN_SECRET_LEN`] bytes.
    pub fn from_secret(secret: &[u8]) -> Option<SigningKeys> {
        (secret.len() >= MIN_SECRET_LEN).then(|| Self::build(secret))
    }

    fn build(secret: &[u8]) -> SigningKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        SigningKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Keys from 32 fresh random bytes (local mode: tokens die with the
    /// process).
    pub fn random() -> SigningKeys {
        let mut secret = [0u8; 32];
        let _ = getrandom::fill(&mut secret);
        Self::build(&secret)
    }

    /// Signs an access token for `user_id` valid from `now_s`.
    pub fn issue(&self, user_id: i64, role: Role, now_s: u64) -> Result<String, TokenError> {
        let claims = Claims {
            sub: user_id.to_string(),
            role,
            iss: ISSUER.to_string(),
            aud: AUDIENCE.to_string(),
            iat: now_s,
            exp: now_s + ACCESS_TTL_S,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Signing)
    }

    /// Verifies `token` and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

/// Seconds since the epoch, now.
pub fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    fn keys() -> SigningKeys {
        SigningKeys::from_secret(&[1u8; 32]).unwrap()
    }

    fn b64(json: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    #[test]
    fn round_trip() {
        let token = keys().issue(7, Role::Analyst, now_s()).unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!(claims.sub, "7");
        assert_eq!(claims.role, Role::Analyst);
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(SigningKeys::from_secret(&[1u8; 31]).is_none());
    }

    #[test]
    fn bad_tokens_are_refused() {
        let now = now_s();
        // Wrong key.
        let other = SigningKeys::from_secret(&[2u8; 32]).unwrap();
        let token = other.issue(7, Role::Admin, now).unwrap();
        assert_eq!(keys().verify(&token), Err(TokenError::Invalid));
        // Expired (beyond the leeway).
        let token = keys()
            .issue(7, Role::Admin, now - ACCESS_TTL_S - 60)
            .unwrap();
        assert_eq!(keys().verify(&token), Err(TokenError::Expired));
        // alg none with the same claims.
        let claims = format!(
            r#"{{"sub":"7","role":"admin","iss":"{ISSUER}","aud":"{AUDIENCE}","iat":{now},"exp":{}}}"#,
            now + 600
        );
        let none = format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&claims));
        assert_eq!(keys().verify(&none), Err(TokenError::Invalid));
        // Wrong audience, signed with the right key.
        let wrong_aud = Claims {
            sub: "7".into(),
            role: Role::Admin,
            iss: ISSUER.into(),
            aud: "someone-else".into(),
            iat: now,
            exp: now + 600,
        };
        let token = encode(
            &Header::new(Algorithm::HS256),
            &wrong_aud,
            &EncodingKey::from_secret(&[1u8; 32]),
        )
        .unwrap();
        assert_eq!(keys().verify(&token), Err(TokenError::Invalid));
        // HS512 with the right key: algorithm pinned.
        let claims = Claims {
            aud: AUDIENCE.into(),
            ..wrong_aud
        };
        let token = encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(&[1u8; 32]),
        )
        .unwrap();
        assert_eq!(keys().verify(&token), Err(TokenError::Invalid));
        assert_eq!(keys().verify("garbage"), Err(TokenError::Invalid));
    }
}
