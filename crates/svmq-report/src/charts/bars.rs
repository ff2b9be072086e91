//! Horizontal bar charts: one bar per named value (feature importance, parameter
//! importance, fold scores), with an optional ± whisker.

use crate::escape::short;
use crate::number::{coordinate as c, format};
use std::fmt::Write;

/// One bar.
pub struct Bar {
    /// Unescaped: escaped when drawn.
    pub label: String,
    /// The bar's height, in the units of the y axis.
    pub value: f64,
    /// Half-width of a whisker around the value, if any.
    pub spread: Option<f64>,
}

/// Longest bar label drawn, in characters.
const LABEL_CHARACTERS: usize = 24;

/// A chart of `bars` in the given order; `axis` names the values (escaped).
pub fn chart(bars: &[Bar], axis: &str, title: &str) -> String {
    let (left, right_pad, row) = (190.0, 70.0, 20.0);
    let width = 560.0;
    let plot_width = width - left - right_pad;
    let height = 30.0 + row * bars.len() as f64 + 30.0;
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    let low = bars
        .iter()
        .map(|b| finite(b.value) - finite(b.spread.unwrap_or(0.0)))
        .fold(0.0, f64::min);
    let high = bars
        .iter()
        .map(|b| finite(b.value) + finite(b.spread.unwrap_or(0.0)))
        .fold(0.0, f64::max);
    let span = if high - low > 1e-12 { high - low } else { 1.0 };
    let x = |v: f64| left + (finite(v) - low) / span * plot_width;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {h}" width="{width}" height="{h}" role="img" aria-label="{title}" font-family="sans-serif"><title>{title}</title>"#,
        h = c(height)
    );
    let zero = c(x(0.0));
    for (index, bar) in bars.iter().enumerate() {
        let y = 20.0 + row * index as f64;
        let (start, end) = (x(0.0).min(x(bar.value)), x(0.0).max(x(bar.value)));
        let label = short(&bar.label, LABEL_CHARACTERS);
        let spread = bar
            .spread
            .map_or(String::new(), |s| format!(" ± {}", format(s)));
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#222">{label}</text><rect x="{}" y="{}" width="{}" height="{}" fill="#1f77b4"><title>{label}: {}{spread}</title></rect><text x="{}" y="{}" font-size="10" fill="#444">{}</text>"##,
            c(left - 6.0),
            c(y + 13.0),
            c(start),
            c(y + 3.0),
            c((end - start).max(0.5)),
            c(row - 6.0),
            format(bar.value),
            c(end.max(x(bar.value + finite(bar.spread.unwrap_or(0.0)).abs())) + 4.0),
            c(y + 13.0),
            format(bar.value)
        );
        if let Some(spread) = bar.spread.filter(|s| s.is_finite() && *s > 0.0) {
            let _ = writeln!(
                svg,
                r##"<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#222"/>"##,
                c(x(bar.value - spread)),
                c(x(bar.value + spread)),
                c(y + row / 2.0),
                c(y + row / 2.0)
            );
        }
    }
    let bottom = 20.0 + row * bars.len() as f64;
    let _ = writeln!(
        svg,
        r##"<line x1="{zero}" x2="{zero}" y1="16" y2="{}" stroke="#999"/><text x="{}" y="{}" text-anchor="middle" font-size="12" fill="#222">{axis}</text></svg>"##,
        c(bottom),
        c(left + plot_width / 2.0),
        c(bottom + 24.0)
    );
    svg
}
