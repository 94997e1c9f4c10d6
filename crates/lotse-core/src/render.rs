//! Placeholders and safe Markdown rendering.
//!
//! Answer bodies are Markdown written by staff. They are rendered to HTML with raw HTML
//! escaped (never passed through) and only `http`, `https`, `mailto` and `tel` links kept,
//! so even a compromised staff account cannot put script into a citizen's browser. Images from
//! other servers become links (their alt text) so that showing an answer never makes the
//! citizen's browser contact a third party.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};

/// Replaces `{{name}}` placeholders with values from `vars`. Unknown placeholders are kept
/// visibly (`{{name}}`) so that staff notice them; [`placeholders`] lists them for checks.
pub fn fill_placeholders(text: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match vars.get(name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholder names used in `text`.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        names.push(after[..end].trim().to_owned());
        rest = &after[end + 2..];
    }
    names
}

/// True for link targets that are safe to put into an `href`.
pub fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:", "tel:"]
        .iter()
        .any(|p| lower.starts_with(p))
        || (lower.starts_with('/') && !lower.starts_with("//"))
        || lower.starts_with('#')
}

/// A path on this server ("/assets/x.png"), not another host ("//x", "https://x").
fn is_local_url(url: &str) -> bool {
    let u = url.trim();
    u.starts_with('/') && !u.starts_with("//") && !u.contains('\\')
}

/// Renders Markdown to sanitised HTML (see the module docs).
pub fn markdown_to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // Whether each image (in order) is local, so its end tag matches its start tag.
    let locality: Vec<bool> = Parser::new_ext(markdown, options)
        .filter_map(|e| match e {
            Event::Start(Tag::Image { dest_url, .. }) => Some(is_local_url(&dest_url)),
            _ => None,
        })
        .collect();
    let mut images = locality.into_iter();
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        // Raw HTML is shown as text, never interpreted.
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) if !is_safe_url(&dest_url) => Event::Start(Tag::Link {
            link_type,
            dest_url: CowStr::Borrowed("#"),
            title,
            id,
        }),
        // Only images of this server are shown; others become a link with the alt text.
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !is_local_url(&dest_url) => Event::Start(Tag::Link {
            link_type: if is_safe_url(&dest_url) {
                link_type
            } else {
                LinkType::Inline
            },
            dest_url: if is_safe_url(&dest_url) {
                dest_url
            } else {
                CowStr::Borrowed("#")
            },
            title,
            id,
        }),
        Event::End(TagEnd::Image) if images.next().is_some_and(|local| !local) => {
            Event::End(TagEnd::Link)
        }
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Markdown reduced to plain text (for speech output and snippets): markup removed, links by name.
pub fn markdown_to_text(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            // Inline markup (emphasis, links) ends inside a sentence; only blocks end a line.
            Event::End(
                TagEnd::Strong
                | TagEnd::Emphasis
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image
                | TagEnd::Superscript
                | TagEnd::Subscript,
            ) => {}
            Event::End(TagEnd::TableCell) if !out.ends_with(['\n', ' ']) => out.push(' '),
            Event::End(_) if !out.ends_with(['\n', ' ']) => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_known_placeholders_and_keeps_unknown_ones() {
        let vars = HashMap::from([("jobcenter.telefon".to_owned(), "0123".to_owned())]);
        assert_eq!(
            fill_placeholders("Tel. {{jobcenter.telefon}} {{ x.y }}", &vars),
            "Tel. 0123 {{ x.y }}"
        );
        assert_eq!(fill_placeholders("offen {{ ", &vars), "offen {{ ");
        assert_eq!(placeholders("{{a}} und {{ b.c }}"), vec!["a", "b.c"]);
    }

    #[test]
    fn plain_text_keeps_sentences_whole_and_reads_links_by_name() {
        assert_eq!(
            markdown_to_text(
                "# Miete\n\nDie **Miete** zahlt [das Amt](https://x.example/a).\n\n- eins\n- zwei"
            ),
            "Miete\nDie Miete zahlt das Amt.\neins\nzwei"
        );
    }

    #[test]
    fn raw_html_and_script_links_are_neutralised() {
        let html = markdown_to_html(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn hostile_bodies_render_harmless() {
        for body in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x]( javascript:alert(1))",
            "<javascript:alert(1)>",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "![x](javascript:alert(1))",
            "[x](vbscript:msgbox(1))",
            "<svg onload=alert(1)>",
            "<iframe src=https://evil.example>",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
            "[a](https://ok.example \"t\\\" onmouseover=alert(1)\")",
        ] {
            let html = markdown_to_html(body);
            assert_harmless(&html, body);
        }
    }

    /// Every real tag (not escaped text) is a plain formatting tag, with no event handler, no
    /// style, and only safe link targets and local images.
    fn assert_harmless(html: &str, body: &str) {
        const TAGS: &[&str] = &[
            "p",
            "a",
            "em",
            "strong",
            "ul",
            "ol",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "code",
            "pre",
            "blockquote",
            "del",
            "br",
            "hr",
            "img",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
        ];
        for tag in html.split('<').skip(1) {
            let inside = tag.split('>').next().unwrap_or("");
            let inside = inside.trim_start_matches('/').trim_end_matches('/');
            let mut parts = inside.split_whitespace();
            let name = parts.next().unwrap_or("").to_lowercase();
            assert!(TAGS.contains(&name.as_str()), "tag {name}: {body} → {html}");
            for attr in inside[name.len()..].split('"').step_by(2) {
                for a in attr.split_whitespace() {
                    let a = a.trim_end_matches('=').to_lowercase();
                    assert!(
                        ["href", "src", "alt", "title"].contains(&a.as_str()),
                        "attribute {a}: {body} → {html}"
                    );
                }
            }
            for (key, safe) in [
                ("href=\"", is_safe_url as fn(&str) -> bool),
                ("src=\"", is_local_url),
            ] {
                if let Some(v) = inside.split(key).nth(1) {
                    let v = v.split('"').next().unwrap_or("");
                    assert!(safe(v), "{key}{v}: {body} → {html}");
                }
            }
        }
    }

    #[test]
    fn images_of_other_servers_become_links() {
        let html = markdown_to_html(
            "![Formular](https://tracker.example/p.gif) ![Logo](/assets/logo.png)",
        );
        assert!(!html.contains("<img src=\"https://"), "{html}");
        assert!(
            html.contains("<a href=\"https://tracker.example/p.gif\">Formular</a>"),
            "{html}"
        );
        assert!(
            html.contains("<img src=\"/assets/logo.png\" alt=\"Logo\""),
            "{html}"
        );
    }

    #[test]
    fn tables_and_safe_links_render() {
        let html =
            markdown_to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n[Antrag](https://example.org/a)");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("href=\"https://example.org/a\""), "{html}");
    }
}
