//! Whether a search and its final fit approximate the RBF kernel (by Nyström's method
//! or random Fourier features, `svmq_core::kernel_approximation`) instead of solving
//! it exactly: the exact solver's time grows with the square of the rows, the
//! approximation's with the rows.
//!
//! What it does not do: the approximation itself (`svmq_core::kernel_approximation`),
//! or choose which trials it applies to (RBF trials do; the linear solver needs none,
//! and the other kernels are not approximated).

use serde::{Deserialize, Serialize};
use svmq_core::nystroem::DEFAULT_LANDMARKS;
use svmq_core::KernelApproximation;

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
    /// Always random Fourier features.
    #[serde(rename = "rff")]
    RandomFourier,
}

impl Approximation {
    /// Every choice's name, as requests spell it.
    pub const NAMES: [&'static str; 4] = ["auto", "none", "nystroem", "rff"];

    /// The choice named `auto`, `none`, `nystroem` (also `nystrom`) or `rff`.
    pub fn from_name(name: &str) -> Option<Approximation> {
        match name {
            "auto" => Some(Approximation::Auto),
            "none" => Some(Approximation::None),
            "nystroem" | "nystrom" => Some(Approximation::Nystroem),
            "rff" => Some(Approximation::RandomFourier),
            _ => None,
        }
    }

    /// Its name as requests spell it.
    pub fn name(self) -> &'static str {
        match self {
            Approximation::Auto => "auto",
            Approximation::None => "none",
            Approximation::Nystroem => "nystroem",
            Approximation::RandomFourier => "rff",
        }
    }

    /// The approximation a search on a training split of `training_rows` rows uses,
    /// with `size` landmarks or random features (`None`: the default,
    /// [`DEFAULT_LANDMARKS`] of either); `None`: the kernel is solved exactly.
    pub fn for_rows(
        self,
        training_rows: usize,
        size: Option<usize>,
    ) -> Option<KernelApproximation> {
        let size = size.unwrap_or(DEFAULT_LANDMARKS);
        match self {
            Approximation::Auto if training_rows >= AUTOMATIC_APPROXIMATION_ROWS => {
                Some(KernelApproximation::Nystroem { landmarks: size })
            }
            Approximation::Auto | Approximation::None => None,
            Approximation::Nystroem => Some(KernelApproximation::Nystroem { landmarks: size }),
            Approximation::RandomFourier => {
                Some(KernelApproximation::RandomFourier { components: size })
            }
        }
    }

    /// Whether it names an approximation to use whatever the rows.
    pub fn is_forced(self) -> bool {
        matches!(self, Approximation::Nystroem | Approximation::RandomFourier)
    }
}

/// The training-split size from which [`Approximation::Auto`] approximates. On
/// generated 50,000-row data (40,000 training rows, bench/large_rbf) the exact search
/// took 3.1 times as long as the approximate one and scored 0.9 points higher: still
/// affordable, so exact. Its time grows about fourfold with each doubling of the rows,
/// which makes it half an hour for 20 trials at 100,000 rows; from there, Nyström.
pub const AUTOMATIC_APPROXIMATION_ROWS: usize = 100_000;
