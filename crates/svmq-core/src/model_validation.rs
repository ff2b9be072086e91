//! The one check a model read from outside must pass before anything uses it.
//!
//! A model file is untrusted input: LIBSVM's text format and svmq's own JSON format both
//! end in [`Model::validate`], so prediction, export and conversion can index every
//! vector without a bounds check failing. What is checked:
//! - shape: a classifier has at least two classes, one support vector count per class
//!   adding up to the number of support vectors, `classes − 1` coefficient rows, one
//!   offset per class pair and probability parameters per pair; a model without classes
//!   has one coefficient row and one offset; every coefficient row has one value per
//!   support vector; support vector indices are absent or one per vector, 1-based and
//!   distinct;
//! - values: labels, offsets, coefficients and probability parameters are finite, labels
//!   are distinct, the kernel's parameters are in their domains (see
//!   [`Kernel::validate`]), a Laplace scale is not negative;
//! - kinds: pairwise probabilities only for classifiers, a Laplace scale only for
//!   regression;
//! - a random Fourier map: finite frequencies and phases, one phase per frequency row,
//!   the linear kernel after it, and one support vector column per feature.
//!
//! What it does not check: that the numbers came from a training run (a model can be
//! well formed and predict nonsense), nor the feature count of the rows to predict,
//! which callers match against [`Model::feature_count`]. The support vector matrix is
//! checked when it is built or deserialized ([`crate::Matrix`]).

use crate::error::EngineError;
use crate::model::{Model, ProbabilityModel};
use crate::params::{Kernel, SvmType};

fn invalid<T>(message: impl Into<String>) -> Result<T, EngineError> {
    Err(EngineError::InvalidModel(message.into()))
}

/// The position (1-based) of the first value that is not finite, if any.
fn first_non_finite(values: &[f64]) -> Option<usize> {
    values
        .iter()
        .position(|value| !value.is_finite())
        .map(|index| index + 1)
}

fn check_finite(field: &str, values: &[f64]) -> Result<(), EngineError> {
    match first_non_finite(values) {
        Some(position) => invalid(format!("{field}: value {position} is not a finite number")),
        None => Ok(()),
    }
}

impl Model {
    /// Checks that the parts of a model fit together and every number is in its domain,
    /// so that nothing downstream can index out of bounds or compute with NaN.
    pub fn validate(&self) -> Result<(), EngineError> {
        self.kernel
            .validate()
            .map_err(|error| EngineError::InvalidModel(kernel_message(error)))?;
        let total = self.support_vectors.rows();
        if self.svm_type.is_classification() {
            self.validate_classes(total)?;
        } else {
            if !self.labels.is_empty() || !self.support_vector_counts.is_empty() {
                return invalid(format!(
                    "a {} model has no class labels or per-class counts",
                    self.svm_type.libsvm_name()
                ));
            }
            if self.coefficients.len() != 1 {
                return invalid(format!(
                    "a {} model needs exactly one coefficient row, found {}",
                    self.svm_type.libsvm_name(),
                    self.coefficients.len()
                ));
            }
        }
        let decision_functions = self.decision_value_count();
        if self.rho.len() != decision_functions {
            return invalid(format!(
                "{} offsets (rho) for {decision_functions} decision functions",
                self.rho.len()
            ));
        }
        check_finite("rho", &self.rho)?;
        for (row, coefficients) in self.coefficients.iter().enumerate() {
            if coefficients.len() != total {
                return invalid(format!(
                    "coefficient row {} has {} values for {total} support vectors",
                    row + 1,
                    coefficients.len()
                ));
            }
            check_finite(&format!("coefficient row {}", row + 1), coefficients)?;
        }
        self.validate_probability(decision_functions)?;
        self.validate_indices(total)?;
        self.validate_feature_map()
    }

    /// A random Fourier map: well formed, before a linear kernel, with one column per
    /// feature in the support vectors.
    fn validate_feature_map(&self) -> Result<(), EngineError> {
        let Some(map) = &self.feature_map else {
            return Ok(());
        };
        map.validate()?;
        if self.kernel != Kernel::Linear {
            return invalid(format!(
                "a model with random Fourier features has the linear kernel on them, not {}",
                self.kernel.libsvm_name()
            ));
        }
        if self.support_vectors.columns() != map.components() {
            return invalid(format!(
                "the support vectors have {} columns for {} random Fourier features",
                self.support_vectors.columns(),
                map.components()
            ));
        }
        Ok(())
    }

    /// Labels, per-class counts and coefficient rows of a classifier.
    fn validate_classes(&self, total: usize) -> Result<(), EngineError> {
        let classes = self.labels.len();
        if classes < 2 {
            return invalid(format!(
                "a classifier needs at least 2 classes, found {classes}"
            ));
        }
        check_finite("label", &self.labels)?;
        let mut sorted = self.labels.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted.windows(2).any(|pair| pair[0] == pair[1]) {
            return invalid("the class labels are not distinct");
        }
        if self.support_vector_counts.len() != classes {
            return invalid(format!(
                "{} support vector counts (nr_sv) for {classes} classes",
                self.support_vector_counts.len()
            ));
        }
        let counted = self
            .support_vector_counts
            .iter()
            .try_fold(0usize, |sum, &count| sum.checked_add(count));
        if counted != Some(total) {
            return invalid(format!(
                "the support vector counts (nr_sv) do not add up to the {total} support vectors"
            ));
        }
        if self.coefficients.len() != classes - 1 {
            return invalid(format!(
                "{} coefficient rows for {classes} classes (expected {})",
                self.coefficients.len(),
                classes - 1
            ));
        }
        Ok(())
    }

    fn validate_probability(&self, decision_functions: usize) -> Result<(), EngineError> {
        match (&self.probability, self.svm_type) {
            (None, _) => Ok(()),
            (Some(ProbabilityModel::Pairwise { a, b }), SvmType::CSvc | SvmType::NuSvc) => {
                if a.len() != decision_functions || b.len() != decision_functions {
                    return invalid(format!(
                        "{} probA and {} probB values for {decision_functions} class pairs",
                        a.len(),
                        b.len()
                    ));
                }
                check_finite("probA", a)?;
                check_finite("probB", b)
            }
            (Some(ProbabilityModel::Laplace { sigma }), SvmType::EpsilonSvr | SvmType::NuSvr) => {
                if sigma.is_finite() && *sigma >= 0.0 {
                    Ok(())
                } else {
                    invalid(format!(
                        "the Laplace scale (probA) must be a non-negative number, got {sigma}"
                    ))
                }
            }
            (Some(_), svm_type) => invalid(format!(
                "the probability information does not fit a {} model",
                svm_type.libsvm_name()
            )),
        }
    }

    fn validate_indices(&self, total: usize) -> Result<(), EngineError> {
        let indices = &self.support_vector_indices;
        if indices.is_empty() {
            return Ok(());
        }
        if indices.len() != total {
            return invalid(format!(
                "{} support vector indices for {total} support vectors",
                indices.len()
            ));
        }
        if indices.contains(&0) {
            return invalid("support vector indices are 1-based; found 0");
        }
        let mut sorted = indices.clone();
        sorted.sort_unstable();
        if sorted.windows(2).any(|pair| pair[0] == pair[1]) {
            return invalid("the support vector indices are not distinct");
        }
        Ok(())
    }
}

/// A kernel parameter error restated as a model error.
fn kernel_message(error: EngineError) -> String {
    match error {
        EngineError::InvalidParameter(message) => format!("kernel: {message}"),
        other => other.to_string(),
    }
}
