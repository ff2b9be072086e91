//! A small SVG plotting frame: linear scales with round tick values, axes, grid lines,
//! and the marks the charts need (lines, points, rectangles, text). Charts build on it;
//! it knows nothing of SVMs. Text passed to it must already be escaped
//! ([`crate::escape`]); numbers are formatted here.
//!
//! Why not the plotters crate (checked with plotters 0.3.7, SVG backend only, drawing
//! a 100-point scatter): it builds in about 6 s and draws the same axes and marks, but
//! its drawing API cannot attach a `<title>` to a mark (the hover text that names each
//! trial's parameters, each point's values and each confusion cell's count), nor a
//! `role="img"`/`aria-label` to the chart, and it rounds every coordinate to a whole
//! pixel; its scatter came out at 35 KB with no hover text at all. The report is read
//! through those tooltips, so this frame (a few hundred lines, no dependency) stays.

use crate::number::{coordinate as c, format};
use std::fmt::Write;

/// Colors for series, distinguishable and readable on white.
pub const PALETTE: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// The color of series `index`.
pub fn color(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// Maps a data interval onto a pixel interval.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    low: f64,
    high: f64,
    from: f64,
    to: f64,
}

impl Scale {
    /// A scale from `[low, high]` (widened when empty or not finite) to `[from, to]`.
    pub fn new(low: f64, high: f64, from: f64, to: f64) -> Scale {
        let (mut low, mut high) = if low.is_finite() && high.is_finite() {
            (low.min(high), low.max(high))
        } else {
            (0.0, 1.0)
        };
        if high - low < 1e-12 {
            let pad = if low.abs() > 1e-12 {
                low.abs() * 0.1
            } else {
                1.0
            };
            low -= pad;
            high += pad;
        }
        Scale {
            low,
            high,
            from,
            to,
        }
    }

    /// The pixel position of a data value (linear; values outside the domain map outside the range).
    pub fn map(&self, value: f64) -> f64 {
        self.from + (value - self.low) / (self.high - self.low) * (self.to - self.from)
    }

    /// Round values inside the domain, about `count` of them (1, 2 or 5 × 10ᵏ apart).
    pub fn ticks(&self, count: usize) -> Vec<f64> {
        let span = self.high - self.low;
        let raw = span / count.max(1) as f64;
        let power = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * power)
            .find(|&step| step >= raw)
            .unwrap_or(10.0 * power);
        let first = (self.low / step).ceil() as i64;
        let last = (self.high / step).floor() as i64;
        (first..=last)
            .map(|k| {
                let value = k as f64 * step;
                // Avoid "-0" and 0.30000000000000004.
                if value.abs() < step * 1e-9 {
                    0.0
                } else {
                    value
                }
            })
            .collect()
    }
}

/// Extent of some values, `(min, max)`, ignoring non-finite ones.
pub fn extent(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), v| {
            (low.min(v), high.max(v))
        })
}

/// Pixel margins around the plotting area.
#[derive(Debug, Clone, Copy)]
pub struct Margins {
    /// Pixels left of the plotting area (room for the y labels).
    pub left: f64,
    /// Pixels right of it.
    pub right: f64,
    /// Pixels above it.
    pub top: f64,
    /// Pixels below it (room for the x labels).
    pub bottom: f64,
}

impl Default for Margins {
    fn default() -> Margins {
        Margins {
            left: 64.0,
            right: 16.0,
            top: 16.0,
            bottom: 48.0,
        }
    }
}

/// One chart with an x and a y axis.
pub struct Plot {
    width: f64,
    height: f64,
    margins: Margins,
    /// Maps x data values to pixels.
    pub x: Scale,
    /// Maps y data values to pixels.
    pub y: Scale,
    x_label: String,
    y_label: String,
    /// Descriptive text for screen readers (escaped).
    title: String,
    marks: String,
    legend: Vec<(String, &'static str)>,
    /// Legend in the lower right corner instead of the upper right.
    legend_below: bool,
}

impl Plot {
    /// A plot of `width` × `height` pixels showing `x_domain` × `y_domain`. Labels and
    /// title must be escaped.
    pub fn new(
        width: f64,
        height: f64,
        x_domain: (f64, f64),
        y_domain: (f64, f64),
        x_label: &str,
        y_label: &str,
        title: &str,
    ) -> Plot {
        Plot::with_margins(
            width,
            height,
            Margins::default(),
            x_domain,
            y_domain,
            x_label,
            y_label,
            title,
        )
    }

    #[allow(clippy::too_many_arguments)]
    /// Like [`Plot::new`], with the margins given instead of the defaults.
    pub fn with_margins(
        width: f64,
        height: f64,
        margins: Margins,
        x_domain: (f64, f64),
        y_domain: (f64, f64),
        x_label: &str,
        y_label: &str,
        title: &str,
    ) -> Plot {
        let x = Scale::new(x_domain.0, x_domain.1, margins.left, width - margins.right);
        let y = Scale::new(y_domain.0, y_domain.1, height - margins.bottom, margins.top);
        Plot {
            width,
            height,
            margins,
            x,
            y,
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            title: title.to_string(),
            marks: String::new(),
            legend: Vec::new(),
            legend_below: false,
        }
    }

    /// A line through data points (non-finite points are skipped).
    pub fn line(&mut self, points: &[(f64, f64)], color: &str, width: f64, dashed: bool) {
        let path: Vec<String> = points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .map(|&(x, y)| format!("{},{}", c(self.x.map(x)), c(self.y.map(y))))
            .collect();
        if path.len() < 2 {
            return;
        }
        let dash = if dashed {
            r#" stroke-dasharray="5 4""#
        } else {
            ""
        };
        let _ = writeln!(
            self.marks,
            r#"<polyline fill="none" stroke="{color}" stroke-width="{width}"{dash} points="{}"/>"#,
            path.join(" ")
        );
    }

    /// A point; `tooltip` (escaped) shows on hover.
    pub fn point(&mut self, x: f64, y: f64, radius: f64, color: &str, hollow: bool, tooltip: &str) {
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        let fill = if hollow { "none" } else { color };
        let _ = writeln!(
            self.marks,
            r#"<circle cx="{}" cy="{}" r="{radius}" fill="{fill}" fill-opacity="0.75" stroke="{color}"><title>{tooltip}</title></circle>"#,
            c(self.x.map(x)),
            c(self.y.map(y))
        );
    }

    /// A rectangle between two data corners.
    pub fn rect(&mut self, corner: (f64, f64), opposite: (f64, f64), color: &str, tooltip: &str) {
        let (x0, x1) = (self.x.map(corner.0), self.x.map(opposite.0));
        let (y0, y1) = (self.y.map(corner.1), self.y.map(opposite.1));
        let _ = writeln!(
            self.marks,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{color}"><title>{tooltip}</title></rect>"#,
            c(x0.min(x1)),
            c(y0.min(y1)),
            c((x1 - x0).abs()),
            c((y1 - y0).abs())
        );
    }

    /// Text (escaped) at a data position.
    pub fn label(&mut self, x: f64, y: f64, text: &str, anchor: &str) {
        let _ = writeln!(
            self.marks,
            r#"<text x="{}" y="{}" text-anchor="{anchor}" font-size="11">{text}</text>"#,
            c(self.x.map(x)),
            c(self.y.map(y))
        );
    }

    /// Puts the legend in the lower right corner (where ROC curves leave room).
    pub fn legend_below(&mut self) {
        self.legend_below = true;
    }

    /// Adds a legend entry (escaped text).
    pub fn legend(&mut self, text: &str, color: &'static str) {
        self.legend.push((text.to_string(), color));
    }

    /// The finished `<svg>` element, with grid, axes, tick labels and legend.
    pub fn finish(self) -> String {
        self.finish_with_ticks(None)
    }

    /// Like [`Plot::finish`], with the x ticks given as `(value, escaped label)`.
    pub fn finish_with_ticks(self, x_ticks: Option<Vec<(f64, String)>>) -> String {
        let (left, right) = (self.margins.left, self.width - self.margins.right);
        let (top, bottom) = (self.margins.top, self.height - self.margins.bottom);
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{title}" font-family="sans-serif">"#,
            w = self.width,
            h = self.height,
            title = self.title
        );
        let _ = writeln!(svg, "<title>{}</title>", self.title);
        for tick in self.y.ticks(5) {
            let y = c(self.y.map(tick));
            let _ = writeln!(
                svg,
                r##"<line x1="{left}" x2="{right}" y1="{y}" y2="{y}" stroke="#e5e5e5"/><text x="{}" y="{y}" dy="4" text-anchor="end" font-size="11" fill="#444">{}</text>"##,
                left - 6.0,
                format(tick)
            );
        }
        let x_ticks = x_ticks.unwrap_or_else(|| {
            self.x
                .ticks(6)
                .into_iter()
                .map(|tick| (tick, format(tick)))
                .collect()
        });
        for (tick, text) in x_ticks {
            let x = c(self.x.map(tick));
            let _ = writeln!(
                svg,
                r##"<line x1="{x}" x2="{x}" y1="{bottom}" y2="{}" stroke="#999"/><text x="{x}" y="{}" text-anchor="middle" font-size="11" fill="#444">{text}</text>"##,
                bottom + 4.0,
                bottom + 16.0
            );
        }
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="#999"/><line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="#999"/>"##
        );
        svg.push_str(&self.marks);
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="#222">{}</text>"##,
            c((left + right) / 2.0),
            c(self.height - 10.0),
            self.x_label
        );
        let _ = writeln!(
            svg,
            r##"<text transform="translate(14 {}) rotate(-90)" text-anchor="middle" font-size="12" fill="#222">{}</text>"##,
            c((top + bottom) / 2.0),
            self.y_label
        );
        let first = if self.legend_below {
            bottom - 8.0 - 16.0 * self.legend.len() as f64
        } else {
            top + 8.0
        };
        if !self.legend.is_empty() {
            // As wide as the longest entry (about 6.5 px per character at 11 px),
            // so the box hides as little of the chart as possible.
            let characters = self
                .legend
                .iter()
                .map(|(text, _)| visible_characters(text))
                .max()
                .unwrap_or(0);
            let width = 6.5 * characters as f64 + 30.0;
            let _ = writeln!(
                svg,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#fff" fill-opacity="0.85"/>"##,
                c(right - width),
                c(first - 8.0),
                c(width - 4.0),
                c(16.0 * self.legend.len() as f64 + 4.0)
            );
        }
        for (index, (text, color)) in self.legend.iter().enumerate() {
            let y = first + 16.0 * index as f64;
            let x = right - 8.0;
            let _ = writeln!(
                svg,
                r##"<rect x="{}" y="{}" width="10" height="10" fill="{color}"/><text x="{}" y="{}" text-anchor="end" font-size="11" fill="#222">{text}</text>"##,
                c(x - 10.0),
                c(y - 5.0),
                c(x - 14.0),
                c(y + 4.0)
            );
        }
        svg.push_str("</svg>\n");
        svg
    }
}

/// Characters an escaped text shows (an entity such as `&amp;` is one).
fn visible_characters(escaped: &str) -> usize {
    let mut count = 0;
    let mut in_entity = false;
    for character in escaped.chars() {
        match character {
            '&' => {
                in_entity = true;
                count += 1;
            }
            ';' if in_entity => in_entity = false,
            _ if in_entity => {}
            _ => count += 1,
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::format;

    #[test]
    fn ticks_are_round_and_inside_the_domain() {
        let scale = Scale::new(0.0, 1.0, 0.0, 100.0);
        let labels: Vec<String> = scale.ticks(5).into_iter().map(format).collect();
        assert_eq!(labels, ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        let scale = Scale::new(-3.0, 17.0, 0.0, 100.0);
        assert_eq!(scale.ticks(4), [0.0, 5.0, 10.0, 15.0]);
    }

    #[test]
    fn entities_count_as_one_character() {
        assert_eq!(visible_characters("a&amp;b"), 3);
        assert_eq!(visible_characters("&lt;b&gt;"), 3);
    }

    #[test]
    fn an_empty_domain_is_widened() {
        let scale = Scale::new(2.0, 2.0, 0.0, 100.0);
        assert!(scale.map(2.0).is_finite());
        assert!((scale.map(2.0) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn points_outside_finite_values_are_skipped() {
        let mut plot = Plot::new(200.0, 100.0, (0.0, 1.0), (0.0, 1.0), "x", "y", "t");
        plot.point(f64::NAN, 0.5, 2.0, "#000", false, "");
        plot.line(&[(0.0, 0.0), (f64::INFINITY, 1.0)], "#000", 1.0, false);
        let svg = plot.finish();
        assert!(!svg.contains("<circle"));
        assert!(!svg.contains("<polyline"));
        assert!(!svg.contains("NaN"));
    }
}
