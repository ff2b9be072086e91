//! Kernel evaluation: one value for prediction, whole rows for training.
//!
//! Every kernel is a function of the dot product `u·v` (and, for rbf, of the squared
//! norms): `‖u−v‖² = ‖u‖² + ‖v‖² − 2u·v`. Squared norms are computed once per data set,
//! so the hot loop is a sweep of dense dot products over contiguous rows.
//!
//! The pieces: the kernel functions (`function`) and their fast exponentials
//! (`exponential`); four dot products at a time (`dot_product`); the training data
//! stored feature by feature (`feature_major`); precomputed dot products (`gram`);
//! kernel rows for the solver (`kernel_matrix`); kernel values for prediction
//! (`prediction`).

mod dot_product;
mod exponential;
mod feature_major;
mod function;
mod gram;
mod kernel_matrix;
mod prediction;

pub use gram::{Gram, GramRows};
pub use kernel_matrix::{ColumnSet, KernelMatrix};
pub use prediction::kernel_values_against;
