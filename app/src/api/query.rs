//! Query strings for GET requests: percent-encoding and the audit filters.
//! Pure string work, tested natively.

use shared::api::AuditQuery;

/// Percent-encodes `text` for a query component: RFC 3986 unreserved
/// characters stay, every other UTF-8 byte becomes `%XX`.
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `path?name=value&...` with the pairs whose value is present and not
/// empty, in the order given.
pub fn with_query(path: &str, pairs: &[(&str, Option<String>)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter_map(|(name, value)| {
            let value = value.as_deref()?.trim();
            (!value.is_empty()).then(|| format!("{name}={}", encode_component(value)))
        })
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// The URL of `GET /api/audit` for `query`.
pub fn audit_url(query: &AuditQuery) -> String {
    with_query(
        "/api/audit",
        &[
            ("user_id", query.user_id.map(|v| v.to_string())),
            ("kind", query.kind.clone()),
            ("verdict", query.verdict.clone()),
            ("from", query.from.clone()),
            ("to", query.to.clone()),
            ("before", query.before.map(|v| v.to_string())),
            ("limit", query.limit.map(|v| v.to_string())),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_and_non_ascii_bytes() {
        assert_eq!(encode_component("goal.set"), "goal.set");
        assert_eq!(encode_component("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(encode_component("é"), "%C3%A9");
        assert_eq!(encode_component("x/y?z#"), "x%2Fy%3Fz%23");
    }

    #[test]
    fn audit_url_keeps_only_set_filters_in_a_fixed_order() {
        assert_eq!(audit_url(&AuditQuery::default()), "/api/audit");
        let query = AuditQuery {
            user_id: Some(3),
            kind: Some("goal.set".into()),
            verdict: Some("refused".into()),
            from: Some("2026-01-01".into()),
            to: Some(String::new()),
            before: Some(40),
            limit: Some(50),
        };
        assert_eq!(
            audit_url(&query),
            "/api/audit?user_id=3&kind=goal.set&verdict=refused&from=2026-01-01&before=40&limit=50"
        );
    }
}
