//! Training parameters, with LIBSVM's meaning and defaults, and their validation.
//!
//! `SvmParams` is what a caller asks for; `SvmParams::validate` checks it once against
//! the data's dimensions and returns `ValidParams`, which the trainers take as proof.

use crate::error::EngineError;
use serde::{Deserialize, Serialize};

/// The five formulations LIBSVM knows, with LIBSVM's numbering in `-s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SvmType {
    /// C-support vector classification (`-s 0`).
    CSvc,
    /// ν-support vector classification (`-s 1`).
    NuSvc,
    /// One-class SVM, distribution estimation (`-s 2`).
    OneClass,
    /// ε-support vector regression (`-s 3`).
    EpsilonSvr,
    /// ν-support vector regression (`-s 4`).
    NuSvr,
}

impl SvmType {
    /// Whether it is a classifier: C-SVC or ν-SVC.
    pub fn is_classification(self) -> bool {
        matches!(self, SvmType::CSvc | SvmType::NuSvc)
    }

    /// Whether it is a regression: ε-SVR or ν-SVR.
    pub fn is_regression(self) -> bool {
        matches!(self, SvmType::EpsilonSvr | SvmType::NuSvr)
    }

    /// The name LIBSVM writes in a model file.
    pub fn libsvm_name(self) -> &'static str {
        match self {
            SvmType::CSvc => "c_svc",
            SvmType::NuSvc => "nu_svc",
            SvmType::OneClass => "one_class",
            SvmType::EpsilonSvr => "epsilon_svr",
            SvmType::NuSvr => "nu_svr",
        }
    }

    /// The formulation a LIBSVM model file names `name`, if there is one.
    pub fn from_libsvm_name(name: &str) -> Option<SvmType> {
        [
            SvmType::CSvc,
            SvmType::NuSvc,
            SvmType::OneClass,
            SvmType::EpsilonSvr,
            SvmType::NuSvr,
        ]
        .into_iter()
        .find(|kind| kind.libsvm_name() == name)
    }
}

/// A kernel with LIBSVM's parameterization:
/// linear `u·v`, polynomial `(γ u·v + coef0)^degree`, rbf `exp(-γ‖u−v‖²)`,
/// sigmoid `tanh(γ u·v + coef0)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kernel {
    /// `u·v`.
    Linear,
    /// `(γ u·v + coef0)^degree`.
    Polynomial {
        /// γ, positive.
        gamma: f64,
        /// The constant term, finite.
        coef0: f64,
        /// The power, in 1..=64.
        degree: u32,
    },
    /// `exp(−γ‖u−v‖²)`.
    Rbf {
        /// γ, positive.
        gamma: f64,
    },
    /// `tanh(γ u·v + coef0)`.
    Sigmoid {
        /// γ, positive.
        gamma: f64,
        /// The constant term, finite.
        coef0: f64,
    },
}

impl Kernel {
    /// The name LIBSVM writes in a model file.
    pub fn libsvm_name(&self) -> &'static str {
        match self {
            Kernel::Linear => "linear",
            Kernel::Polynomial { .. } => "polynomial",
            Kernel::Rbf { .. } => "rbf",
            Kernel::Sigmoid { .. } => "sigmoid",
        }
    }

    /// Checks the kernel's parameters: gamma finite and positive, coef0 finite,
    /// degree in 1..=64.
    pub fn validate(&self) -> Result<(), EngineError> {
        let gamma = match *self {
            Kernel::Linear => return Ok(()),
            Kernel::Polynomial {
                gamma,
                coef0,
                degree,
            } => {
                if degree == 0 || degree > 64 {
                    return Err(EngineError::InvalidParameter(format!(
                        "degree must be between 1 and 64, got {degree}"
                    )));
                }
                check_finite("coef0", coef0)?;
                gamma
            }
            Kernel::Rbf { gamma } => gamma,
            Kernel::Sigmoid { gamma, coef0 } => {
                check_finite("coef0", coef0)?;
                gamma
            }
        };
        if !(gamma.is_finite() && gamma > 0.0) {
            return Err(EngineError::InvalidParameter(format!(
                "gamma must be a positive number, got {gamma}"
            )));
        }
        Ok(())
    }
}

/// Everything a fit needs besides the data. Defaults are LIBSVM's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SvmParams {
    /// The formulation to train.
    pub svm_type: SvmType,
    /// The kernel and its parameters.
    pub kernel: Kernel,
    /// The cost C of C-SVC, ε-SVR and ν-SVR.
    pub c: f64,
    /// ν of ν-SVC, one-class SVM and ν-SVR, in (0, 1].
    pub nu: f64,
    /// ε of the ε-insensitive loss of ε-SVR (LIBSVM's `-p`).
    pub epsilon: f64,
    /// Stopping tolerance on the maximal KKT violation (LIBSVM's `-e`).
    pub tolerance: f64,
    /// Kernel-row cache budget in megabytes (LIBSVM's `-m`).
    pub cache_megabytes: f64,
    /// Shrinking heuristics (LIBSVM's `-h`).
    pub shrinking: bool,
    /// Fit probability estimates by internal cross-validation (LIBSVM's `-b`).
    pub probability: bool,
    /// Per-class multipliers of C for C-SVC: `(label, weight)` (LIBSVM's `-wi`).
    pub class_weights: Vec<(f64, f64)>,
    /// Seed of every random choice (the folds of probability estimation).
    pub seed: u64,
    /// Iteration guard of each solver run; `None` takes max(10⁷, 100·n).
    pub max_iterations: Option<u64>,
}

impl Default for SvmParams {
    fn default() -> Self {
        SvmParams {
            svm_type: SvmType::CSvc,
            kernel: Kernel::Rbf { gamma: 1.0 },
            c: 1.0,
            nu: 0.5,
            epsilon: 0.1,
            tolerance: 1e-3,
            cache_megabytes: 200.0,
            shrinking: true,
            probability: false,
            class_weights: Vec::new(),
            seed: 1,
            max_iterations: None,
        }
    }
}

/// Parameters that passed `SvmParams::validate`.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidParams(SvmParams);

impl ValidParams {
    /// The parameters that passed validation.
    pub fn get(&self) -> &SvmParams {
        &self.0
    }
}

impl std::ops::Deref for ValidParams {
    type Target = SvmParams;
    fn deref(&self) -> &SvmParams {
        &self.0
    }
}

impl SvmParams {
    /// Checks every parameter that the chosen formulation uses.
    pub fn validate(self) -> Result<ValidParams, EngineError> {
        self.kernel.validate()?;
        if matches!(
            self.svm_type,
            SvmType::CSvc | SvmType::EpsilonSvr | SvmType::NuSvr
        ) && !(self.c.is_finite() && self.c > 0.0)
        {
            return Err(EngineError::InvalidParameter(format!(
                "C must be a positive number, got {}",
                self.c
            )));
        }
        if matches!(
            self.svm_type,
            SvmType::NuSvc | SvmType::OneClass | SvmType::NuSvr
        ) && !(self.nu > 0.0 && self.nu <= 1.0)
        {
            return Err(EngineError::InvalidParameter(format!(
                "nu must be in (0, 1], got {}",
                self.nu
            )));
        }
        if self.svm_type == SvmType::EpsilonSvr
            && !(self.epsilon.is_finite() && self.epsilon >= 0.0)
        {
            return Err(EngineError::InvalidParameter(format!(
                "epsilon (p) must be a non-negative number, got {}",
                self.epsilon
            )));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(EngineError::InvalidParameter(format!(
                "the stopping tolerance must be a positive number, got {}",
                self.tolerance
            )));
        }
        if !(self.cache_megabytes.is_finite() && self.cache_megabytes > 0.0) {
            return Err(EngineError::InvalidParameter(format!(
                "the cache size must be a positive number of megabytes, got {}",
                self.cache_megabytes
            )));
        }
        for &(label, weight) in &self.class_weights {
            if !(weight.is_finite() && weight >= 0.0 && label.is_finite()) {
                return Err(EngineError::InvalidParameter(format!(
                    "class weight {weight} for label {label} must be a non-negative number"
                )));
            }
        }
        if self.max_iterations == Some(0) {
            return Err(EngineError::InvalidParameter(
                "the iteration limit must be at least 1".into(),
            ));
        }
        Ok(ValidParams(self))
    }
}

fn check_finite(name: &str, value: f64) -> Result<(), EngineError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(EngineError::InvalidParameter(format!(
            "{name} must be a finite number, got {value}"
        )))
    }
}
