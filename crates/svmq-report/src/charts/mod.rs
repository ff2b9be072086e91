//! The report's charts, one module each. Every function returns a finished `<svg>`
//! element; labels from the data are escaped here, before they reach the SVG.

pub mod bars;
pub mod confusion;
pub mod curves;
pub mod history;
pub mod scatter;

/// Width of a full-size chart, in pixels.
pub const WIDTH: f64 = 560.0;
/// Height of a full-size chart, in pixels.
pub const HEIGHT: f64 = 340.0;
