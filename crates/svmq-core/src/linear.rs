//! Linear SVMs trained in the primal weights' dual by coordinate descent: L2-regularized
//! L1- and L2-loss classification (Hsieh et al. 2008) and ε-insensitive regression
//! (Ho & Lin 2012), one-vs-rest for more than two classes, with warm starts for a
//! search over C. With the L2 losses, a descent that reaches its pass limit (large C)
//! is finished by Newton's method on the primal, as LIBLINEAR does. For large data with a linear kernel, where the kernel solver's cost
//! grows with the square of the rows and this one's with the rows.
//!
//! The data stays the engine's dense row-major matrix; the bias is a constant extra
//! feature (LIBLINEAR's `-B`), regularized with the weights. Not here: the kernel
//! solvers (`solver`), LIBSVM model files, probability estimates.

mod augmented_rows;
mod classification_descent;
mod descent;
mod model;
mod objective;
mod params;
mod primal_newton;
mod regression_descent;
mod report;
mod training;

pub(crate) use augmented_rows::prefetch_bytes;
pub use model::LinearModel;
pub use objective::primal_objectives;
pub use params::{LinearLoss, LinearParams, LinearTask, ValidLinearParams};
pub use report::{LinearFitReport, LinearSubproblemReport};
pub use training::{fit_linear, fit_linear_path, DualSolution, LinearOutcome, TrainedLinearModel};
