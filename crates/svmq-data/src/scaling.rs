//! Scalers: the affine maps `x ↦ (x − center) / scale` that put features on
//! comparable ranges, and the [`TargetScaler`] that does the same for a regression
//! target and maps predictions back.
//!
//! | method     | center              | scale                               |
//! |------------|---------------------|-------------------------------------|
//! | `standard` | mean                | population standard deviation       |
//! | `minmax`   | minimum             | maximum − minimum (result in [0, 1]) |
//! | `robust`   | median              | interquartile range q75 − q25       |
//! | `none`     | 0                   | 1                                   |
//!
//! Quantiles interpolate linearly between order statistics (position (n − 1)·q), as
//! numpy's and scikit-learn's defaults do. A scale of zero (a constant column, or a
//! robust scaler on a column whose middle half is one value) becomes 1, so constant
//! columns map to zeros instead of dividing by zero.
//!
//! What it does not do: choose which values to fit on; callers pass exactly the fitting
//! rows' values, which is how the no-leakage rule is kept.

use serde::{Deserialize, Serialize};

/// How features are scaled, fitted on training rows only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum ScalingMethod {
    /// Subtract the mean, divide by the population standard deviation.
    #[default]
    #[serde(rename = "standard")]
    Standard,
    /// Subtract the minimum, divide by the range: training values land in [0, 1].
    #[serde(rename = "minmax")]
    MinMax,
    /// Subtract the median, divide by the interquartile range: outliers weigh less.
    #[serde(rename = "robust")]
    Robust,
    /// Leave values as they are.
    #[serde(rename = "none")]
    None,
}

impl ScalingMethod {
    /// Every method's name, as requests spell it.
    pub const NAMES: [&'static str; 4] = ["standard", "minmax", "robust", "none"];

    /// The method named `standard`, `minmax`, `robust` or `none`.
    pub fn from_name(name: &str) -> Option<ScalingMethod> {
        match name {
            "standard" => Some(Self::Standard),
            "minmax" => Some(Self::MinMax),
            "robust" => Some(Self::Robust),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// Methods that users of the original pass and svmq does not implement.
    pub const UNSUPPORTED: [&'static str; 2] = ["quantile", "power"];

    /// Why `name` names no method, with the supported ones. The name itself is not
    /// repeated (it may be huge), except as one of [`Self::UNSUPPORTED`].
    pub fn unknown_name_message(name: &str) -> String {
        let supported = Self::NAMES.join(", ");
        match Self::UNSUPPORTED
            .iter()
            .find(|unsupported| **unsupported == name)
        {
            Some(unsupported) => format!(
                "{unsupported} scaling is not supported; the supported scaling methods are \
                 {supported}"
            ),
            None => format!(
                "unknown scaling method; the supported ones are {supported} (quantile and \
                 power are not supported)"
            ),
        }
    }

    /// The method's name as requests spell it: the inverse of [`from_name`].
    ///
    /// [`from_name`]: ScalingMethod::from_name
    pub fn name(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::MinMax => "minmax",
            Self::Robust => "robust",
            Self::None => "none",
        }
    }
}

/// `x ↦ (x − center) / scale`, with `scale` never zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Affine {
    /// Subtracted first.
    pub center: f64,
    /// Divided by second; positive when fitted, 1 for constant values.
    pub scale: f64,
}

impl Affine {
    /// The map leaving every value unchanged: center 0, scale 1.
    pub const IDENTITY: Affine = Affine {
        center: 0.0,
        scale: 1.0,
    };

    /// Fits the method on these values (the identity when there are none).
    pub fn fit(method: ScalingMethod, values: &[f64]) -> Affine {
        if values.is_empty() || method == ScalingMethod::None {
            return Affine::IDENTITY;
        }
        let (minimum, maximum) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), &value| {
                (low.min(value), high.max(value))
            });
        let (center, scale) = match method {
            ScalingMethod::Standard => {
                let mean = mean(values);
                (mean, standard_deviation(values, mean))
            }
            ScalingMethod::MinMax => (minimum, maximum - minimum),
            ScalingMethod::Robust => {
                let mut sorted = values.to_vec();
                sorted.sort_by(f64::total_cmp);
                (
                    quantile(&sorted, 0.5),
                    quantile(&sorted, 0.75) - quantile(&sorted, 0.25),
                )
            }
            ScalingMethod::None => (0.0, 1.0),
        };
        // Testing constancy by the extremes, not by a tiny computed spread: rounding
        // can leave a spread of 1e-17 on a constant column, and dividing by it would
        // turn rounding noise into large values.
        if minimum == maximum {
            // Centering on the value itself makes a constant column exactly zero
            // (a computed mean can be off in the last bit).
            return Affine {
                center: minimum,
                scale: 1.0,
            };
        }
        let usable = scale.is_finite() && scale > 0.0;
        Affine {
            center,
            scale: if usable { scale } else { 1.0 },
        }
    }

    /// `(value − center) / scale`.
    pub fn apply(&self, value: f64) -> f64 {
        (value - self.center) / self.scale
    }

    /// `value · scale + center`: undoes [`apply`](Affine::apply).
    pub fn invert(&self, value: f64) -> f64 {
        value * self.scale + self.center
    }
}

/// The arithmetic mean; NaN for no values.
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Population standard deviation (divides by n), as scikit-learn's StandardScaler.
pub fn standard_deviation(values: &[f64], mean: f64) -> f64 {
    let squares: f64 = values.iter().map(|value| (value - mean).powi(2)).sum();
    (squares / values.len() as f64).sqrt()
}

/// The q-quantile of sorted values by linear interpolation at position (n − 1)·q.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let Some(&last) = sorted.last() else {
        return f64::NAN;
    };
    let position = (sorted.len() - 1) as f64 * q;
    let below = position.floor() as usize;
    if below + 1 >= sorted.len() {
        return last;
    }
    let fraction = position - below as f64;
    sorted[below] + fraction * (sorted[below + 1] - sorted[below])
}

/// Standardizes a regression target for training and maps predictions back to the
/// target's own units. Every reported error must be computed after [`inverse`].
///
/// [`inverse`]: TargetScaler::inverse
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TargetScaler {
    affine: Affine,
}

impl TargetScaler {
    /// Fits mean and standard deviation on the training targets.
    pub fn fit(values: &[f64]) -> TargetScaler {
        TargetScaler {
            affine: Affine::fit(ScalingMethod::Standard, values),
        }
    }

    /// Targets in training units: `(value − mean) / scale`.
    pub fn transform(&self, values: &[f64]) -> Vec<f64> {
        values
            .iter()
            .map(|&value| self.affine.apply(value))
            .collect()
    }

    /// Predictions in the target's original units.
    pub fn inverse(&self, values: &[f64]) -> Vec<f64> {
        values
            .iter()
            .map(|&value| self.affine.invert(value))
            .collect()
    }

    /// The training targets' mean, in the target's units.
    pub fn mean(&self) -> f64 {
        self.affine.center
    }

    /// The standard deviation divided by (1 for a constant target). An SVR epsilon
    /// chosen in original units is `epsilon / scale()` in training units.
    pub fn scale(&self) -> f64 {
        self.affine.scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(left: f64, right: f64) -> bool {
        (left - right).abs() < 1e-12
    }

    #[test]
    fn standard_uses_population_deviation() {
        let affine = Affine::fit(ScalingMethod::Standard, &[1.0, 2.0, 3.0, 4.0]);
        assert!(close(affine.center, 2.5));
        assert!(close(affine.scale, 1.25f64.sqrt()));
    }

    #[test]
    fn minmax_maps_to_unit_interval() {
        let affine = Affine::fit(ScalingMethod::MinMax, &[2.0, 4.0, 10.0]);
        assert!(close(affine.apply(2.0), 0.0));
        assert!(close(affine.apply(10.0), 1.0));
        assert!(close(affine.apply(4.0), 0.25));
    }

    #[test]
    fn robust_uses_median_and_interquartile_range() {
        // numpy: median 3.5, q25 = 2.25, q75 = 4.75 for [1, 2, 3, 4, 5, 100].
        let affine = Affine::fit(ScalingMethod::Robust, &[100.0, 1.0, 5.0, 2.0, 4.0, 3.0]);
        assert!(close(affine.center, 3.5), "{affine:?}");
        assert!(close(affine.scale, 4.75 - 2.25), "{affine:?}");
        assert!(close(affine.apply(100.0), 96.5 / 2.5));
    }

    #[test]
    fn constant_values_give_scale_one_for_every_method() {
        for method in [
            ScalingMethod::Standard,
            ScalingMethod::MinMax,
            ScalingMethod::Robust,
        ] {
            let affine = Affine::fit(method, &[0.1, 0.1, 0.1]);
            assert_eq!(affine.scale, 1.0, "{method:?}");
            assert_eq!(affine.apply(0.1), 0.0, "{method:?}");
        }
        // A zero interquartile range on a non-constant column.
        let affine = Affine::fit(ScalingMethod::Robust, &[1.0, 1.0, 1.0, 1.0, 9.0]);
        assert_eq!(affine.scale, 1.0);
    }

    #[test]
    fn no_values_give_the_identity() {
        assert_eq!(Affine::fit(ScalingMethod::Standard, &[]), Affine::IDENTITY);
    }

    #[test]
    fn target_scaler_round_trips() {
        let targets = [151.0, 75.0, 141.0, 206.0];
        let scaler = TargetScaler::fit(&targets);
        let scaled = scaler.transform(&targets);
        assert!(close(mean(&scaled), 0.0));
        assert!(close(standard_deviation(&scaled, 0.0), 1.0));
        for (back, original) in scaler.inverse(&scaled).iter().zip(targets) {
            assert!(close(*back, original));
        }
    }

    #[test]
    fn names_round_trip() {
        for name in ScalingMethod::NAMES {
            assert_eq!(ScalingMethod::from_name(name).unwrap().name(), name);
        }
        assert_eq!(ScalingMethod::from_name("zscore"), None);
        assert_eq!(
            serde_json::to_string(&ScalingMethod::MinMax).unwrap(),
            "\"minmax\""
        );
    }

    #[test]
    fn unsupported_and_unknown_names_are_refused_with_the_supported_ones() {
        for name in ScalingMethod::UNSUPPORTED {
            assert_eq!(ScalingMethod::from_name(name), None);
            let message = ScalingMethod::unknown_name_message(name);
            assert!(message.starts_with(&format!("{name} scaling is not supported")));
            assert!(
                message.ends_with("standard, minmax, robust, none"),
                "{message}"
            );
        }
        let message = ScalingMethod::unknown_name_message(&"z".repeat(1 << 20));
        assert!(
            message.contains("standard, minmax, robust, none"),
            "{message}"
        );
        assert!(message.len() < 200, "{message}");
    }
}
