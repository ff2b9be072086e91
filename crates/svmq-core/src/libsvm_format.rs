//! LIBSVM's model text format, both ways, so that models move freely between svmq and
//! LIBSVM's own `svm-predict` (and anything else that reads LIBSVM models).
//!
//! The header is `key value…` lines up to `SV`; then one line per support vector:
//! its coefficients (`nr_class − 1` of them, or one) and its non-zero features as
//! 1-based `index:value`. Numbers are written so that they read back exactly.

use crate::error::EngineError;
use crate::matrix::Matrix;
use crate::model::{Model, ProbabilityModel};
use crate::params::{Kernel, SvmType};
use std::fmt::Write;

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

/// The header of a LIBSVM model file, as read.
#[derive(Default)]
struct Header {
    svm_type: Option<SvmType>,
    kernel_name: Option<String>,
    degree: Option<u32>,
    gamma: Option<f64>,
    coef0: Option<f64>,
    classes: Option<usize>,
    total: Option<usize>,
    rho: Vec<f64>,
    labels: Vec<f64>,
    probability_a: Vec<f64>,
    probability_b: Vec<f64>,
    counts: Vec<usize>,
}

fn error(line: usize, message: impl std::fmt::Display) -> EngineError {
    EngineError::InvalidModel(format!("line {line}: {message}"))
}

fn parse_numbers<T: std::str::FromStr>(
    line: usize,
    key: &str,
    values: &[&str],
) -> Result<Vec<T>, EngineError> {
    values
        .iter()
        .map(|token| {
            token
                .parse()
                .map_err(|_| error(line, format!("{key}: {token:?} is not a valid number")))
        })
        .collect()
}

fn parse_one<T: std::str::FromStr>(
    line: usize,
    key: &str,
    values: &[&str],
) -> Result<T, EngineError> {
    match values {
        [token] => token
            .parse()
            .map_err(|_| error(line, format!("{key}: {token:?} is not a valid number"))),
        _ => Err(error(line, format!("{key} takes exactly one value"))),
    }
}

/// Reads a LIBSVM model file.
pub fn from_libsvm_text(text: &str) -> Result<Model, EngineError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line));
    let mut header = Header::default();
    let mut saw_sv = false;
    for (number, line) in lines.by_ref() {
        let mut tokens = line.split_ascii_whitespace();
        let Some(key) = tokens.next() else { continue };
        let values: Vec<&str> = tokens.collect();
        match key {
            "svm_type" => {
                let name = values.first().copied().unwrap_or("");
                header.svm_type = Some(
                    SvmType::from_libsvm_name(name)
                        .ok_or_else(|| error(number, format!("unknown svm_type {name:?}")))?,
                );
            }
            "kernel_type" => header.kernel_name = values.first().map(|name| name.to_string()),
            "degree" => header.degree = Some(parse_one(number, key, &values)?),
            "gamma" => header.gamma = Some(parse_one(number, key, &values)?),
            "coef0" => header.coef0 = Some(parse_one(number, key, &values)?),
            "nr_class" => header.classes = Some(parse_one(number, key, &values)?),
            "total_sv" => header.total = Some(parse_one(number, key, &values)?),
            "rho" => header.rho = parse_numbers(number, key, &values)?,
            "label" => header.labels = parse_numbers(number, key, &values)?,
            "probA" => header.probability_a = parse_numbers(number, key, &values)?,
            "probB" => header.probability_b = parse_numbers(number, key, &values)?,
            // One-class density marks (newer LIBSVM) are not used for prediction here.
            "prob_density_marks" => {}
            "nr_sv" => header.counts = parse_numbers(number, key, &values)?,
            "SV" => {
                saw_sv = true;
                break;
            }
            other => return Err(error(number, format!("unknown header key {other:?}"))),
        }
    }
    if !saw_sv {
        return Err(EngineError::InvalidModel(
            "not a LIBSVM model file: no \"SV\" line".into(),
        ));
    }
    let svm_type = header
        .svm_type
        .ok_or_else(|| EngineError::InvalidModel("the header has no svm_type".into()))?;
    let kernel = build_kernel(&header)?;
    let total = header
        .total
        .ok_or_else(|| EngineError::InvalidModel("the header has no total_sv".into()))?;
    let coefficient_rows = if svm_type.is_classification() {
        header.classes.unwrap_or(0).max(1) - 1
    } else {
        1
    };
    let mut coefficients = vec![Vec::with_capacity(total); coefficient_rows];
    let mut vectors: Vec<Vec<(usize, f64)>> = Vec::with_capacity(total);
    for (number, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        if vectors.len() == total {
            return Err(error(
                number,
                format!("more support vectors than total_sv = {total}"),
            ));
        }
        let mut tokens = line.split_ascii_whitespace();
        for row in coefficients.iter_mut() {
            let token = tokens
                .next()
                .ok_or_else(|| error(number, "missing coefficient"))?;
            row.push(
                token
                    .parse()
                    .map_err(|_| error(number, format!("{token:?} is not a coefficient")))?,
            );
        }
        let mut features = Vec::new();
        for token in tokens {
            let (index, value) = token
                .split_once(':')
                .ok_or_else(|| error(number, format!("{token:?} is not index:value")))?;
            let index: usize = index
                .parse()
                .ok()
                .filter(|&index| index >= 1)
                .ok_or_else(|| {
                    error(
                        number,
                        format!("{index:?} is not a feature index (1, 2, …)"),
                    )
                })?;
            let value: f64 = value
                .parse()
                .ok()
                .filter(|value: &f64| value.is_finite())
                .ok_or_else(|| error(number, format!("{value:?} is not a finite number")))?;
            features.push((index, value));
        }
        vectors.push(features);
    }
    if vectors.len() != total {
        return Err(EngineError::InvalidModel(format!(
            "total_sv is {total} but the file has {} support vectors",
            vectors.len()
        )));
    }
    let columns = vectors
        .iter()
        .flatten()
        .map(|&(index, _)| index)
        .max()
        .unwrap_or(0);
    if columns
        .checked_mul(total)
        .is_none_or(|cells| cells > 1 << 32)
    {
        return Err(EngineError::InvalidModel(
            "the support vectors are too large to densify".into(),
        ));
    }
    let mut values = vec![0.0; columns * total];
    for (s, features) in vectors.iter().enumerate() {
        for &(index, value) in features {
            values[s * columns + index - 1] = value;
        }
    }
    let probability = match (
        svm_type.is_classification(),
        header.probability_a.is_empty(),
    ) {
        (_, true) => None,
        (true, false) => Some(ProbabilityModel::Pairwise {
            a: header.probability_a,
            b: header.probability_b,
        }),
        (false, false) => Some(ProbabilityModel::Laplace {
            sigma: header.probability_a[0],
        }),
    };
    let classification = svm_type.is_classification();
    let model = Model {
        svm_type,
        kernel,
        labels: if classification {
            header.labels
        } else {
            Vec::new()
        },
        support_vectors: Matrix::new(total, columns, values)?,
        support_vector_counts: if classification {
            header.counts
        } else {
            Vec::new()
        },
        coefficients,
        rho: header.rho,
        probability,
        support_vector_indices: Vec::new(),
    };
    model.check_consistency()?;
    Ok(model)
}

fn build_kernel(header: &Header) -> Result<Kernel, EngineError> {
    let missing =
        |key: &str| EngineError::InvalidModel(format!("the kernel needs {key} in the header"));
    let name = header
        .kernel_name
        .as_deref()
        .ok_or_else(|| EngineError::InvalidModel("the header has no kernel_type".into()))?;
    let gamma = || header.gamma.ok_or_else(|| missing("gamma"));
    let coef0 = || header.coef0.ok_or_else(|| missing("coef0"));
    Ok(match name {
        "linear" => Kernel::Linear,
        "polynomial" => Kernel::Polynomial {
            gamma: gamma()?,
            coef0: coef0()?,
            degree: header.degree.ok_or_else(|| missing("degree"))?,
        },
        "rbf" => Kernel::Rbf { gamma: gamma()? },
        "sigmoid" => Kernel::Sigmoid {
            gamma: gamma()?,
            coef0: coef0()?,
        },
        "precomputed" => {
            return Err(EngineError::InvalidModel(
                "precomputed kernels are not supported".into(),
            ))
        }
        other => {
            return Err(EngineError::InvalidModel(format!(
                "unknown kernel_type {other:?}"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fit, FitControl, FitOutcome, SvmParams};

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
