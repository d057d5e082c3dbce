//! The Content-Security-Policy: a fixed, strict policy plus a `'sha256-…'`
//! source for each inline `<script>` in `index.html`.
//!
//! Trunk injects an inline `<script type="module">` that loads the app, so the
//! policy must allow exactly that script and nothing else inline. This module
//! scans the HTML once at startup; it never loosens the policy (no
//! `'unsafe-inline'`, no `'unsafe-eval'`) and never reads files itself.

use std::borrow::Cow;

use axum::http::HeaderValue;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

/// The directives before the script hashes are inserted.
const SCRIPT_SRC: &str = "script-src 'self' 'wasm-unsafe-eval'";
/// The directives other than `default-src` and `script-src`.
const OTHER_DIRECTIVES: &str = "style-src 'self'; img-src 'self' data:; connect-src 'self'; \
     worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'none'";
/// The policy with no inline script allowed: what is sent if the full policy
/// could not be a header value (it always can; this keeps the failure closed).
const WITHOUT_HASHES: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; \
     manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
     frame-ancestors 'none'";

/// Elements whose content is text, not markup: a `<script>` inside them is not a tag.
const RAW_TEXT_ELEMENTS: [&[u8]; 6] = [
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"noembed",
];

/// A complete `content-security-policy` header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentSecurityPolicy {
    policy: String,
}

impl ContentSecurityPolicy {
    /// The policy for a page whose HTML is `html`: each distinct inline
    /// script's hash is allowed, in document order.
    pub fn for_index_html(html: &[u8]) -> Self {
        let mut hashes: Vec<String> = Vec::new();
        for script in inline_scripts(html) {
            let hash = script_hash(script);
            if !hashes.contains(&hash) {
                hashes.push(hash);
            }
        }
        let mut script_src = String::from(SCRIPT_SRC);
        for hash in &hashes {
            script_src.push(' ');
            script_src.push_str(hash);
        }
        Self {
            policy: format!("default-src 'self'; {script_src}; {OTHER_DIRECTIVES}"),
        }
    }

    /// The policy text.
    pub fn as_str(&self) -> &str {
        &self.policy
    }

    /// The policy as a header value.
    pub fn header_value(&self) -> HeaderValue {
        HeaderValue::from_str(&self.policy).unwrap_or_else(|_| {
            tracing::error!("content security policy is not a valid header value; sending it without script hashes");
            HeaderValue::from_static(WITHOUT_HASHES)
        })
    }
}

/// The CSP source `'sha256-BASE64'` for an inline script's text.
///
/// Browsers hash the text after HTML's newline normalisation (CR LF and lone
/// CR become LF), encoded as UTF-8; this does the same.
pub fn script_hash(script: &[u8]) -> String {
    let text = normalize_newlines(script);
    format!("'sha256-{}'", BASE64.encode(Sha256::digest(&text)))
}

fn normalize_newlines(text: &[u8]) -> Cow<'_, [u8]> {
    if !text.contains(&b'\r') {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.iter().copied().peekable();
    while let Some(byte) = bytes.next() {
        if byte == b'\r' {
            bytes.next_if_eq(&b'\n');
            out.push(b'\n');
        } else {
            out.push(byte);
        }
    }
    Cow::Owned(out)
}

/// The contents of the `<script>` elements without a `src` attribute, in
/// document order.
///
/// A small tokenizer, enough for build output: it skips comments, reads start
/// tags with quoted or unquoted attributes, and treats the content of raw-text
/// elements (`script`, `style`, `title`, …) as text up to the matching end
/// tag. A script with no end tag runs to the end of the document, as in a
/// browser. It does not model the rarely used "escaped" script states
/// (`<!--` inside a script).
pub fn inline_scripts(html: &[u8]) -> Vec<&[u8]> {
    let mut scripts = Vec::new();
    let mut pos = 0;
    while let Some(offset) = find(&html[pos..], b"<") {
        let lt = pos + offset;
        if html[lt..].starts_with(b"<!--") {
            pos = find(&html[lt + 4..], b"-->").map_or(html.len(), |end| lt + 4 + end + 3);
            continue;
        }
        let Some(tag) = StartTag::parse(html, lt) else {
            pos = lt + 1;
            continue;
        };
        pos = tag.end;
        let Some(name) = RAW_TEXT_ELEMENTS
            .iter()
            .find(|name| tag.name.eq_ignore_ascii_case(name))
        else {
            continue;
        };
        let (content_end, after) = end_tag(html, pos, name);
        if *name == b"script" && !tag.has_src {
            scripts.push(&html[pos..content_end]);
        }
        pos = after;
    }
    scripts
}

/// A start tag: its name, whether it has a `src` attribute, and the index just past its `>`.
struct StartTag<'a> {
    name: &'a [u8],
    has_src: bool,
    end: usize,
}

impl<'a> StartTag<'a> {
    /// Parses the start tag at `lt` (the index of its `<`); `None` when it is
    /// not one or the document ends inside it.
    fn parse(html: &'a [u8], lt: usize) -> Option<Self> {
        let mut i = lt + 1;
        if !html.get(i)?.is_ascii_alphabetic() {
            return None;
        }
        let name_start = i;
        while i < html.len() && !is_space(html[i]) && html[i] != b'/' && html[i] != b'>' {
            i += 1;
        }
        let name = &html[name_start..i];
        let mut has_src = false;
        loop {
            while i < html.len() && (is_space(html[i]) || html[i] == b'/') {
                i += 1;
            }
            match html.get(i)? {
                b'>' => {
                    return Some(Self {
                        name,
                        has_src,
                        end: i + 1,
                    })
                }
                _ => {
                    let attr_start = i;
                    i += 1;
                    while i < html.len() && !is_space(html[i]) && !b"/>=".contains(&html[i]) {
                        i += 1;
                    }
                    has_src |= html[attr_start..i].eq_ignore_ascii_case(b"src");
                    i = skip_space(html, i);
                    if html.get(i) == Some(&b'=') {
                        i = skip_space(html, i + 1);
                        i = skip_attribute_value(html, i)?;
                    }
                }
            }
        }
    }
}

/// The index just past an attribute value starting at `i`; `None` if the
/// document ends inside a quoted value.
fn skip_attribute_value(html: &[u8], mut i: usize) -> Option<usize> {
    match html.get(i)? {
        quote @ (b'"' | b'\'') => {
            let close = find(&html[i + 1..], &[*quote])?;
            Some(i + 1 + close + 1)
        }
        _ => {
            while i < html.len() && !is_space(html[i]) && html[i] != b'>' {
                i += 1;
            }
            Some(i)
        }
    }
}

/// For a raw-text element named `name` whose content starts at `from`: the
/// index where the content ends and the index just past the end tag.
fn end_tag(html: &[u8], from: usize, name: &[u8]) -> (usize, usize) {
    let mut pos = from;
    while let Some(offset) = find(&html[pos..], b"</") {
        let start = pos + offset;
        let name_end = start + 2 + name.len();
        let matches = html
            .get(start + 2..name_end)
            .is_some_and(|candidate| candidate.eq_ignore_ascii_case(name))
            && html
                .get(name_end)
                .is_none_or(|&b| is_space(b) || b == b'/' || b == b'>');
        if matches {
            let after = find(&html[name_end..], b">").map_or(html.len(), |gt| name_end + gt + 1);
            return (start, after);
        }
        pos = start + 2;
    }
    (html.len(), html.len())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn skip_space(html: &[u8], mut i: usize) -> usize {
    while i < html.len() && is_space(html[i]) {
        i += 1;
    }
    i
}

/// HTML's ASCII whitespace: tab, LF, FF, CR, space.
fn is_space(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scripts(html: &str) -> Vec<&str> {
        inline_scripts(html.as_bytes())
            .into_iter()
            .map(|s| std::str::from_utf8(s).unwrap_or("<not utf-8>"))
            .collect()
    }

    #[test]
    fn finds_trunk_style_inline_module_and_skips_src_scripts() {
        let html = r#"<!DOCTYPE html><html><head>
<link rel="modulepreload" href="/app-1a2b3c4d5e6f7890.js">
<script type="module">
import init from '/app-1a2b3c4d5e6f7890.js';
await init({ module_or_path: '/app-1a2b3c4d5e6f7890_bg.wasm' });
</script>
<script src="/sw-register.js" defer></script>
</head><body></body></html>"#;
        assert_eq!(
            scripts(html),
            ["\nimport init from '/app-1a2b3c4d5e6f7890.js';\nawait init({ module_or_path: '/app-1a2b3c4d5e6f7890_bg.wasm' });\n"]
        );
    }

    #[test]
    fn reads_attributes_quoted_unquoted_and_in_any_case() {
        assert_eq!(scripts("<SCRIPT TYPE=module>a()</SCRIPT >"), ["a()"]);
        assert!(scripts("<script SRC=x.js></script>").is_empty());
        assert!(scripts("<script\ttype='module'\nsrc = \"x.js\"></script>").is_empty());
        assert_eq!(scripts(r#"<script data-x="src>y">b()</script>"#), ["b()"]);
        assert_eq!(scripts(r#"<script data-src="y.js">c()</script>"#), ["c()"]);
    }

    #[test]
    fn ignores_scripts_in_comments_and_other_raw_text() {
        let html = "<!-- <script>no()</script> --><title><script>no()</script></title>\
                    <style>/* <script>no()</script> */</style><script>yes()</script>";
        assert_eq!(scripts(html), ["yes()"]);
    }

    #[test]
    fn script_content_ends_only_at_its_own_end_tag() {
        assert_eq!(
            scripts("<script>let s = '</scripts>' + '</div>';</script/>"),
            ["let s = '</scripts>' + '</div>';"]
        );
    }

    #[test]
    fn malformed_html_is_handled_without_panicking() {
        assert_eq!(scripts("<script>unterminated"), ["unterminated"]);
        assert!(scripts("<script type=\"module").is_empty());
        assert!(scripts("<!-- never closed <script>x</script>").is_empty());
        assert!(scripts("a < b <").is_empty());
        assert_eq!(scripts("<script></script>"), [""]);
        for html in [
            "<",
            "<s",
            "<script",
            "<script ",
            "<script a",
            "<script a=",
            "</",
        ] {
            assert!(scripts(html).is_empty(), "{html}");
        }
    }

    #[test]
    fn hash_matches_a_known_value() {
        // printf 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            script_hash(b"alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
    }

    #[test]
    fn hash_uses_html_newline_normalisation() {
        assert_eq!(script_hash(b"a\r\nb\rc"), script_hash(b"a\nb\nc"));
    }

    #[test]
    fn policy_lists_each_distinct_inline_script_once() {
        let policy = ContentSecurityPolicy::for_index_html(
            b"<script>a()</script><script>b()</script><script>a()</script>",
        );
        let expected = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {} {}; {OTHER_DIRECTIVES}",
            script_hash(b"a()"),
            script_hash(b"b()")
        );
        assert_eq!(policy.as_str(), expected);
        assert_eq!(policy.header_value(), expected.as_str());
    }

    #[test]
    fn policy_without_inline_scripts_is_the_fallback_policy() {
        let policy = ContentSecurityPolicy::for_index_html(b"<p>hi</p>");
        assert_eq!(policy.as_str(), WITHOUT_HASHES);
        assert!(!policy.as_str().contains("unsafe-inline"));
        assert!(!policy.as_str().contains("'unsafe-eval'"));
    }
}
