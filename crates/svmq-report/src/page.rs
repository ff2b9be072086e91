//! The HTML page: a document with an inline style sheet, a table of contents and
//! sections, plus table helpers. No scripts, no external resources: the page's
//! Content-Security-Policy forbids both, so it renders the same offline, from a file
//! or from the server.

use std::fmt::Write;

const STYLE: &str = "
body { font-family: sans-serif; color: #222; margin: 0 auto; max-width: 1200px; padding: 1rem 2rem; line-height: 1.4; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-top: 1.5rem; }
.subtitle { color: #555; margin-top: 0; }
nav { columns: 3; font-size: 0.9rem; background: #f6f6f6; padding: 0.5rem 1rem; }
nav a { display: block; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f3f3f3; }
.note { color: #555; font-size: 0.85rem; max-width: 60rem; }
.warning { color: #8a4b00; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(580px, 1fr)); column-gap: 2rem; align-items: start; }
main > h2 { grid-column: 1 / -1; }
section { min-width: 0; }
svg { max-width: 100%; height: auto; display: block; margin: 0.5rem 0; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
";

/// A page being assembled, section by section.
pub struct Page {
    title: String,
    header: String,
    contents: Vec<(String, String)>,
    body: String,
}

impl Page {
    /// A page with an escaped `title` and an escaped subtitle line under it.
    pub fn new(title: &str, subtitle: &str) -> Page {
        Page {
            title: title.to_string(),
            header: format!("<h1>{title}</h1>\n<p class=\"subtitle\">{subtitle}</p>\n"),
            contents: Vec::new(),
            body: String::new(),
        }
    }

    /// A heading that groups the sections after it (a target of a multi-target model).
    pub fn group(&mut self, heading: &str) {
        let _ = writeln!(self.body, "<h2>{heading}</h2>");
    }

    /// A section with an `id` (for links and tests), an escaped heading and HTML.
    pub fn section(&mut self, id: &str, heading: &str, html: &str) {
        self.contents.push((id.to_string(), heading.to_string()));
        let _ = writeln!(
            self.body,
            "<section id=\"{id}\">\n<h3>{heading}</h3>\n{html}</section>"
        );
    }

    /// The finished document.
    pub fn finish(self) -> String {
        let mut html = String::new();
        let _ = write!(
            html,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n\
             <link rel=\"icon\" href=\"data:,\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{}",
            self.title, self.header
        );
        html.push_str("<nav>\n");
        for (id, heading) in &self.contents {
            let _ = writeln!(html, "<a href=\"#{id}\">{heading}</a>");
        }
        html.push_str("</nav>\n<main>\n");
        html.push_str(&self.body);
        html.push_str("</main>\n</body>\n</html>\n");
        html
    }
}

/// What the page may load: nothing but its own inline styles and data images.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// A cell of a table: escaped HTML, right-aligned when numeric.
pub enum Cell {
    /// Left-aligned text.
    Text(String),
    /// A number, right-aligned.
    Number(String),
}

/// A table with escaped `headers` and rows of cells.
pub fn table(headers: &[&str], rows: &[Vec<Cell>]) -> String {
    let mut html = String::from("<table>\n");
    if headers.iter().any(|header| !header.is_empty()) {
        html.push_str("<tr>");
        for header in headers {
            let _ = write!(html, "<th>{header}</th>");
        }
        html.push_str("</tr>\n");
    }
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            match cell {
                Cell::Text(text) => {
                    let _ = write!(html, "<td>{text}</td>");
                }
                Cell::Number(text) => {
                    let _ = write!(html, "<td class=\"number\">{text}</td>");
                }
            }
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n");
    html
}

/// A short explanatory paragraph (escaped HTML).
pub fn note(text: &str) -> String {
    format!("<p class=\"note\">{text}</p>\n")
}
