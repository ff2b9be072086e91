//! Regression charts: predicted against actual values with the identity line, and
//! residuals (actual − predicted) against predicted values with the zero line.

use super::{HEIGHT, WIDTH};
use crate::number::format;
use crate::svg::{extent, Plot};

/// Predicted vs actual for `pairs` of `(actual, predicted)`; `None` when empty.
pub fn predicted_vs_actual(pairs: &[(f64, f64)], unit: &str) -> Option<String> {
    if pairs.is_empty() {
        return None;
    }
    let (low, high) = extent(pairs.iter().flat_map(|&(a, p)| [a, p]));
    let pad = ((high - low) * 0.05).max(1e-9);
    let domain = (low - pad, high + pad);
    let mut plot = Plot::new(
        WIDTH,
        HEIGHT,
        domain,
        domain,
        &format!("actual {unit}"),
        &format!("predicted {unit}"),
        "Predicted against actual",
    );
    plot.line(
        &[(domain.0, domain.0), (domain.1, domain.1)],
        "#aaa",
        1.0,
        true,
    );
    for &(actual, predicted) in pairs {
        plot.point(
            actual,
            predicted,
            2.5,
            "#1f77b4",
            false,
            &format!("actual {}, predicted {}", format(actual), format(predicted)),
        );
    }
    Some(plot.finish())
}

/// Residuals against predictions; `None` when empty.
pub fn residuals(pairs: &[(f64, f64)], unit: &str) -> Option<String> {
    if pairs.is_empty() {
        return None;
    }
    let (low, high) = extent(pairs.iter().map(|p| p.1));
    let (residual_low, residual_high) = extent(pairs.iter().map(|&(a, p)| a - p));
    let limit = residual_low.abs().max(residual_high.abs()).max(1e-9) * 1.05;
    let pad = ((high - low) * 0.05).max(1e-9);
    let mut plot = Plot::new(
        WIDTH,
        HEIGHT,
        (low - pad, high + pad),
        (-limit, limit),
        &format!("predicted {unit}"),
        "residual (actual − predicted)",
        "Residuals",
    );
    plot.line(&[(low - pad, 0.0), (high + pad, 0.0)], "#aaa", 1.0, true);
    for &(actual, predicted) in pairs {
        plot.point(
            predicted,
            actual - predicted,
            2.5,
            "#d62728",
            false,
            &format!(
                "predicted {}, residual {}",
                format(predicted),
                format(actual - predicted)
            ),
        );
    }
    Some(plot.finish())
}
