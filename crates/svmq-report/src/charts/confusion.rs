//! The confusion matrix as a heat map: rows are the true classes, columns the
//! predicted ones, each cell shaded by its share of the row (so rare classes are as
//! readable as frequent ones) and labelled with its count.

use crate::escape::short;
use crate::number::coordinate as c;
use std::fmt::Write;

/// Longest class label drawn, in characters.
const LABEL_CHARACTERS: usize = 14;

/// The heat map of `counts[truth][predicted]` with class labels `classes`.
pub fn chart(counts: &[Vec<usize>], classes: &[String]) -> String {
    let k = counts.len().max(1);
    let cell = (480.0 / k as f64).clamp(14.0, 56.0);
    let (left, top) = (110.0, 30.0);
    let size = cell * k as f64;
    let (width, height) = (left + size + 20.0, top + size + 70.0);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="Confusion matrix" font-family="sans-serif"><title>Confusion matrix</title>"#,
        w = c(width),
        h = c(height)
    );
    let label = |index: usize| {
        short(
            classes.get(index).map_or("?", String::as_str),
            LABEL_CHARACTERS,
        )
    };
    let font = (cell * 0.32).clamp(8.0, 13.0);
    for (truth, row) in counts.iter().enumerate() {
        let total: usize = row.iter().sum();
        for (predicted, &count) in row.iter().enumerate() {
            let share = if total > 0 {
                count as f64 / total as f64
            } else {
                0.0
            };
            let (x, y) = (left + cell * predicted as f64, top + cell * truth as f64);
            // White to a saturated blue by the share of the row.
            let shade = |full: f64| c(255.0 - (255.0 - full) * share);
            let fill = format!("rgb({},{},{})", shade(31.0), shade(119.0), shade(180.0));
            let ink = if share > 0.55 { "#fff" } else { "#222" };
            let _ = writeln!(
                svg,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" stroke="#fff"><title>true {} → predicted {}: {count} ({:.0} % of the row)</title></rect><text x="{}" y="{}" text-anchor="middle" font-size="{}" fill="{ink}">{count}</text>"##,
                c(x),
                c(y),
                c(cell),
                c(cell),
                label(truth),
                label(predicted),
                share * 100.0,
                c(x + cell / 2.0),
                c(y + cell / 2.0 + font / 3.0),
                c(font)
            );
        }
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#222">{}</text>"##,
            c(left - 6.0),
            c(top + cell * truth as f64 + cell / 2.0 + 4.0),
            label(truth)
        );
    }
    for predicted in 0..counts.len() {
        let x = left + cell * predicted as f64 + cell / 2.0;
        let y = top + size + 8.0;
        let _ = writeln!(
            svg,
            r##"<text transform="translate({} {}) rotate(45)" font-size="11" fill="#222">{}</text>"##,
            c(x),
            c(y),
            label(predicted)
        );
    }
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="18" text-anchor="middle" font-size="12" fill="#222">predicted class</text><text transform="translate(14 {}) rotate(-90)" text-anchor="middle" font-size="12" fill="#222">true class</text></svg>"##,
        c(left + size / 2.0),
        c(top + size / 2.0)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_count_is_drawn_and_labels_are_escaped() {
        let svg = chart(
            &[vec![5, 1], vec![0, 7]],
            &["<a>".to_string(), "b&c".to_string()],
        );
        for count in [">5<", ">1<", ">0<", ">7<"] {
            assert!(svg.contains(count), "{count}");
        }
        assert!(svg.contains("&lt;a&gt;"));
        assert!(svg.contains("b&amp;c"));
        assert!(!svg.contains("<a>"));
    }
}
