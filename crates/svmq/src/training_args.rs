//! The training options shared by `svmq train` and `svmq submit`, and their
//! translation into a `TrainingRequest`.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::Args;
use std::ffi::OsStr;
use std::path::PathBuf;
use svmq_data::{ScalingMethod, Task};
use svmq_service::{request, KernelChoice, Limits, Parameter, ServiceError, TrainingRequest};
use svmq_tune::approximation::Approximation;
use svmq_tune::halving::Fidelity;
use svmq_tune::metrics::Metric;
use svmq_tune::sampler::SamplerKind;

#[derive(Args, Debug, Clone)]
pub struct TrainingArgs {
    /// The data file: CSV/TSV (delimiter and header detected) or .xlsx.
    pub data: PathBuf,
    /// The target column's name (default: the last column).
    #[arg(long)]
    pub target: Option<String>,
    /// classification or regression (default: chosen from the target's values, and
    /// said in the output).
    #[arg(long, value_parser = ["classification", "regression"])]
    pub task: Option<String>,
    /// Regression: train one model for each of the last K columns.
    #[arg(long, default_value_t = 1)]
    pub target_dimension: usize,
    /// Leave this column out of the features (repeatable).
    #[arg(long = "drop", value_name = "COLUMN")]
    pub drop_columns: Vec<String>,
    /// Use this column as a feature though it looks like an identifier or free text
    /// (repeatable).
    #[arg(long = "keep", value_name = "COLUMN")]
    pub keep_columns: Vec<String>,
    /// Binary classification: the class precision, recall, F1 and ROC are about
    /// (default: a label reading as yes, else the rarer class; the output says which).
    #[arg(long, value_name = "LABEL")]
    pub pos_label: Option<String>,
    /// linear, rbf, poly, sigmoid, or auto (the kernel is searched too).
    #[arg(long, default_value = "rbf", value_parser = PossibleValuesParser::new(KernelChoice::NAMES))]
    pub kernel: String,
    /// Train with the default parameters instead of searching.
    #[arg(long)]
    pub no_optimize: bool,
    /// Search trials.
    #[arg(long, default_value_t = request::DEFAULT_TRIALS)]
    pub trials: usize,
    /// Cross-validation folds.
    #[arg(long, visible_alias = "cv", default_value_t = request::DEFAULT_FOLDS)]
    pub folds: usize,
    /// The metric to optimize (default: accuracy, or r2 for regression), e.g. f1_macro, roc_auc, rmse.
    #[arg(long)]
    pub metric: Option<String>,
    /// Feature scaling, fitted on training rows (quantile and power are not supported).
    #[arg(long, visible_alias = "scaler", default_value = "standard", value_parser = ScalingParser)]
    pub scaling: String,
    /// Share of rows held out for the test metrics, between 0.01 and 0.9.
    #[arg(long, default_value_t = request::DEFAULT_TEST_SIZE, value_parser = test_size)]
    pub test_size: f64,
    /// Seed of every random choice: the same data, options and seed give the same model.
    #[arg(long, default_value_t = request::DEFAULT_SEED)]
    pub seed: u64,
    /// tpe, random or grid.
    #[arg(long, default_value = "tpe", value_parser = PossibleValuesParser::new(SamplerKind::NAMES))]
    pub sampler: String,
    /// Do not fit probability estimates on the final classifier.
    #[arg(long)]
    pub no_probability: bool,
    /// auto (successive halving from 10,000 training rows), full (every trial on every
    /// row), halving (trials start on samples of the folds; the best go on) or
    /// hyperband (halving in Hyperband's brackets: some trials start on larger samples).
    #[arg(long, default_value = "auto", value_parser = PossibleValuesParser::new(Fidelity::NAMES))]
    pub fidelity: String,
    /// auto (Nyström for RBF from 100,000 training rows), none (the exact solver),
    /// nystroem (the RBF kernel approximated through landmark rows) or rff (through
    /// random Fourier features).
    #[arg(long, default_value = "auto", value_parser = PossibleValuesParser::new(Approximation::NAMES))]
    pub approximation: String,
    /// Landmark rows of the Nyström approximation, or random features of rff (1 to
    /// 2,000; default 1,000).
    #[arg(long)]
    pub landmarks: Option<usize>,
}

/// `--test-size`: a fraction in the range a training accepts (refused here, before
/// any data is read, with the range in clap's usage error).
fn test_size(text: &str) -> Result<f64, String> {
    use request::{MAX_TEST_SIZE, MIN_TEST_SIZE};
    let value: f64 = text.trim().parse().map_err(|_| {
        format!("not a number; give a fraction between {MIN_TEST_SIZE} and {MAX_TEST_SIZE}")
    })?;
    if (MIN_TEST_SIZE..=MAX_TEST_SIZE).contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "must be a fraction between {MIN_TEST_SIZE} and {MAX_TEST_SIZE} of the rows"
        ))
    }
}

/// `--scaling`: one of [`ScalingMethod::NAMES`], listed in the help. Anything else
/// is a usage error naming the flag and the supported methods; quantile and power,
/// which users of the original pass, are refused as not supported. A value is shown
/// cut short past 40 characters, not whole.
#[derive(Debug, Clone, Copy)]
struct ScalingParser;

impl TypedValueParser for ScalingParser {
    type Value = String;

    fn parse_ref(
        &self,
        command: &clap::Command,
        _argument: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<String, clap::Error> {
        let name = value.to_string_lossy();
        if ScalingMethod::from_name(&name).is_some() {
            return Ok(name.into_owned());
        }
        let reason = ScalingMethod::unknown_name_message(&name);
        let message = if ScalingMethod::UNSUPPORTED.contains(&name.as_ref()) {
            format!("--scaling: {reason}")
        } else {
            let shown = match name.char_indices().nth(40) {
                Some((end, _)) => format!("'{}…' ({} bytes)", &name[..end], name.len()),
                None => format!("'{name}'"),
            };
            format!("--scaling: {reason}; got {shown}")
        };
        Err(clap::Error::raw(ErrorKind::InvalidValue, message).format(&mut command.clone()))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            ScalingMethod::NAMES.into_iter().map(PossibleValue::new),
        ))
    }
}

impl TrainingArgs {
    /// The request, checked against `limits` (the configured caps).
    pub fn request(&self, limits: Limits) -> anyhow::Result<TrainingRequest> {
        let task = self.task.as_deref().map(|task| {
            if task == "regression" {
                Task::Regression
            } else {
                Task::Classification
            }
        });
        let scoring_metric = match &self.metric {
            Some(name) => Some(Metric::from_name(name).ok_or_else(|| {
                anyhow::anyhow!("unknown metric {name:?}; see `svmq train --help`")
            })?),
            None => None,
        };
        let request = TrainingRequest {
            data_source: self.data.clone(),
            task,
            target_column: self.target.clone(),
            target_dimension: self.target_dimension,
            exclude_columns: self.drop_columns.clone(),
            include_columns: self.keep_columns.clone(),
            positive_label: self.pos_label.clone(),
            kernel: KernelChoice::from_name(&self.kernel).expect("clap checked the kernel"),
            optimize_hyperparameters: !self.no_optimize,
            n_trials: self.trials,
            cv_folds: self.folds,
            scoring_metric,
            scaling_method: ScalingMethod::from_name(&self.scaling)
                .expect("clap checked the scaling"),
            test_size: self.test_size,
            seed: self.seed,
            sampler: SamplerKind::from_name(&self.sampler).expect("clap checked the sampler"),
            probability: !self.no_probability,
            fidelity: Fidelity::from_name(&self.fidelity).expect("clap checked the fidelity"),
            approximation: Approximation::from_name(&self.approximation)
                .expect("clap checked the approximation"),
            landmarks: self.landmarks,
            limits,
            ..TrainingRequest::default()
        };
        request
            .validate()
            .map_err(|error| anyhow::anyhow!(in_flags(error)))?;
        Ok(request)
    }
}

/// The flag that sets a request parameter.
pub fn flag(parameter: Parameter) -> String {
    match parameter {
        Parameter::Task => "--task",
        Parameter::Trials => "--trials",
        Parameter::Folds => "--folds",
        Parameter::TestSize => "--test-size",
        Parameter::TargetDimension => "--target-dimension",
        Parameter::ScoringMetric => "--metric",
        Parameter::ExcludeColumns => "--drop",
        Parameter::IncludeColumns => "--keep",
        // No flag sets it: the command line evaluates its default number at once.
        Parameter::ParallelTrials => "the parallel trials",
        Parameter::PositiveLabel => "--pos-label",
        Parameter::Landmarks => "--landmarks",
        Parameter::Approximation => "--approximation",
    }
    .to_string()
}

/// A service error's message, its request parameters spelled as this command line's
/// flags.
pub fn in_flags(error: ServiceError) -> String {
    match error {
        ServiceError::InvalidParameter(message) => message.spelled(flag),
        other => other.to_string(),
    }
}
