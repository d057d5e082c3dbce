//! The coach's markdown, safely: `pulldown-cmark` events become a small
//! tree of [`Node`]s (tested natively), and the tree becomes Leptos views.
//! Raw HTML in the text is shown as text, never injected; links keep only
//! `http`, `https` and relative targets (others become plain text); images
//! show their alt text (nothing is loaded). No `innerHTML` anywhere.

use leptos::prelude::*;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// A block or inline element of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Element {
    /// `<p>`.
    Paragraph,
    /// `<h1>`…`<h6>` (shown one level down, `<h3>` at most, inside a message).
    Heading(u8),
    /// `<blockquote>`.
    BlockQuote,
    /// `<pre><code>` with the fence's language, if any.
    CodeBlock(Option<String>),
    /// `<ol start>` or `<ul>`.
    List(Option<u64>),
    /// `<li>`.
    Item,
    /// `<table>`.
    Table,
    /// The table's header row.
    TableHead,
    /// A body row.
    TableRow,
    /// A cell (a `<th>` inside the head).
    TableCell,
    /// `<em>`.
    Emphasis,
    /// `<strong>`.
    Strong,
    /// `<del>`.
    Strikethrough,
    /// `<a href>` with a safe target.
    Link(String),
    /// A link whose target was dropped (unsafe scheme) or an image: its
    /// text only.
    Span,
}

/// One node of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// Text (including raw HTML, as text).
    Text(String),
    /// Inline code.
    Code(String),
    /// A hard line break.
    Break,
    /// A thematic break (`<hr>`).
    Rule,
    /// An element and its children.
    Element(Element, Vec<Node>),
}

/// Whether `url` may be a link target: `http:` and `https:` URLs and
/// relative references (no scheme at all).
pub fn safe_url(url: &str) -> bool {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return true;
    }
    // A scheme is whatever precedes the first ':' that comes before any
    // '/', '?' or '#'. Relative references have none.
    let before = url.split(['/', '?', '#']).next().unwrap_or("");
    !before.contains(':') && !url.starts_with("//") && !url.is_empty()
}

/// Parses `text` (CommonMark with tables and strikethrough) into nodes.
pub fn parse(text: &str) -> Vec<Node> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // (element, children) being built; the bottom entry is the document.
    let mut stack: Vec<(Option<Element>, Vec<Node>)> = vec![(None, Vec::new())];
    let push = |stack: &mut Vec<(Option<Element>, Vec<Node>)>, node: Node| {
        if let Some((_, children)) = stack.last_mut() {
            // Adjacent text merges (raw HTML arrives in pieces).
            if let (Node::Text(new), Some(Node::Text(last))) = (&node, children.last_mut()) {
                last.push_str(new);
                return;
            }
            children.push(node);
        }
    };
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Start(tag) => stack.push((Some(element_of(tag)), Vec::new())),
            Event::End(TagEnd::Image) | Event::End(_) => {
                if stack.len() > 1 {
                    if let Some((Some(element), children)) = stack.pop() {
                        push(&mut stack, Node::Element(element, children));
                    }
                }
            }
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => {
                push(&mut stack, Node::Text(t.to_string()))
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                push(&mut stack, Node::Text(t.to_string()))
            }
            Event::Code(t) => push(&mut stack, Node::Code(t.to_string())),
            Event::SoftBreak => push(&mut stack, Node::Text(" ".into())),
            Event::HardBreak => push(&mut stack, Node::Break),
            Event::Rule => push(&mut stack, Node::Rule),
            Event::FootnoteReference(t) => push(&mut stack, Node::Text(format!("[{t}]"))),
            Event::TaskListMarker(done) => push(
                &mut stack,
                Node::Text(if done { "☑ " } else { "☐ " }.into()),
            ),
        }
    }
    // Unclosed elements (a streaming answer cut mid-way) close at the end.
    while stack.len() > 1 {
        if let Some((Some(element), children)) = stack.pop() {
            push(&mut stack, Node::Element(element, children));
        }
    }
    stack.pop().map(|(_, nodes)| nodes).unwrap_or_default()
}

fn element_of(tag: Tag<'_>) -> Element {
    match tag {
        Tag::Paragraph => Element::Paragraph,
        Tag::Heading { level, .. } => Element::Heading(level as u8),
        Tag::BlockQuote(_) => Element::BlockQuote,
        Tag::CodeBlock(CodeBlockKind::Fenced(lang)) if !lang.is_empty() => {
            Element::CodeBlock(Some(lang.to_string()))
        }
        Tag::CodeBlock(_) => Element::CodeBlock(None),
        Tag::List(start) => Element::List(start),
        Tag::Item => Element::Item,
        Tag::Table(_) => Element::Table,
        Tag::TableHead => Element::TableHead,
        Tag::TableRow => Element::TableRow,
        Tag::TableCell => Element::TableCell,
        Tag::Emphasis => Element::Emphasis,
        Tag::Strong => Element::Strong,
        Tag::Strikethrough => Element::Strikethrough,
        Tag::Link { dest_url, .. } if safe_url(&dest_url) => Element::Link(dest_url.to_string()),
        // Unsafe links, images, HTML blocks, footnotes and the rest: their
        // content as text.
        _ => Element::Span,
    }
}

/// The plain text of `nodes` (for tests and accessible names).
pub fn plain_text(nodes: &[Node]) -> String {
    let mut out = String::new();
    for node in nodes {
        match node {
            Node::Text(t) | Node::Code(t) => out.push_str(t),
            Node::Break => out.push('\n'),
            Node::Rule => {}
            Node::Element(_, children) => out.push_str(&plain_text(children)),
        }
    }
    out
}

/// Markdown rendered as views.
#[component]
pub fn Markdown(
    /// The markdown text (re-parsed when it changes, e.g. while streaming).
    #[prop(into)]
    text: Signal<String>,
) -> impl IntoView {
    view! { <div class="markdown">{move || text.with(|t| render_all(&parse(t), false))}</div> }
}

fn render_all(nodes: &[Node], in_head: bool) -> Vec<AnyView> {
    nodes.iter().map(|n| render(n, in_head)).collect()
}

fn render(node: &Node, in_head: bool) -> AnyView {
    match node {
        Node::Text(t) => t.clone().into_any(),
        Node::Code(t) => view! { <code>{t.clone()}</code> }.into_any(),
        Node::Break => view! { <br /> }.into_any(),
        Node::Rule => view! { <hr /> }.into_any(),
        Node::Element(element, children) => {
            let inner = |head| render_all(children, head);
            match element {
                Element::Paragraph => view! { <p>{inner(false)}</p> }.into_any(),
                Element::Heading(1) => view! { <h3>{inner(false)}</h3> }.into_any(),
                Element::Heading(2) => view! { <h4>{inner(false)}</h4> }.into_any(),
                Element::Heading(3) => view! { <h5>{inner(false)}</h5> }.into_any(),
                Element::Heading(_) => view! { <h6>{inner(false)}</h6> }.into_any(),
                Element::BlockQuote => view! { <blockquote>{inner(false)}</blockquote> }.into_any(),
                Element::CodeBlock(lang) => {
                    let class = lang.as_ref().map(|l| format!("language-{l}"));
                    view! { <pre><code class=class>{plain_text(children)}</code></pre> }.into_any()
                }
                Element::List(Some(start)) => {
                    view! { <ol start=start.to_string()>{inner(false)}</ol> }.into_any()
                }
                Element::List(None) => view! { <ul>{inner(false)}</ul> }.into_any(),
                Element::Item => view! { <li>{inner(false)}</li> }.into_any(),
                Element::Table => {
                    let (head, body): (Vec<&Node>, Vec<&Node>) = children.iter().partition(
                        |n| matches!(n, Node::Element(Element::TableHead, _)),
                    );
                    let head: Vec<AnyView> = head.into_iter().map(|n| render(n, true)).collect();
                    let body: Vec<AnyView> = body.into_iter().map(|n| render(n, false)).collect();
                    view! {
                        <div class="table-scroll">
                            <table><thead>{head}</thead><tbody>{body}</tbody></table>
                        </div>
                    }
                    .into_any()
                }
                Element::TableHead | Element::TableRow => view! { <tr>{inner(in_head)}</tr> }.into_any(),
                Element::TableCell if in_head => {
                    view! { <th scope="col">{inner(false)}</th> }.into_any()
                }
                Element::TableCell => view! { <td>{inner(false)}</td> }.into_any(),
                Element::Emphasis => view! { <em>{inner(false)}</em> }.into_any(),
                Element::Strong => view! { <strong>{inner(false)}</strong> }.into_any(),
                Element::Strikethrough => view! { <del>{inner(false)}</del> }.into_any(),
                Element::Link(href) => view! {
                    <a href=href.clone() rel="noopener noreferrer" target="_blank">{inner(false)}</a>
                }
                .into_any(),
                Element::Span => view! { <span>{inner(false)}</span> }.into_any(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn el(element: Element, children: Vec<Node>) -> Node {
        Node::Element(element, children)
    }
    fn text(t: &str) -> Node {
        Node::Text(t.into())
    }

    #[test]
    fn paragraphs_emphasis_strong_and_code() {
        let nodes = parse("Hello *there* **you** `x < y`\n\nSecond");
        assert_eq!(
            nodes,
            vec![
                el(
                    Element::Paragraph,
                    vec![
                        text("Hello "),
                        el(Element::Emphasis, vec![text("there")]),
                        text(" "),
                        el(Element::Strong, vec![text("you")]),
                        text(" "),
                        Node::Code("x < y".into()),
                    ]
                ),
                el(Element::Paragraph, vec![text("Second")]),
            ]
        );
    }

    #[test]
    fn raw_html_and_scripts_become_text() {
        let nodes = parse("<script>alert('x')</script>\n\nSee <b onclick=\"steal()\">this</b>");
        let all = plain_text(&nodes);
        assert!(all.contains("<script>alert('x')</script>"), "{all}");
        assert!(all.contains("<b onclick=\"steal()\">"), "{all}");
        // Nothing but text, paragraphs and spans: no element came from HTML.
        fn only_safe(nodes: &[Node]) -> bool {
            nodes.iter().all(|n| match n {
                Node::Element(Element::Paragraph | Element::Span, c) => only_safe(c),
                Node::Element(..) => false,
                _ => true,
            })
        }
        assert!(only_safe(&nodes), "{nodes:?}");
    }

    #[test]
    fn tables_have_a_head_and_rows() {
        let nodes = parse("| model | sharpe |\n|---|---:|\n| rf | 0.41 |\n| bh | 0.62 |\n");
        let [Node::Element(Element::Table, rows)] = nodes.as_slice() else {
            panic!("not one table: {nodes:?}");
        };
        assert_eq!(rows.len(), 3);
        assert!(matches!(&rows[0], Node::Element(Element::TableHead, cells) if cells.len() == 2));
        assert_eq!(
            rows[2],
            el(
                Element::TableRow,
                vec![
                    el(Element::TableCell, vec![text("bh")]),
                    el(Element::TableCell, vec![text("0.62")]),
                ]
            )
        );
    }

    #[test]
    fn code_blocks_keep_their_text_and_language() {
        let nodes = parse("```rust\nlet a = \"<b>\";\n```\n");
        assert_eq!(
            nodes,
            vec![el(
                Element::CodeBlock(Some("rust".into())),
                vec![text("let a = \"<b>\";\n")]
            )]
        );
    }

    #[test]
    fn lists_headings_quotes() {
        let nodes = parse("# Title\n\n3. three\n4. four\n\n- a\n\n> quoted");
        assert_eq!(nodes[0], el(Element::Heading(1), vec![text("Title")]));
        assert!(
            matches!(&nodes[1], Node::Element(Element::List(Some(3)), items) if items.len() == 2)
        );
        assert!(matches!(&nodes[2], Node::Element(Element::List(None), items) if items.len() == 1));
        assert!(matches!(&nodes[3], Node::Element(Element::BlockQuote, _)));
    }

    #[test]
    fn only_safe_links_keep_their_target() {
        let nodes = parse(
            "[a](https://example.com/x) [b](/lab) [c](javascript:alert(1)) [d](JavaScript:x) \
             [e](data:text/html,hi) [f](HTTP://EXAMPLE.COM) ![img](https://e.com/i.png)",
        );
        let Node::Element(Element::Paragraph, children) = &nodes[0] else {
            panic!("{nodes:?}");
        };
        let links: Vec<&Element> = children
            .iter()
            .filter_map(|n| match n {
                Node::Element(e, _) => Some(e),
                _ => None,
            })
            .collect();
        assert_eq!(
            links,
            vec![
                &Element::Link("https://example.com/x".into()),
                &Element::Link("/lab".into()),
                &Element::Span,
                &Element::Span,
                &Element::Span,
                &Element::Link("HTTP://EXAMPLE.COM".into()),
                &Element::Span,
            ]
        );
        assert!(plain_text(&nodes).contains("img"));
    }

    #[test]
    fn url_safety() {
        for ok in [
            "https://a.b",
            "http://a",
            "/x",
            "x/y",
            "?q=1",
            "#top",
            "results.csv",
        ] {
            assert!(safe_url(ok), "{ok}");
        }
        for bad in [
            "javascript:x",
            " vbscript:x",
            "data:x",
            "file:///etc",
            "//evil.com",
            "",
            "mailto:a@b",
        ] {
            assert!(!safe_url(bad), "{bad}");
        }
    }

    #[test]
    fn an_unfinished_stream_still_parses() {
        let nodes = parse("**bold but not clo");
        assert_eq!(plain_text(&nodes), "**bold but not clo");
        let nodes = parse("```\ncode not closed");
        assert_eq!(
            nodes,
            vec![el(Element::CodeBlock(None), vec![text("code not closed")])]
        );
    }
}
