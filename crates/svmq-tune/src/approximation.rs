//! Whether a search and its final fit approximate the RBF kernel (Nyström, in
//! `svmq_core::nystroem`) instead of solving it exactly: the exact solver's time grows
//! with the square of the rows, the approximation's with the rows.
//!
//! What it does not do: the approximation itself (`svmq_core::nystroem`), or choose
//! which trials it applies to (RBF trials do; the linear solver needs none, and the
//! other kernels are not approximated).

use serde::{Deserialize, Serialize};

/// How RBF trials and the final RBF fit are solved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Approximation {
    /// Nyström from [`AUTOMATIC_APPROXIMATION_ROWS`] training rows, exact below.
    #[default]
    Auto,
    /// Always the exact solver.
    None,
    /// Always Nyström.
    Nystroem,
}

impl Approximation {
    /// Every choice's name, as requests spell it.
    pub const NAMES: [&'static str; 3] = ["auto", "none", "nystroem"];

    /// The choice named `auto`, `none` or `nystroem` (also `nystrom`).
    pub fn from_name(name: &str) -> Option<Approximation> {
        match name {
            "auto" => Some(Approximation::Auto),
            "none" => Some(Approximation::None),
            "nystroem" | "nystrom" => Some(Approximation::Nystroem),
            _ => None,
        }
    }

    /// Whether a search on a training split of `training_rows` rows approximates.
    pub fn applies(self, training_rows: usize) -> bool {
        match self {
            Approximation::Auto => training_rows >= AUTOMATIC_APPROXIMATION_ROWS,
            Approximation::None => false,
            Approximation::Nystroem => true,
        }
    }
}

/// The training-split size from which [`Approximation::Auto`] approximates. On
/// generated 50,000-row data (40,000 training rows, bench/large_rbf) the exact search
/// took 3.1 times as long as the approximate one and scored 0.9 points higher: still
/// affordable, so exact. Its time grows about fourfold with each doubling of the rows,
/// which makes it half an hour for 20 trials at 100,000 rows; from there, Nyström.
pub const AUTOMATIC_APPROXIMATION_ROWS: usize = 100_000;
