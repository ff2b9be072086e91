//! What the solver did in a fit, per subproblem (class pair, or the one problem):
//! iterations, convergence, objective and support-vector counts. Read-only records;
//! nothing here changes how a model is trained.

/// What the solver did, per subproblem (class pair, or the one problem).
#[derive(Debug, Clone, Default)]
pub struct FitReport {
    /// One report per dual problem: per class pair in the model's pair order for
    /// classifiers, else the single problem.
    pub subproblems: Vec<SubproblemReport>,
}

impl FitReport {
    /// False when any subproblem hit the iteration limit before meeting the tolerance.
    pub fn converged(&self) -> bool {
        self.subproblems.iter().all(|report| report.converged)
    }

    /// Solver iterations, summed over every subproblem.
    pub fn iterations(&self) -> u64 {
        self.subproblems
            .iter()
            .map(|report| report.iterations)
            .sum()
    }
}

/// What the solver did on one dual problem.
#[derive(Debug, Clone)]
pub struct SubproblemReport {
    /// The class pair (indices into the model's labels), for classifiers.
    pub classes: Option<(usize, usize)>,
    /// SMO iterations, each of which changes two variables.
    pub iterations: u64,
    /// Whether the maximal KKT violation fell below the tolerance before the
    /// iteration limit.
    pub converged: bool,
    /// The dual objective `½αᵀQα + pᵀα` at the solution (for ν-SVC, of the
    /// equivalent C-SVC problem).
    pub objective: f64,
    /// The offset ρ of the decision function `f(x) = Σ coef·k(sv, x) − ρ`.
    pub rho: f64,
    /// Training rows with a non-zero coefficient.
    pub support_vectors: usize,
    /// Support vectors at their upper bound.
    pub bounded_support_vectors: usize,
    /// ν-SVR: the ε it found; ν-SVC: the C it amounts to (1/r).
    pub derived: Option<f64>,
    /// C-SVC and ε-SVR: the ν the solution amounts to, Σα / (C·l).
    pub nu: Option<f64>,
}
