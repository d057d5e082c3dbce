//! What can go wrong talking to the server, as one typed error: an answer
//! with an error status (usually an RFC 9457 `application/problem+json`
//! body, read into [`shared::api::Problem`]) or no answer at all.
//!
//! Pure: maps status, content type and body text to an [`ApiError`] and an
//! error to words for people. No transport here (see `transport`).

use shared::api::Problem;
use shared::compliance::Verdict;
use std::fmt;

/// An error from one API call.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The server answered with an error status (or an answer that could
    /// not be read as the expected type).
    Server {
        /// The HTTP status.
        status: u16,
        /// The stable machine-readable code, e.g. `compliance_refused`
        /// (from the problem body, or derived from the status when the body
        /// is not a problem).
        code: String,
        /// What was wrong, for people.
        detail: String,
        /// The compliance verdict, when a rule refused the request.
        verdict: Option<Verdict>,
    },
    /// No answer: offline, the server is down, or the request was blocked.
    Network {
        /// What the browser said.
        message: String,
    },
}

/// Code of an answer whose body could not be read as the expected type.
pub const BAD_RESPONSE: &str = "bad_response";

impl ApiError {
    /// Builds the error for a non-success answer: the problem body when it
    /// is one, otherwise a code derived from the status and the body text.
    pub fn from_response(status: u16, content_type: &str, body: &str) -> ApiError {
        let json_like = content_type.contains("json") || body.trim_start().starts_with('{');
        if json_like {
            if let Ok(problem) = serde_json::from_str::<Problem>(body) {
                return ApiError::Server {
                    status,
                    code: problem.code,
                    detail: problem.detail,
                    verdict: problem.verdict,
                };
            }
        }
        let snippet: String = body.trim().chars().take(200).collect();
        // An HTML page (e.g. a proxy's error page) says nothing useful.
        let detail = if snippet.is_empty() || snippet.starts_with('<') {
            format!("the server answered {}", status_words(status))
        } else {
            snippet
        };
        ApiError::Server {
            status,
            code: code_for_status(status).to_string(),
            detail,
            verdict: None,
        }
    }

    /// A success answer whose body was not what the client expected.
    pub fn bad_response(status: u16, why: impl fmt::Display) -> ApiError {
        ApiError::Server {
            status,
            code: BAD_RESPONSE.to_string(),
            detail: format!("the server's answer could not be read: {why}"),
            verdict: None,
        }
    }

    /// The HTTP status, `None` when there was no answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Server { status, .. } => Some(*status),
            ApiError::Network { .. } => None,
        }
    }

    /// The stable code; `network` when there was no answer.
    pub fn code(&self) -> &str {
        match self {
            ApiError::Server { code, .. } => code,
            ApiError::Network { .. } => "network",
        }
    }

    /// The compliance verdict carried by a refusal, if any.
    pub fn verdict(&self) -> Option<&Verdict> {
        match self {
            ApiError::Server { verdict, .. } => verdict.as_ref(),
            ApiError::Network { .. } => None,
        }
    }

    /// Whether there was no answer at all.
    pub fn is_network(&self) -> bool {
        matches!(self, ApiError::Network { .. })
    }

    /// The error in words for people, shown inline where it happened.
    pub fn message(&self) -> String {
        match self {
            ApiError::Network { .. } => {
                "Cannot reach the server: check the connection. Pricing still works offline."
                    .to_string()
            }
            ApiError::Server {
                code,
                detail,
                verdict,
                status,
            } => {
                if let Some(verdict) = verdict.as_ref().filter(|v| !v.allowed) {
                    return format!("Refused by {}", verdict_words(verdict));
                }
                match code.as_str() {
                    "bad_credentials" => "Wrong username or password.".to_string(),
                    "rate_limited" => {
                        "Too many attempts. Wait a minute, then try again.".to_string()
                    }
                    "unauthenticated" | "invalid_refresh_token" => {
                        "Please sign in again.".to_string()
                    }
                    "forbidden" => "Your role may not do this.".to_string(),
                    _ if detail.trim().is_empty() => {
                        format!("The server answered {}.", status_words(*status))
                    }
                    _ => capitalise(detail.trim()),
                }
            }
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network { message } => write!(f, "network error: {message}"),
            ApiError::Server {
                status,
                code,
                detail,
                ..
            } => write!(f, "{status} {code}: {detail}"),
        }
    }
}

impl std::error::Error for ApiError {}

/// A verdict as `rule.id: reason`, the form every screen shows.
pub fn verdict_words(verdict: &Verdict) -> String {
    format!("{}: {}", verdict.rule_id, verdict.reason)
}

/// The code used when an error answer has no problem body.
pub fn code_for_status(status: u16) -> &'static str {
    match status {
        400 => "bad_request",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "rate_limited",
        502..=504 => "unavailable",
        500..=599 => "server_error",
        _ => "http_error",
    }
}

/// `404 Not Found`, or just the number for a status with no phrase here.
fn status_words(status: u16) -> String {
    match reason_phrase(status) {
        "" => status.to_string(),
        phrase => format!("{status} {phrase}"),
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> Verdict {
        Verdict {
            allowed: false,
            rule_id: "data.no_synthetic".into(),
            reason: "goal mentions \"synthetic\": only real data".into(),
        }
    }

    #[test]
    fn a_problem_body_becomes_its_code_detail_and_verdict() {
        let problem = Problem {
            kind: "about:blank".into(),
            title: "Unprocessable Content".into(),
            status: 422,
            code: "compliance_refused".into(),
            detail: "a compliance rule refused the goal".into(),
            verdict: Some(refused()),
        };
        let body = serde_json::to_string(&problem).unwrap();
        let error = ApiError::from_response(422, "application/problem+json", &body);
        assert_eq!(error.status(), Some(422));
        assert_eq!(error.code(), "compliance_refused");
        assert_eq!(error.verdict(), Some(&refused()));
        assert_eq!(
            error.message(),
            "Refused by data.no_synthetic: goal mentions \"synthetic\": only real data"
        );
    }

    #[test]
    fn a_problem_without_verdict_parses_and_the_code_decides_the_words() {
        let body = r#"{"type":"about:blank","title":"Unauthorized","status":401,
            "code":"bad_credentials","detail":"wrong username or password"}"#;
        let error = ApiError::from_response(401, "application/problem+json", body);
        assert_eq!(error.code(), "bad_credentials");
        assert_eq!(error.verdict(), None);
        assert_eq!(error.message(), "Wrong username or password.");
        let body = r#"{"type":"about:blank","title":"Too Many Requests","status":429,
            "code":"rate_limited","detail":"slow down"}"#;
        let error = ApiError::from_response(429, "application/problem+json", body);
        assert!(error.message().contains("Too many attempts"));
    }

    #[test]
    fn other_bodies_get_a_code_from_the_status() {
        let error = ApiError::from_response(502, "text/html", "<html>Bad gateway</html>");
        assert_eq!(error.code(), "unavailable");
        assert_eq!(
            error.message(),
            "The server answered 502 Bad Gateway".to_string()
        );
        let error = ApiError::from_response(404, "text/plain", "no such route");
        assert_eq!(error.code(), "not_found");
        assert_eq!(error.message(), "No such route");
        let error = ApiError::from_response(500, "application/json", "{not json");
        assert_eq!(error.code(), "server_error");
        let error = ApiError::from_response(418, "", "");
        assert_eq!(error.code(), "http_error");
        assert_eq!(error.message(), "The server answered 418");
    }

    #[test]
    fn network_errors_are_their_own_kind() {
        let error = ApiError::Network {
            message: "TypeError: Failed to fetch".into(),
        };
        assert!(error.is_network());
        assert_eq!(error.status(), None);
        assert_eq!(error.code(), "network");
        assert!(error.message().contains("Cannot reach the server"));
        assert!(error.to_string().contains("Failed to fetch"));
    }

    #[test]
    fn bad_responses_say_so() {
        let error = ApiError::bad_response(200, "expected value at line 1");
        assert_eq!(error.code(), BAD_RESPONSE);
        assert!(error
            .message()
            .starts_with("The server's answer could not be read"));
    }
}
