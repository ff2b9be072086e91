//! LIBSVM's model text format, both ways, so that models move freely between svmq and
//! LIBSVM's own `svm-predict` (and anything else that reads LIBSVM models).
//!
//! The header is `key value…` lines up to `SV`; then one line per support vector:
//! its coefficients (`nr_class − 1` of them, or one) and its non-zero features as
//! 1-based `index:value`. Numbers are written so that they read back exactly.
//! Reading, which treats the text as hostile, is in `libsvm_model_reader`.

use crate::model::{Model, ProbabilityModel};
use crate::params::Kernel;
use std::fmt::Write;

pub use crate::libsvm_model_reader::{dense_cell_limit, from_libsvm_text, MAX_DENSE_CELLS};

/// A number in the shortest form that reads back to the same `f64`.
pub fn format_number(value: f64) -> String {
    let magnitude = value.abs();
    if value == 0.0 || (1e-5..1e16).contains(&magnitude) {
        format!("{value}")
    } else {
        format!("{value:e}")
    }
}

fn join(values: &[f64]) -> String {
    values
        .iter()
        .map(|&v| format_number(v))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The model as the text of a LIBSVM model file.
pub fn to_libsvm_text(model: &Model) -> String {
    let mut text = String::new();
    let line = &mut text;
    let _ = writeln!(line, "svm_type {}", model.svm_type.libsvm_name());
    let _ = writeln!(line, "kernel_type {}", model.kernel.libsvm_name());
    match model.kernel {
        Kernel::Linear => {}
        Kernel::Polynomial {
            gamma,
            coef0,
            degree,
        } => {
            let _ = writeln!(line, "degree {degree}");
            let _ = writeln!(line, "gamma {}", format_number(gamma));
            let _ = writeln!(line, "coef0 {}", format_number(coef0));
        }
        Kernel::Rbf { gamma } => {
            let _ = writeln!(line, "gamma {}", format_number(gamma));
        }
        Kernel::Sigmoid { gamma, coef0 } => {
            let _ = writeln!(line, "gamma {}", format_number(gamma));
            let _ = writeln!(line, "coef0 {}", format_number(coef0));
        }
    }
    let classes = if model.svm_type.is_classification() {
        model.labels.len()
    } else {
        2
    };
    let _ = writeln!(line, "nr_class {classes}");
    let _ = writeln!(line, "total_sv {}", model.support_vectors.rows());
    let _ = writeln!(line, "rho {}", join(&model.rho));
    if model.svm_type.is_classification() {
        let _ = writeln!(line, "label {}", join(&model.labels));
    }
    match &model.probability {
        Some(ProbabilityModel::Pairwise { a, b }) => {
            let _ = writeln!(line, "probA {}", join(a));
            let _ = writeln!(line, "probB {}", join(b));
        }
        Some(ProbabilityModel::Laplace { sigma }) => {
            let _ = writeln!(line, "probA {}", format_number(*sigma));
        }
        None => {}
    }
    if model.svm_type.is_classification() {
        let counts: Vec<String> = model
            .support_vector_counts
            .iter()
            .map(usize::to_string)
            .collect();
        let _ = writeln!(line, "nr_sv {}", counts.join(" "));
    }
    line.push_str("SV\n");
    for s in 0..model.support_vectors.rows() {
        for row in &model.coefficients {
            line.push_str(&format_number(row[s]));
            line.push(' ');
        }
        for (index, &value) in model.support_vectors.row(s).iter().enumerate() {
            if value != 0.0 {
                let _ = write!(line, "{}:{} ", index + 1, format_number(value));
            }
        }
        line.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fit, FitControl, FitOutcome, Matrix, SvmParams, SvmType};

    fn trained(params: SvmParams, targets: &[f64]) -> Model {
        let rows: Vec<Vec<f64>> = (0..targets.len())
            .map(|i| {
                vec![
                    (i as f64 * 0.37).sin(),
                    (i as f64 * 0.11).cos(),
                    if i % 3 == 0 { 0.0 } else { 0.5 },
                ]
            })
            .collect();
        let data = Matrix::from_rows(&rows).unwrap();
        match fit(
            &data,
            targets,
            &params.validate().unwrap(),
            &FitControl::new(),
        )
        .unwrap()
        {
            FitOutcome::Trained(trained) => trained.model,
            FitOutcome::Stopped => unreachable!(),
        }
    }

    /// Writing then reading gives the same model (support vectors are compared with
    /// trailing zero columns trimmed, as the text format does not keep them).
    fn assert_round_trip(model: &Model) {
        let read = from_libsvm_text(&to_libsvm_text(model)).unwrap();
        assert_eq!(read.svm_type, model.svm_type);
        assert_eq!(read.kernel, model.kernel);
        assert_eq!(read.labels, model.labels);
        assert_eq!(read.rho, model.rho);
        assert_eq!(read.coefficients, model.coefficients);
        assert_eq!(read.probability, model.probability);
        assert_eq!(read.support_vector_counts, model.support_vector_counts);
        for s in 0..model.support_vectors.rows() {
            let columns = read.support_vectors.columns();
            assert_eq!(
                read.support_vectors.row(s),
                &model.support_vectors.row(s)[..columns]
            );
        }
    }

    #[test]
    fn every_formulation_round_trips() {
        let classes: Vec<f64> = (0..60).map(|i| (i % 3) as f64).collect();
        let values: Vec<f64> = (0..60).map(|i| (i as f64 * 0.2).sin()).collect();
        let kernels = [
            Kernel::Linear,
            Kernel::Polynomial {
                gamma: 0.5,
                coef0: 1.0,
                degree: 2,
            },
            Kernel::Rbf { gamma: 0.7 },
            Kernel::Sigmoid {
                gamma: 0.1,
                coef0: 0.2,
            },
        ];
        for kernel in kernels {
            let base = SvmParams {
                kernel,
                ..SvmParams::default()
            };
            assert_round_trip(&trained(
                SvmParams {
                    probability: true,
                    ..base.clone()
                },
                &classes,
            ));
            assert_round_trip(&trained(
                SvmParams {
                    svm_type: SvmType::NuSvc,
                    nu: 0.3,
                    ..base.clone()
                },
                &classes,
            ));
            assert_round_trip(&trained(
                SvmParams {
                    svm_type: SvmType::EpsilonSvr,
                    probability: true,
                    ..base.clone()
                },
                &values,
            ));
            assert_round_trip(&trained(
                SvmParams {
                    svm_type: SvmType::OneClass,
                    ..base.clone()
                },
                &values,
            ));
        }
    }

    #[test]
    fn numbers_are_written_exactly() {
        for value in [0.1, 1.0 / 3.0, 1e-300, 123456789.123, -2.5e-7, 0.0] {
            assert_eq!(format_number(value).parse::<f64>().unwrap(), value);
        }
    }

    #[test]
    fn damaged_files_name_their_line() {
        let model = trained(
            SvmParams::default(),
            &(0..30).map(|i| (i % 2) as f64).collect::<Vec<_>>(),
        );
        let text = to_libsvm_text(&model);
        let broken = text.replacen(":", "#", 1);
        let error = from_libsvm_text(&broken).unwrap_err().to_string();
        assert!(error.contains("line"), "{error}");
        assert!(from_libsvm_text("svm_type c_svc\n")
            .unwrap_err()
            .to_string()
            .contains("SV"));
        assert!(from_libsvm_text("svm_type nonsense\nSV\n").is_err());
        let fewer = text.replace(
            &format!("total_sv {}", model.support_vectors.rows()),
            "total_sv 1",
        );
        assert!(from_libsvm_text(&fewer)
            .unwrap_err()
            .to_string()
            .contains("total_sv"));
    }
}
