//! The hyperparameter search space of PRODUCT.md §2 and the trial parameters drawn
//! from it. Parameters are conditional on the kernel: `degree` only for polynomial,
//! `coef0` for polynomial and sigmoid, `gamma` for every kernel but linear; `epsilon`
//! only for regression, class weights only for classification.

use serde::{Deserialize, Serialize};
use svmq_core::Kernel;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
/// An SVM kernel, by name.
pub enum KernelName {
    /// `u·v`.
    Linear,
    /// `exp(-gamma·|u-v|²)`.
    Rbf,
    /// `(gamma·u·v + coef0)^degree`.
    Poly,
    /// `tanh(gamma·u·v + coef0)`.
    Sigmoid,
}

impl KernelName {
    /// Every kernel.
    pub const ALL: [KernelName; 4] = [
        KernelName::Linear,
        KernelName::Rbf,
        KernelName::Poly,
        KernelName::Sigmoid,
    ];

    /// The kernel's name: `linear`, `rbf`, `poly` or `sigmoid`.
    pub fn name(self) -> &'static str {
        match self {
            KernelName::Linear => "linear",
            KernelName::Rbf => "rbf",
            KernelName::Poly => "poly",
            KernelName::Sigmoid => "sigmoid",
        }
    }

    /// Whether the kernel has a gamma (every kernel but linear).
    pub fn uses_gamma(self) -> bool {
        self != KernelName::Linear
    }

    /// Whether the kernel has a coef0 (poly and sigmoid).
    pub fn uses_coef0(self) -> bool {
        matches!(self, KernelName::Poly | KernelName::Sigmoid)
    }
}

/// How gamma is chosen: scikit-learn's data-dependent rules or a value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gamma {
    /// 1 / (features · variance of all feature values).
    Scale,
    /// 1 / features.
    Auto,
    /// This value.
    Value(f64),
}

impl Gamma {
    /// The numeric gamma for a training matrix with `features` columns whose values
    /// have variance `variance`.
    pub fn resolve(self, features: usize, variance: f64) -> f64 {
        let features = features.max(1) as f64;
        match self {
            Gamma::Scale if variance > 0.0 => 1.0 / (features * variance),
            Gamma::Scale | Gamma::Auto => 1.0 / features,
            Gamma::Value(value) => value,
        }
    }
}

/// One point of the search space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialParams {
    /// The kernel.
    pub kernel: KernelName,
    /// The soft-margin penalty C (> 0).
    pub c: f64,
    /// Gamma, for kernels that have one.
    pub gamma: Option<Gamma>,
    /// Degree, for the poly kernel.
    pub degree: Option<u32>,
    /// coef0, for the poly and sigmoid kernels.
    pub coef0: Option<f64>,
    /// ε of ε-SVR, in units of the standardized target.
    pub epsilon: Option<f64>,
    /// Classes weighted inversely to their frequency.
    pub balanced_class_weights: bool,
}

impl std::fmt::Display for TrialParams {
    /// The parameters a person reads: `rbf C=55.6 gamma=0.00138`, only those its kernel
    /// uses (and epsilon for regression, `balanced` when classes are weighted), numbers
    /// to three significant digits.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{} C={}",
            self.kernel.name(),
            significant(self.c)
        )?;
        match self.gamma {
            Some(Gamma::Value(gamma)) => write!(formatter, " gamma={}", significant(gamma))?,
            Some(Gamma::Scale) => formatter.write_str(" gamma=scale")?,
            Some(Gamma::Auto) => formatter.write_str(" gamma=auto")?,
            None => {}
        }
        if let Some(degree) = self.degree {
            write!(formatter, " degree={degree}")?;
        }
        if let Some(coef0) = self.coef0 {
            write!(formatter, " coef0={}", significant(coef0))?;
        }
        if let Some(epsilon) = self.epsilon {
            write!(formatter, " epsilon={}", significant(epsilon))?;
        }
        if self.balanced_class_weights {
            formatter.write_str(" class_weight=balanced")?;
        }
        Ok(())
    }
}

/// `value` to three significant digits, without trailing zeros: 55.57 → `55.6`,
/// 0.0013846 → `0.00138`, 1234.5 → `1230`, 0.0000306 → `3.06e-5`.
fn significant(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs().log10().floor() as i32;
    if !(-3..=6).contains(&magnitude) {
        let text = format!("{value:.2e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exponent}");
    }
    let decimals = (2 - magnitude).max(0) as usize;
    let factor = 10f64.powi(magnitude - 2);
    let rounded = if magnitude > 2 {
        (value / factor).round() * factor
    } else {
        value
    };
    let text = format!("{rounded:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

impl TrialParams {
    /// The engine's kernel for a training matrix (see `Gamma::resolve`).
    pub fn engine_kernel(&self, features: usize, variance: f64) -> Kernel {
        let gamma = self
            .gamma
            .unwrap_or(Gamma::Scale)
            .resolve(features, variance);
        let coef0 = self.coef0.unwrap_or(0.0);
        match self.kernel {
            KernelName::Linear => Kernel::Linear,
            KernelName::Rbf => Kernel::Rbf { gamma },
            KernelName::Poly => Kernel::Polynomial {
                gamma,
                coef0,
                degree: self.degree.unwrap_or(3),
            },
            KernelName::Sigmoid => Kernel::Sigmoid { gamma, coef0 },
        }
    }
}

/// A continuous range, searched on a log scale when `log`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// Smallest value.
    pub low: f64,
    /// Largest value.
    pub high: f64,
    /// Searched on a log10 scale.
    pub log: bool,
}

impl Range {
    /// The range in the space the sampler works in (log10 when `log`).
    pub fn internal(self) -> (f64, f64) {
        if self.log {
            (self.low.log10(), self.high.log10())
        } else {
            (self.low, self.high)
        }
    }

    /// A value from the sampler's space, back in the range's units and clamped to it.
    pub fn from_internal(self, value: f64) -> f64 {
        let value = if self.log { 10f64.powf(value) } else { value };
        value.clamp(self.low, self.high)
    }

    /// A value in the sampler's space (log10 when `log`).
    pub fn to_internal(self, value: f64) -> f64 {
        if self.log {
            value.log10()
        } else {
            value
        }
    }
}

/// What a study searches.
/// The gamma that `scale` and `auto` resolve to on the data searched.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaRuleValues {
    /// What `scale` stands for.
    pub scale: f64,
    /// What `auto` stands for.
    pub auto: f64,
}

impl GammaRuleValues {
    /// The number a trial's gamma stands for.
    pub fn number(self, gamma: Gamma) -> f64 {
        match gamma {
            Gamma::Scale => self.scale,
            Gamma::Auto => self.auto,
            Gamma::Value(value) => value,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// The hyperparameters a study searches, and their ranges.
pub struct SearchSpace {
    /// One kernel, or several (`auto`): the kernel is then a categorical dimension.
    pub kernels: Vec<KernelName>,
    /// Range of C.
    pub c: Range,
    /// Range of numeric gamma values.
    pub gamma: Range,
    /// Whether `scale` and `auto` compete with numeric gamma values.
    pub gamma_rules: bool,
    /// The numbers `scale` and `auto` stand for on this data, when known: TPE then
    /// models gamma as one number, learning from every trial whatever rule it used.
    #[serde(default)]
    pub gamma_rule_values: Option<GammaRuleValues>,
    /// Degrees tried for the poly kernel.
    pub degrees: Vec<u32>,
    /// Range of coef0 for poly and sigmoid.
    pub coef0: Range,
    /// `Some` for regression.
    pub epsilon: Option<Range>,
    /// Whether balanced class weights compete with none (classification).
    pub class_weights: bool,
}

impl SearchSpace {
    /// PRODUCT.md §2's space for classification with the given kernels.
    pub fn classification(kernels: Vec<KernelName>) -> SearchSpace {
        SearchSpace {
            kernels,
            c: Range {
                low: 1e-3,
                high: 1e3,
                log: true,
            },
            gamma: Range {
                low: 1e-5,
                high: 1e1,
                log: true,
            },
            gamma_rules: true,
            gamma_rule_values: None,
            degrees: vec![2, 3, 4, 5],
            coef0: Range {
                low: 0.0,
                high: 10.0,
                log: false,
            },
            epsilon: None,
            class_weights: true,
        }
    }

    /// PRODUCT.md §2's space for regression with the given kernels.
    pub fn regression(kernels: Vec<KernelName>) -> SearchSpace {
        SearchSpace {
            epsilon: Some(Range {
                low: 1e-4,
                high: 1.0,
                log: true,
            }),
            class_weights: false,
            ..SearchSpace::classification(kernels)
        }
    }

    /// The parameters used without a search: scikit-learn's defaults.
    pub fn defaults(&self) -> TrialParams {
        let kernel = if self.kernels.contains(&KernelName::Rbf) || self.kernels.is_empty() {
            KernelName::Rbf
        } else {
            self.kernels[0]
        };
        TrialParams {
            kernel,
            c: 1.0,
            gamma: kernel.uses_gamma().then_some(Gamma::Scale),
            degree: (kernel == KernelName::Poly).then_some(3),
            coef0: kernel.uses_coef0().then_some(0.0),
            epsilon: self.epsilon.map(|_| 0.1),
            balanced_class_weights: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_read_as_a_person_writes_them() {
        let rbf = TrialParams {
            kernel: KernelName::Rbf,
            c: 55.57446007728335,
            gamma: Some(Gamma::Value(0.0013846)),
            degree: None,
            coef0: None,
            epsilon: None,
            balanced_class_weights: false,
        };
        assert_eq!(rbf.to_string(), "rbf C=55.6 gamma=0.00138");
        let poly = TrialParams {
            kernel: KernelName::Poly,
            c: 1234.5,
            gamma: Some(Gamma::Scale),
            degree: Some(3),
            coef0: Some(0.5),
            epsilon: Some(1.5e-7),
            balanced_class_weights: true,
        };
        assert_eq!(
            poly.to_string(),
            "poly C=1230 gamma=scale degree=3 coef0=0.5 epsilon=1.5e-7 class_weight=balanced"
        );
        assert_eq!(significant(0.001), "0.001");
        assert_eq!(significant(1.0), "1");
        assert_eq!(significant(999.95), "1000");
        assert_eq!(significant(-0.0456789), "-0.0457");
        assert_eq!(significant(0.000030574645), "3.06e-5");
    }
}
