//! ROC and precision–recall charts: one curve per class (one-vs-rest) or one for a
//! binary problem, each named with its area in the legend.

use super::{HEIGHT, WIDTH};
use crate::curves::Curve;
use crate::escape::short;
use crate::number::format;
use crate::svg::{color, Plot};

/// Most curves drawn in one chart; more classes would be unreadable.
pub const MAX_CURVES: usize = 10;

/// A ROC chart with the chance diagonal; `curves` are `(class label, curve)`.
pub fn roc_chart(curves: &[(String, Curve)]) -> String {
    let mut plot = Plot::new(
        WIDTH,
        HEIGHT,
        (0.0, 1.0),
        (0.0, 1.0),
        "false positive rate",
        "true positive rate",
        "ROC curve",
    );
    plot.line(&[(0.0, 0.0), (1.0, 1.0)], "#aaa", 1.0, true);
    plot.legend_below();
    draw(&mut plot, curves, "AUC");
    plot.finish()
}

/// A precision–recall chart; `curves` are `(class label, curve)`.
pub fn precision_recall_chart(curves: &[(String, Curve)]) -> String {
    let mut plot = Plot::new(
        WIDTH,
        HEIGHT,
        (0.0, 1.0),
        (0.0, 1.0),
        "recall",
        "precision",
        "Precision–recall curve",
    );
    plot.legend_below();
    draw(&mut plot, curves, "AP");
    plot.finish()
}

fn draw(plot: &mut Plot, curves: &[(String, Curve)], area_name: &str) {
    for (index, (label, curve)) in curves.iter().take(MAX_CURVES).enumerate() {
        plot.line(&curve.points, color(index), 2.0, false);
        plot.legend(
            &format!("{} ({area_name} {})", short(label, 18), format(curve.area)),
            color(index),
        );
    }
}
