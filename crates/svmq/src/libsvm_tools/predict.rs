//! `svmq svm-predict`: LIBSVM's svm-predict on svmq's engine.

use super::options::parse_predict;
use super::train::regression_scores;
use super::{read_data, read_model};
use crate::number_format::format_g;
use crate::Failure;
use std::io::{BufWriter, Write};
use svmq_core::{ProbabilityModel, SvmType};

pub fn run(arguments: &[String]) -> Result<(), Failure> {
    if arguments.is_empty() {
        return Err(Failure::Usage(super::options::PREDICT_USAGE.into()));
    }
    let options = parse_predict(arguments)?;
    let model = read_model(&options.model_file)?;
    let (data, targets) = read_data(&options.test_file)?;
    let mut out = std::io::stdout().lock();
    let has_probability = model.probability.is_some();
    if options.probability && !has_probability {
        return Err(anyhow::anyhow!(
            "the model does not support probability estimates (train it with -b 1)"
        )
        .into());
    }
    if !options.probability && has_probability && !options.quiet {
        writeln!(
            out,
            "Model supports probability estimates, but disabled in prediction."
        )?;
    }
    let predictor = model.predictor();
    let predictions = predictor.predict_all(&data, options.probability);
    let file = std::fs::File::create(&options.output_file).map_err(|error| {
        anyhow::anyhow!("cannot write {}: {error}", options.output_file.display())
    })?;
    let mut output = BufWriter::new(file);
    let classifier_probabilities = options.probability && model.svm_type.is_classification();
    if classifier_probabilities {
        let labels: Vec<String> = model.labels.iter().map(|&l| number(l)).collect();
        writeln!(output, "labels {}", labels.join(" "))?;
    }
    for prediction in &predictions {
        write!(output, "{}", number(prediction.value))?;
        if let (true, Some(probabilities)) = (classifier_probabilities, &prediction.probabilities) {
            for p in probabilities {
                write!(output, " {}", format_g(*p))?;
            }
        }
        writeln!(output)?;
    }
    output.flush()?;
    if options.quiet {
        return Ok(());
    }
    if options.probability {
        if let Some(ProbabilityModel::Laplace { sigma }) = &model.probability {
            writeln!(
                out,
                "Prob. model for test data: target value = predicted value + z,\n\
                 z: Laplace distribution e^(-|z|/sigma)/(2sigma),sigma={}",
                format_g(*sigma)
            )?;
        }
    }
    let values: Vec<f64> = predictions.iter().map(|p| p.value).collect();
    if matches!(model.svm_type, SvmType::EpsilonSvr | SvmType::NuSvr) {
        let (error, correlation) = regression_scores(&targets, &values);
        writeln!(out, "Mean squared error = {} (regression)", format_g(error))?;
        writeln!(
            out,
            "Squared correlation coefficient = {} (regression)",
            format_g(correlation)
        )?;
    } else {
        let correct = targets.iter().zip(&values).filter(|(t, p)| t == p).count();
        let total = targets.len();
        writeln!(
            out,
            "Accuracy = {}% ({correct}/{total}) (classification)",
            format_g(100.0 * correct as f64 / total as f64)
        )?;
    }
    Ok(())
}

/// A label or value as LIBSVM's tools write it: exact, integers without a fraction.
fn number(value: f64) -> String {
    svmq_core::libsvm_format::format_number(value)
}
