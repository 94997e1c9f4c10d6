//! Placeholders and safe Markdown rendering.
//!
//! Answer bodies are Markdown written by staff. They are rendered to HTML with raw HTML
//! escaped (never passed through) and only `http`, `https`, `mailto` and `tel` links kept,
//! so even a compromised staff account cannot put script into a citizen's browser.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

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

/// Renders Markdown to sanitised HTML (see the module docs).
pub fn markdown_to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
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
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) if !is_safe_url(&dest_url) => Event::Start(Tag::Image {
            link_type,
            dest_url: CowStr::Borrowed("#"),
            title,
            id,
        }),
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
    fn tables_and_safe_links_render() {
        let html =
            markdown_to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n[Antrag](https://example.org/a)");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("href=\"https://example.org/a\""), "{html}");
    }
}
