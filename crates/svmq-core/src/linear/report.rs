//! What the dual coordinate descent did in a linear fit, per subproblem: passes,
//! coordinate updates, convergence and the dual objective. Read-only records.

/// What the solver did, per subproblem.
#[derive(Debug, Clone, Default)]
pub struct LinearFitReport {
    /// One report per decision function: the one problem for two classes and for
    /// regression, one per class (one-vs-rest) for more classes.
    pub subproblems: Vec<LinearSubproblemReport>,
}

impl LinearFitReport {
    /// False when any subproblem reached the pass limit before meeting the tolerance.
    pub fn converged(&self) -> bool {
        self.subproblems.iter().all(|report| report.converged)
    }

    /// Passes over the rows, summed over every subproblem.
    pub fn passes(&self) -> usize {
        self.subproblems.iter().map(|report| report.passes).sum()
    }

    /// Coordinate updates that changed a variable, summed over every subproblem.
    pub fn updates(&self) -> u64 {
        self.subproblems.iter().map(|report| report.updates).sum()
    }
}

/// What the solver did on one dual problem.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearSubproblemReport {
    /// One-vs-rest: the index of the positive class in the model's labels.
    pub class: Option<usize>,
    /// Passes over the (active) rows.
    pub passes: usize,
    /// Coordinate steps that changed a variable.
    pub updates: u64,
    /// Newton iterations on the primal problem, which follow when the dual descent
    /// reached its pass limit with the L2 loss (0 otherwise).
    pub newton_iterations: usize,
    /// Whether a stopping rule was met: the dual descent's over every row before the
    /// pass limit, or else the primal Newton iterations'.
    pub converged: bool,
    /// The stopping rule's measure at the last pass: the projected-gradient gap
    /// `max PG − min PG` for classification, the 1-norm of the minimum-norm
    /// subgradient over its value in a cold start's first pass for regression.
    pub stopping_measure: f64,
    /// The dual objective at the solution, in LIBLINEAR's sign (minimized):
    /// `½‖w̃‖² + ½Σ Dᵢᵢαᵢ² − Σαᵢ` for classification,
    /// `½‖w̃‖² + ½Σ λᵢβᵢ² − Σyᵢβᵢ + εΣ|βᵢ|` for regression.
    pub dual_objective: f64,
    /// Rows with a non-zero dual variable.
    pub support_vectors: usize,
}
