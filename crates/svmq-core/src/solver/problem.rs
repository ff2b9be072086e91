//! What the solver is given and what it returns: the dual problem, the settings, and
//! the solution in the variables' original order.

use crate::kernel::KernelMatrix;

/// A dual problem, ready to solve.
pub(crate) struct DualProblem<'a> {
    pub kernel: &'a KernelMatrix<'a>,
    /// The training row of each variable.
    pub row_of: Vec<usize>,
    /// yₜ = ±1.
    pub sign: Vec<f64>,
    /// The linear term p.
    pub linear: Vec<f64>,
    /// The upper bound Cₜ.
    pub upper: Vec<f64>,
    /// A feasible starting point.
    pub alpha: Vec<f64>,
}

pub(crate) struct SolverSettings {
    pub tolerance: f64,
    pub shrinking: bool,
    pub cache_bytes: usize,
    pub max_iterations: u64,
    /// Use the ν solver (two equality constraints, one per sign).
    pub nu_variant: bool,
}

pub(crate) struct DualSolution {
    pub alpha: Vec<f64>,
    pub rho: f64,
    /// The ν solver's second offset (ε of ν-SVR is −r; ν-SVC scales by r).
    pub r: f64,
    pub objective: f64,
    pub iterations: u64,
    pub converged: bool,
}
