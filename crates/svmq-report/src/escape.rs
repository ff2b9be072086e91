//! Escaping text for HTML and SVG. Every string that comes from the data (column
//! names, class labels, targets) goes through [`text`] before it reaches the page:
//! a column named `<script>` must show as text, never run.

/// `value` with `& < > " '` replaced by entities: safe in element text and in quoted
/// attribute values, of HTML and SVG alike.
pub fn text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for character in value.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            // Control characters have no business in a label; they could confuse a
            // reader of the file, so they become a visible replacement.
            c if c.is_control() && c != '\n' && c != '\t' => escaped.push('\u{FFFD}'),
            c => escaped.push(c),
        }
    }
    escaped
}

/// `value` cut to at most `limit` characters (with an ellipsis), then escaped: for
/// chart labels, where long names would overflow.
pub fn short(value: &str, limit: usize) -> String {
    if value.chars().count() <= limit {
        return text(value);
    }
    let cut: String = value.chars().take(limit.saturating_sub(1)).collect();
    text(&format!("{cut}…"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_entities() {
        assert_eq!(
            text(r#"<img src=x onerror="alert('x')">&"#),
            "&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn control_characters_are_replaced() {
        assert_eq!(text("a\u{0}b"), "a\u{FFFD}b");
    }

    #[test]
    fn short_labels_are_cut_on_characters_then_escaped() {
        assert_eq!(short("ééééé<", 4), "ééé…");
        assert_eq!(short("<b>", 5), "&lt;b&gt;");
    }
}
