//! Reading LIBSVM's model text format, treating the text as hostile.
//!
//! A model file is untrusted input: every count it states is a claim, and memory is
//! bounded by what the text proves instead. `total_sv` must equal the number of support
//! vector lines the text holds; `nr_class` must match the label line, `nr_sv` and the
//! number of offsets, all of which are present in the text; the dense support vector
//! matrix, whose width is the largest feature index (a claim), may hold at most
//! [`dense_cell_limit`] cells for a text of that length. Nothing is allocated from a
//! claim before it is checked. The model read then passes [`Model::validate`], so
//! every parameter is finite and in its domain and every vector has its length.
//!
//! Errors name the line and the field, and quote at most a short excerpt of a token.
//!
//! What it does not do: precomputed kernels, and one-class density marks (newer
//! LIBSVM), which prediction does not use.

use crate::error::EngineError;
use crate::matrix::Matrix;
use crate::model::{Model, ProbabilityModel};
use crate::params::{Kernel, SvmType};

/// The most dense support vector cells any model file may ask for: 2²⁹ values, 4 GiB,
/// the same order as the data reader's default limit.
pub const MAX_DENSE_CELLS: usize = 1 << 29;

/// Cells a text of `length` bytes may ask for: 32 per byte (a sparse line proves few
/// cells per byte, a dense one at least one per four bytes), at least 2²⁴, at most
/// [`MAX_DENSE_CELLS`].
pub fn dense_cell_limit(length: usize) -> usize {
    length.saturating_mul(32).clamp(1 << 24, MAX_DENSE_CELLS)
}

/// The header of a LIBSVM model file, as read.
#[derive(Default)]
struct Header {
    svm_type: Option<SvmType>,
    kernel_name: Option<String>,
    degree: Option<u32>,
    gamma: Option<f64>,
    coef0: Option<f64>,
    /// `nr_class` and its line.
    classes: Option<(usize, usize)>,
    /// `total_sv` and its line.
    total: Option<(usize, usize)>,
    rho: Vec<f64>,
    labels: Vec<f64>,
    probability_a: Vec<f64>,
    probability_b: Vec<f64>,
    counts: Vec<usize>,
}

fn error(line: usize, message: impl std::fmt::Display) -> EngineError {
    EngineError::InvalidModel(format!("line {line}: {message}"))
}

/// A token as quoted in an error: whole when short, else its start.
fn excerpt(token: &str) -> String {
    const SHOWN: usize = 32;
    match token.char_indices().nth(SHOWN) {
        None => format!("{token:?}"),
        Some((end, _)) => format!("{:?}…", &token[..end]),
    }
}

fn parse_numbers<T: std::str::FromStr>(
    line: usize,
    key: &str,
    values: &[&str],
) -> Result<Vec<T>, EngineError> {
    values
        .iter()
        .map(|token| {
            token.parse().map_err(|_| {
                error(
                    line,
                    format!("{key}: {} is not a valid number", excerpt(token)),
                )
            })
        })
        .collect()
}

/// Reals that must be finite (LIBSVM writes none other).
fn parse_reals(line: usize, key: &str, values: &[&str]) -> Result<Vec<f64>, EngineError> {
    let numbers: Vec<f64> = parse_numbers(line, key, values)?;
    match numbers.iter().position(|value| !value.is_finite()) {
        Some(position) => Err(error(
            line,
            format!("{key}: value {} is not a finite number", position + 1),
        )),
        None => Ok(numbers),
    }
}

fn parse_one<T: std::str::FromStr>(
    line: usize,
    key: &str,
    values: &[&str],
) -> Result<T, EngineError> {
    match values {
        [token] => token.parse().map_err(|_| {
            error(
                line,
                format!("{key}: {} is not a valid number", excerpt(token)),
            )
        }),
        _ => Err(error(line, format!("{key} takes exactly one value"))),
    }
}

fn parse_real(line: usize, key: &str, values: &[&str]) -> Result<f64, EngineError> {
    let value: f64 = parse_one(line, key, values)?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(error(line, format!("{key} must be a finite number")))
    }
}

/// Reads the header up to the `SV` line; returns it and the number of that line.
fn read_header<'a>(
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
) -> Result<(Header, usize), EngineError> {
    let mut header = Header::default();
    for (number, line) in lines.by_ref() {
        let mut tokens = line.split_ascii_whitespace();
        let Some(key) = tokens.next() else { continue };
        let values: Vec<&str> = tokens.collect();
        match key {
            "svm_type" => {
                let name = values.first().copied().unwrap_or("");
                header.svm_type =
                    Some(SvmType::from_libsvm_name(name).ok_or_else(|| {
                        error(number, format!("unknown svm_type {}", excerpt(name)))
                    })?);
            }
            "kernel_type" => header.kernel_name = values.first().map(|name| name.to_string()),
            "degree" => header.degree = Some(parse_one(number, key, &values)?),
            "gamma" => header.gamma = Some(parse_real(number, key, &values)?),
            "coef0" => header.coef0 = Some(parse_real(number, key, &values)?),
            "nr_class" => header.classes = Some((parse_one(number, key, &values)?, number)),
            "total_sv" => header.total = Some((parse_one(number, key, &values)?, number)),
            "rho" => header.rho = parse_reals(number, key, &values)?,
            "label" => header.labels = parse_reals(number, key, &values)?,
            "probA" => header.probability_a = parse_reals(number, key, &values)?,
            "probB" => header.probability_b = parse_reals(number, key, &values)?,
            // One-class density marks (newer LIBSVM) are not used for prediction here.
            "prob_density_marks" => {}
            "nr_sv" => header.counts = parse_numbers(number, key, &values)?,
            "SV" => return Ok((header, number)),
            other => {
                return Err(error(
                    number,
                    format!("unknown header key {}", excerpt(other)),
                ))
            }
        }
    }
    Err(EngineError::InvalidModel(
        "not a LIBSVM model file: no \"SV\" line".into(),
    ))
}

/// Checks the counts the header claims against what the text holds, before anything
/// is allocated from them; returns the number of coefficient rows.
fn check_counts(
    header: &Header,
    svm_type: SvmType,
    support_vector_lines: usize,
) -> Result<usize, EngineError> {
    let (total, total_line) = header
        .total
        .ok_or_else(|| EngineError::InvalidModel("the header has no total_sv".into()))?;
    if total != support_vector_lines {
        return Err(error(
            total_line,
            format!(
                "total_sv is {total} but the file has {support_vector_lines} support vector lines"
            ),
        ));
    }
    if !svm_type.is_classification() {
        return Ok(1);
    }
    let (classes, classes_line) = header
        .classes
        .ok_or_else(|| EngineError::InvalidModel("a classifier's header needs nr_class".into()))?;
    if classes < 2 {
        return Err(error(
            classes_line,
            format!("nr_class must be at least 2, got {classes}"),
        ));
    }
    // Each of these lists is in the text, so comparing with them bounds nr_class.
    let stated = [
        ("label", header.labels.len()),
        ("nr_sv", header.counts.len()),
    ];
    for (key, found) in stated {
        if found != classes {
            return Err(error(
                classes_line,
                format!("nr_class is {classes} but {key} has {found} values"),
            ));
        }
    }
    let pairs = classes * (classes - 1) / 2;
    if header.rho.len() != pairs {
        return Err(error(
            classes_line,
            format!(
                "nr_class {classes} needs {pairs} rho values, found {}",
                header.rho.len()
            ),
        ));
    }
    Ok(classes - 1)
}

/// One support vector line: its coefficients (one per row) and sparse features.
fn read_support_vector(
    number: usize,
    line: &str,
    coefficients: &mut [Vec<f64>],
    features: &mut Vec<(usize, f64)>,
) -> Result<(), EngineError> {
    let mut tokens = line.split_ascii_whitespace();
    for row in coefficients.iter_mut() {
        let token = tokens
            .next()
            .ok_or_else(|| error(number, "missing coefficient"))?;
        let value: f64 = token
            .parse()
            .ok()
            .filter(|value: &f64| value.is_finite())
            .ok_or_else(|| {
                error(
                    number,
                    format!("{} is not a finite coefficient", excerpt(token)),
                )
            })?;
        row.push(value);
    }
    for token in tokens {
        let (index, value) = token
            .split_once(':')
            .ok_or_else(|| error(number, format!("{} is not index:value", excerpt(token))))?;
        let index: usize = index
            .parse()
            .ok()
            .filter(|&index| index >= 1)
            .ok_or_else(|| {
                error(
                    number,
                    format!("{} is not a feature index (1, 2, …)", excerpt(index)),
                )
            })?;
        let value: f64 = value
            .parse()
            .ok()
            .filter(|value: &f64| value.is_finite())
            .ok_or_else(|| error(number, format!("{} is not a finite number", excerpt(value))))?;
        features.push((index, value));
    }
    Ok(())
}

/// Reads a LIBSVM model file; see the module documentation for what is checked.
pub fn from_libsvm_text(text: &str) -> Result<Model, EngineError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line));
    let (header, _) = read_header(&mut lines)?;
    let svm_type = header
        .svm_type
        .ok_or_else(|| EngineError::InvalidModel("the header has no svm_type".into()))?;
    let kernel = build_kernel(&header)?;
    let body: Vec<(usize, &str)> = lines.filter(|(_, line)| !line.trim().is_empty()).collect();
    let coefficient_rows = check_counts(&header, svm_type, body.len())?;
    let total = body.len();

    // Memory grows with the tokens read, never with a count stated in the header.
    let mut coefficients = vec![Vec::new(); coefficient_rows];
    let mut features: Vec<(usize, f64)> = Vec::new();
    let mut line_ends = Vec::with_capacity(total);
    for &(number, line) in &body {
        read_support_vector(number, line, &mut coefficients, &mut features)?;
        line_ends.push(features.len());
    }
    let columns = features.iter().map(|&(index, _)| index).max().unwrap_or(0);
    let limit = dense_cell_limit(text.len());
    match columns.checked_mul(total) {
        Some(cells) if cells <= limit => {}
        _ => {
            return Err(EngineError::InvalidModel(format!(
                "{total} support vectors × {columns} features is more than the {limit} \
                 dense cells a model file of {} bytes may ask for",
                text.len()
            )))
        }
    }
    let mut values = vec![0.0; columns * total];
    let mut start = 0;
    for (s, &end) in line_ends.iter().enumerate() {
        for &(index, value) in &features[start..end] {
            values[s * columns + index - 1] = value;
        }
        start = end;
    }
    let classification = svm_type.is_classification();
    let probability = match (svm_type, header.probability_a.first()) {
        (_, None) | (SvmType::OneClass, _) => None,
        (SvmType::CSvc | SvmType::NuSvc, Some(_)) => Some(ProbabilityModel::Pairwise {
            a: header.probability_a,
            b: header.probability_b,
        }),
        (SvmType::EpsilonSvr | SvmType::NuSvr, Some(&sigma)) => {
            Some(ProbabilityModel::Laplace { sigma })
        }
    };
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
        feature_map: None,
    };
    model.validate()?;
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
                "unknown kernel_type {}",
                excerpt(other)
            )))
        }
    })
}
