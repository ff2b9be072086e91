//! Training: one-vs-one multiclass over class pairs, one problem for one-class SVM and
//! regression, probability models on request, and the assembly of the model.
//!
//! `formulations` sets up each dual problem and reads its solution back; `solver` does
//! the optimization. Class pairs run in parallel, each with its share of the cache
//! budget.

use crate::control::{FitControl, Stopped};
use crate::error::EngineError;
use crate::formulations::{solve_binary, solve_single, BinarySolution};
use crate::kernel::{Gram, GramRows};
use crate::matrix::Matrix;
use crate::model::{Model, ProbabilityModel};
use crate::params::{SvmType, ValidParams};
use crate::probability_training;
use rayon::prelude::*;

pub use crate::fit_report::{FitReport, SubproblemReport};

/// How a fit ended.
#[derive(Debug)]
pub enum FitOutcome {
    /// The fit finished: the model and what the solver did.
    Trained(Box<TrainedModel>),
    /// The stop flag was raised; nothing was trained.
    Stopped,
}

/// A trained model and the report of how the solver got there.
#[derive(Debug)]
pub struct TrainedModel {
    /// The trained model, ready to predict or to save.
    pub model: Model,
    /// What the solver did, per subproblem.
    pub report: FitReport,
}

/// Trains a model on the rows of `data` with targets `targets` (labels for classifiers,
/// values for regression, ignored by one-class).
pub fn fit(
    data: &Matrix,
    targets: &[f64],
    params: &ValidParams,
    control: &FitControl,
) -> Result<FitOutcome, EngineError> {
    on_pool(|| fit_on_pool(data, targets, params, control, None))
}

/// `fit`, reading dot products from `gram`, which must have been computed on `data`:
/// the way a search reuses work across its trials.
pub fn fit_with_gram(
    data: &Matrix,
    targets: &[f64],
    gram: &Gram,
    params: &ValidParams,
    control: &FitControl,
) -> Result<FitOutcome, EngineError> {
    if gram.rows() != data.rows() {
        return Err(EngineError::InvalidData(format!(
            "the Gram matrix has {} rows, the data {}",
            gram.rows(),
            data.rows()
        )));
    }
    on_pool(|| fit_on_pool(data, targets, params, control, Some(GramRows::all(gram))))
}

/// Runs `work` on a thread of the rayon pool, so that the solver's thread takes part in
/// its own parallel kernel rows instead of waiting for the pool to finish them.
pub(crate) fn on_pool<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    if rayon::current_thread_index().is_some() {
        work()
    } else {
        rayon::scope(|_| work())
    }
}

fn fit_on_pool(
    data: &Matrix,
    targets: &[f64],
    params: &ValidParams,
    control: &FitControl,
    gram: Option<GramRows>,
) -> Result<FitOutcome, EngineError> {
    check_data(data, targets, params)?;
    let result = match params.svm_type {
        SvmType::CSvc | SvmType::NuSvc => fit_classifier(data, targets, params, control, gram)?,
        SvmType::OneClass | SvmType::EpsilonSvr | SvmType::NuSvr => {
            fit_single(data, targets, params, control, gram)
        }
    };
    Ok(match result {
        Ok(trained) => {
            check_solution(&trained.model)?;
            FitOutcome::Trained(Box::new(trained))
        }
        Err(Stopped) => FitOutcome::Stopped,
    })
}

/// A solution with a number that is not finite comes from kernel values beyond what
/// the f32 row cache holds (about 3.4e38: a linear or polynomial kernel on unscaled
/// values near 1e19 and above): refused, rather than a model that cannot be read back.
fn check_solution(model: &Model) -> Result<(), EngineError> {
    let mut numbers = model.rho.iter().chain(model.coefficients.iter().flatten());
    if numbers.all(|value| value.is_finite()) {
        return Ok(());
    }
    Err(EngineError::InvalidData(
        "training gave numbers that are not finite: the kernel values overflow, the data \
         has values too large for this kernel; scale the data"
            .into(),
    ))
}

fn check_data(data: &Matrix, targets: &[f64], params: &ValidParams) -> Result<(), EngineError> {
    if data.rows() == 0 {
        return Err(EngineError::InvalidData(
            "the training data has no rows".into(),
        ));
    }
    if targets.len() != data.rows() {
        return Err(EngineError::InvalidData(format!(
            "{} targets for {} rows",
            targets.len(),
            data.rows()
        )));
    }
    if let Some(row) = targets.iter().position(|value| !value.is_finite()) {
        return Err(EngineError::InvalidData(format!(
            "the target of row {} is not a finite number",
            row + 1
        )));
    }
    if params.svm_type == SvmType::OneClass && params.probability {
        return Err(EngineError::InvalidParameter(
            "probability estimates are not available for one-class SVM".into(),
        ));
    }
    Ok(())
}

fn cache_bytes(params: &ValidParams, share: usize) -> usize {
    (params.cache_megabytes * 1024.0 * 1024.0 / share.max(1) as f64) as usize
}

/// A class pair's solution and, with probabilities, its sigmoid (a, b).
type SolvedPair = (BinarySolution, Option<(f64, f64)>);

/// Classes in LIBSVM's order: first appearance, except that a two-class −1/+1 problem
/// puts +1 first.
pub(crate) fn class_order(targets: &[f64]) -> (Vec<f64>, Vec<Vec<usize>>) {
    let mut labels: Vec<f64> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (row, &label) in targets.iter().enumerate() {
        match labels.iter().position(|&known| known == label) {
            Some(class) => members[class].push(row),
            None => {
                labels.push(label);
                members.push(vec![row]);
            }
        }
    }
    if labels.len() == 2 && labels[0] == -1.0 && labels[1] == 1.0 {
        labels.swap(0, 1);
        members.swap(0, 1);
    }
    (labels, members)
}

fn fit_classifier(
    data: &Matrix,
    targets: &[f64],
    params: &ValidParams,
    control: &FitControl,
    gram: Option<GramRows>,
) -> Result<Result<TrainedModel, Stopped>, EngineError> {
    let (labels, members) = class_order(targets);
    if labels.len() < 2 {
        return Err(EngineError::InvalidData(format!(
            "the training data has a single class ({}); a classifier needs at least two",
            labels[0]
        )));
    }
    let classes = labels.len();
    let pairs: Vec<(usize, usize)> = (0..classes)
        .flat_map(|i| (i + 1..classes).map(move |j| (i, j)))
        .collect();
    if params.svm_type == SvmType::NuSvc {
        for &(i, j) in &pairs {
            let (count_i, count_j) = (members[i].len() as f64, members[j].len() as f64);
            if params.nu * (count_i + count_j) / 2.0 > count_i.min(count_j) {
                return Err(EngineError::InvalidParameter(format!(
                    "nu = {} is infeasible for classes {} and {}: it must be at most {}",
                    params.nu,
                    labels[i],
                    labels[j],
                    2.0 * count_i.min(count_j) / (count_i + count_j)
                )));
            }
        }
    }
    let costs: Vec<f64> = labels
        .iter()
        .map(|label| {
            let weight = params
                .class_weights
                .iter()
                .filter(|(weighted, _)| weighted == label)
                .map(|&(_, weight)| weight)
                .product::<f64>();
            params.c * weight
        })
        .collect();
    let per_pair = 1 + usize::from(params.probability) * probability_training::FOLDS;
    control.add_subproblems(pairs.len() * per_pair);
    let share = pairs.len().min(rayon::current_num_threads());
    let cache = cache_bytes(params, share);
    let solved: Result<Vec<SolvedPair>, Stopped> = pairs
        .par_iter()
        .map(|&(i, j)| {
            let rows: Vec<usize> = members[i].iter().chain(&members[j]).copied().collect();
            let subset = data.select_rows(&rows);
            let pair_gram = gram.as_ref().map(|gram| gram.subset(&rows));
            let positive: Vec<bool> = (0..rows.len()).map(|t| t < members[i].len()).collect();
            let mut solution = solve_binary(
                &subset,
                pair_gram.clone(),
                &positive,
                (costs[i], costs[j]),
                params,
                cache,
                control,
            )?;
            let sigmoid = if params.probability {
                Some(probability_training::pair_sigmoid(
                    &subset,
                    pair_gram,
                    &positive,
                    (costs[i], costs[j]),
                    (&solution.coefficients, solution.rho),
                    params,
                    cache,
                    control,
                )?)
            } else {
                None
            };
            solution.report.classes = Some((i, j));
            control.finish_subproblem();
            Ok((solution, sigmoid))
        })
        .collect();
    let solved = match solved {
        Ok(solved) => solved,
        Err(Stopped) => return Ok(Err(Stopped)),
    };
    Ok(Ok(assemble_classifier(
        data, params, labels, &members, &pairs, solved,
    )))
}

/// Gathers the support vectors of every pair into one model with LIBSVM's layout.
fn assemble_classifier(
    data: &Matrix,
    params: &ValidParams,
    labels: Vec<f64>,
    members: &[Vec<usize>],
    pairs: &[(usize, usize)],
    solved: Vec<SolvedPair>,
) -> TrainedModel {
    let classes = labels.len();
    let mut is_support = vec![false; data.rows()];
    for (&(i, j), (solution, _)) in pairs.iter().zip(&solved) {
        let rows = members[i].iter().chain(&members[j]);
        for (&row, &coefficient) in rows.zip(&solution.coefficients) {
            if coefficient != 0.0 {
                is_support[row] = true;
            }
        }
    }
    // Position of each support vector in the model, class by class.
    let mut position = vec![usize::MAX; data.rows()];
    let mut support_rows = Vec::new();
    let mut counts = Vec::with_capacity(classes);
    for class_members in members {
        let before = support_rows.len();
        for &row in class_members {
            if is_support[row] {
                position[row] = support_rows.len();
                support_rows.push(row);
            }
        }
        counts.push(support_rows.len() - before);
    }
    let mut coefficients = vec![vec![0.0; support_rows.len()]; classes - 1];
    let mut rho = Vec::with_capacity(pairs.len());
    let mut report = FitReport::default();
    let mut sigmoid_a = Vec::new();
    let mut sigmoid_b = Vec::new();
    for (&(i, j), (solution, sigmoid)) in pairs.iter().zip(solved) {
        let count_i = members[i].len();
        let rows = members[i].iter().chain(&members[j]);
        for (t, (&row, &coefficient)) in rows.zip(&solution.coefficients).enumerate() {
            if coefficient != 0.0 {
                // Class i keeps the pair's coefficient in row j − 1, class j in row i.
                let slot = if t < count_i { j - 1 } else { i };
                coefficients[slot][position[row]] = coefficient;
            }
        }
        rho.push(solution.rho);
        report.subproblems.push(solution.report);
        if let Some((a, b)) = sigmoid {
            sigmoid_a.push(a);
            sigmoid_b.push(b);
        }
    }
    let probability = params.probability.then_some(ProbabilityModel::Pairwise {
        a: sigmoid_a,
        b: sigmoid_b,
    });
    let model = Model {
        svm_type: params.svm_type,
        kernel: params.kernel,
        labels,
        support_vectors: data.select_rows(&support_rows),
        support_vector_counts: counts,
        coefficients,
        rho,
        probability,
        support_vector_indices: support_rows.iter().map(|row| row + 1).collect(),
        feature_map: None,
    };
    TrainedModel { model, report }
}

/// One-class SVM, ε-SVR and ν-SVR: one dual problem over all rows.
fn fit_single(
    data: &Matrix,
    targets: &[f64],
    params: &ValidParams,
    control: &FitControl,
    gram: Option<GramRows>,
) -> Result<TrainedModel, Stopped> {
    let with_probability = params.probability && params.svm_type.is_regression();
    control.add_subproblems(1 + usize::from(with_probability) * probability_training::FOLDS);
    let sigma = if with_probability {
        Some(probability_training::regression_sigma(
            data,
            gram.clone(),
            targets,
            params,
            control,
        )?)
    } else {
        None
    };
    let (coefficients, rho, subproblem) =
        solve_single(data, gram, targets, params, cache_bytes(params, 1), control)?;
    control.finish_subproblem();
    let support_rows: Vec<usize> = (0..data.rows())
        .filter(|&t| coefficients[t] != 0.0)
        .collect();
    let model = Model {
        svm_type: params.svm_type,
        kernel: params.kernel,
        labels: Vec::new(),
        support_vectors: data.select_rows(&support_rows),
        support_vector_counts: Vec::new(),
        coefficients: vec![support_rows.iter().map(|&t| coefficients[t]).collect()],
        rho: vec![rho],
        probability: sigma.map(|sigma| ProbabilityModel::Laplace { sigma }),
        support_vector_indices: support_rows.iter().map(|row| row + 1).collect(),
        feature_map: None,
    };
    Ok(TrainedModel {
        model,
        report: FitReport {
            subproblems: vec![subproblem],
        },
    })
}
