//! `svmq svm-train`: LIBSVM's svm-train on svmq's engine.

use super::options::{parse_train, with_gamma, TrainOptions};
use super::{read_data, write_atomically};
use crate::number_format::format_g;
use crate::Failure;
use std::io::Write;
use svmq_core::{cross_validate, fit, libsvm_format, FitControl, FitOutcome, FitReport, SvmType};

pub fn run(arguments: &[String]) -> Result<(), Failure> {
    if arguments.is_empty() {
        return Err(Failure::Usage(super::options::TRAIN_USAGE.into()));
    }
    let TrainOptions {
        mut params,
        gamma,
        folds,
        quiet,
        training_file,
        model_file,
    } = parse_train(arguments)?;
    let (data, targets) = read_data(&training_file)?;
    let gamma = gamma.unwrap_or(if data.columns() > 0 {
        1.0 / data.columns() as f64
    } else {
        1.0
    });
    params.kernel = with_gamma(params.kernel, gamma);
    let params = params.validate()?;
    let control = FitControl::new();
    let mut out = std::io::stdout().lock();
    if let Some(folds) = folds {
        let Some(predictions) = cross_validate(&data, &targets, &params, folds, &control)? else {
            return Err(anyhow::anyhow!("cross-validation was stopped").into());
        };
        print_cross_validation(&mut out, params.svm_type, &targets, &predictions)?;
        return Ok(());
    }
    let trained = match fit(&data, &targets, &params, &control)? {
        FitOutcome::Trained(trained) => trained,
        FitOutcome::Stopped => return Err(anyhow::anyhow!("training was stopped").into()),
    };
    if !trained.report.converged() {
        eprintln!(
            "WARNING: reaching max number of iterations (the solution may be inaccurate; \
             try a larger -e or scaling the data)"
        );
    }
    if !quiet {
        print_report(&mut out, &trained.report, params.svm_type)?;
        if params.svm_type.is_classification() {
            writeln!(out, "Total nSV = {}", trained.model.support_vectors.rows())?;
        }
    }
    write_atomically(&model_file, &libsvm_format::to_libsvm_text(&trained.model))?;
    Ok(())
}

/// LIBSVM's summary of each solver run.
fn print_report(
    out: &mut impl Write,
    report: &FitReport,
    svm_type: SvmType,
) -> std::io::Result<()> {
    for subproblem in &report.subproblems {
        writeln!(
            out,
            "optimization finished, #iter = {}",
            subproblem.iterations
        )?;
        if let Some(nu) = subproblem.nu {
            writeln!(out, "nu = {nu:.6}")?;
        }
        match (svm_type, subproblem.derived) {
            (SvmType::NuSvc, Some(c)) => writeln!(out, "C = {c:.6}")?,
            (SvmType::NuSvr, Some(epsilon)) => writeln!(out, "epsilon = {epsilon:.6}")?,
            _ => {}
        }
        writeln!(
            out,
            "obj = {:.6}, rho = {:.6}",
            subproblem.objective, subproblem.rho
        )?;
        writeln!(
            out,
            "nSV = {}, nBSV = {}",
            subproblem.support_vectors, subproblem.bounded_support_vectors
        )?;
    }
    Ok(())
}

fn print_cross_validation(
    out: &mut impl Write,
    svm_type: SvmType,
    targets: &[f64],
    predictions: &[f64],
) -> std::io::Result<()> {
    if svm_type.is_regression() {
        let (error, correlation) = regression_scores(targets, predictions);
        writeln!(
            out,
            "Cross Validation Mean squared error = {}",
            format_g(error)
        )?;
        writeln!(
            out,
            "Cross Validation Squared correlation coefficient = {}",
            format_g(correlation)
        )
    } else {
        let correct = targets
            .iter()
            .zip(predictions)
            .filter(|(t, p)| t == p)
            .count();
        let accuracy = 100.0 * correct as f64 / targets.len() as f64;
        writeln!(out, "Cross Validation Accuracy = {}%", format_g(accuracy))
    }
}

/// Mean squared error and squared correlation coefficient of predictions.
pub fn regression_scores(targets: &[f64], predictions: &[f64]) -> (f64, f64) {
    let count = targets.len() as f64;
    let (mut sum_p, mut sum_t, mut sum_pp, mut sum_tt, mut sum_pt, mut squared_error) =
        (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (&t, &p) in targets.iter().zip(predictions) {
        squared_error += (p - t) * (p - t);
        sum_p += p;
        sum_t += t;
        sum_pp += p * p;
        sum_tt += t * t;
        sum_pt += p * t;
    }
    let covariance = count * sum_pt - sum_p * sum_t;
    let correlation = covariance * covariance
        / ((count * sum_pp - sum_p * sum_p) * (count * sum_tt - sum_t * sum_t));
    (squared_error / count, correlation)
}
