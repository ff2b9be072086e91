//! LIBSVM's command-line options for `svm-train` and `svm-predict`, parsed by hand
//! because their shape (`-w1 2`, single-dash letters with separate values) is not
//! clap's. Step one of two: this module only checks syntax and ranges of each option;
//! the engine validates the parameters together.

use crate::Failure;
use std::path::PathBuf;
use svmq_core::{Kernel, SvmParams, SvmType};

pub const TRAIN_USAGE: &str = "\
Usage: svmq svm-train [options] training_set_file [model_file]
options:
-s svm_type : set type of SVM (default 0)
	0 -- C-SVC		(multi-class classification)
	1 -- nu-SVC		(multi-class classification)
	2 -- one-class SVM
	3 -- epsilon-SVR	(regression)
	4 -- nu-SVR		(regression)
-t kernel_type : set type of kernel function (default 2)
	0 -- linear: u'*v
	1 -- polynomial: (gamma*u'*v + coef0)^degree
	2 -- radial basis function: exp(-gamma*|u-v|^2)
	3 -- sigmoid: tanh(gamma*u'*v + coef0)
-d degree : set degree in kernel function (default 3)
-g gamma : set gamma in kernel function (default 1/num_features)
-r coef0 : set coef0 in kernel function (default 0)
-c cost : set the parameter C of C-SVC, epsilon-SVR, and nu-SVR (default 1)
-n nu : set the parameter nu of nu-SVC, one-class SVM, and nu-SVR (default 0.5)
-p epsilon : set the epsilon in loss function of epsilon-SVR (default 0.1)
-m cachesize : set cache memory size in MB (default 200)
-e epsilon : set tolerance of termination criterion (default 0.001)
-h shrinking : whether to use the shrinking heuristics, 0 or 1 (default 1)
-b probability_estimates : whether to train a SVC or SVR model for probability estimates, 0 or 1 (default 0)
-wi weight : set the parameter C of class i to weight*C, for C-SVC (default 1)
-v n: n-fold cross validation mode
-q : quiet mode (no outputs)
-S seed : seed of the random choices (probability and cross-validation folds; default 1)";

pub const PREDICT_USAGE: &str = "\
Usage: svmq svm-predict [options] test_file model_file output_file
options:
-b probability_estimates: whether to predict probability estimates, 0 or 1 (default 0); for one-class SVM only 0 is supported
-q : quiet mode (no outputs)";

/// What `svm-train` was asked to do.
pub struct TrainOptions {
    pub params: SvmParams,
    /// `None`: 1 / number of features, decided once the data is read.
    pub gamma: Option<f64>,
    pub folds: Option<usize>,
    pub quiet: bool,
    pub training_file: PathBuf,
    pub model_file: PathBuf,
}

/// What `svm-predict` was asked to do.
pub struct PredictOptions {
    pub probability: bool,
    pub quiet: bool,
    pub test_file: PathBuf,
    pub model_file: PathBuf,
    pub output_file: PathBuf,
}

fn usage(message: &str, usage: &str) -> Failure {
    Failure::Usage(format!("{message}\n{usage}"))
}

fn number<T: std::str::FromStr>(
    option: &str,
    value: Option<&String>,
    usage_text: &str,
) -> Result<T, Failure> {
    let value =
        value.ok_or_else(|| usage(&format!("option {option} needs a value"), usage_text))?;
    value.parse().map_err(|_| {
        usage(
            &format!("option {option}: {value:?} is not a valid number"),
            usage_text,
        )
    })
}

fn flag(option: &str, value: Option<&String>, usage_text: &str) -> Result<bool, Failure> {
    match number::<u8>(option, value, usage_text)? {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(usage(
            &format!("option {option} takes 0 or 1, got {other}"),
            usage_text,
        )),
    }
}

pub fn parse_train(arguments: &[String]) -> Result<TrainOptions, Failure> {
    let mut params = SvmParams::default();
    let mut kernel_type = 2u8;
    let (mut degree, mut coef0, mut gamma) = (3u32, 0.0, None);
    let (mut folds, mut quiet) = (None, false);
    let mut position = 0;
    while position < arguments.len()
        && arguments[position].starts_with('-')
        && arguments[position].len() > 1
    {
        let option = arguments[position].as_str();
        if option == "--help" {
            return Err(Failure::Usage(TRAIN_USAGE.into()));
        }
        if option == "-q" {
            quiet = true;
            position += 1;
            continue;
        }
        let value = arguments.get(position + 1);
        match option {
            "-s" => {
                params.svm_type = match number::<u8>(option, value, TRAIN_USAGE)? {
                    0 => SvmType::CSvc,
                    1 => SvmType::NuSvc,
                    2 => SvmType::OneClass,
                    3 => SvmType::EpsilonSvr,
                    4 => SvmType::NuSvr,
                    other => {
                        return Err(usage(&format!("unknown svm type -s {other}"), TRAIN_USAGE))
                    }
                }
            }
            "-t" => {
                kernel_type = number(option, value, TRAIN_USAGE)?;
                if kernel_type == 4 {
                    return Err(usage(
                        "precomputed kernels (-t 4) are not supported",
                        TRAIN_USAGE,
                    ));
                }
                if kernel_type > 3 {
                    return Err(usage(
                        &format!("unknown kernel type -t {kernel_type}"),
                        TRAIN_USAGE,
                    ));
                }
            }
            "-d" => degree = number(option, value, TRAIN_USAGE)?,
            "-g" => gamma = Some(number(option, value, TRAIN_USAGE)?),
            "-r" => coef0 = number(option, value, TRAIN_USAGE)?,
            "-c" => params.c = number(option, value, TRAIN_USAGE)?,
            "-n" => params.nu = number(option, value, TRAIN_USAGE)?,
            "-p" => params.epsilon = number(option, value, TRAIN_USAGE)?,
            "-m" => params.cache_megabytes = number(option, value, TRAIN_USAGE)?,
            "-e" => params.tolerance = number(option, value, TRAIN_USAGE)?,
            "-h" => params.shrinking = flag(option, value, TRAIN_USAGE)?,
            "-b" => params.probability = flag(option, value, TRAIN_USAGE)?,
            "-S" => params.seed = number(option, value, TRAIN_USAGE)?,
            "-v" => {
                let count: usize = number(option, value, TRAIN_USAGE)?;
                if count < 2 {
                    return Err(usage(
                        "n-fold cross validation: n must be at least 2",
                        TRAIN_USAGE,
                    ));
                }
                folds = Some(count);
            }
            _ if option.starts_with("-w") => {
                let label: f64 = option[2..].parse().map_err(|_| {
                    usage(
                        &format!("option {option}: the class label after -w is not a number"),
                        TRAIN_USAGE,
                    )
                })?;
                params
                    .class_weights
                    .push((label, number(option, value, TRAIN_USAGE)?));
            }
            _ => return Err(usage(&format!("unknown option: {option}"), TRAIN_USAGE)),
        }
        position += 2;
    }
    let files = &arguments[position..];
    let (training_file, model_file) = match files {
        [training] => {
            let name = std::path::Path::new(training)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| training.clone());
            (
                PathBuf::from(training),
                PathBuf::from(format!("{name}.model")),
            )
        }
        [training, model] => (PathBuf::from(training), PathBuf::from(model)),
        [] => return Err(usage("no training set file given", TRAIN_USAGE)),
        _ => return Err(usage("too many arguments", TRAIN_USAGE)),
    };
    params.kernel = match kernel_type {
        0 => Kernel::Linear,
        1 => Kernel::Polynomial {
            gamma: gamma.unwrap_or(0.0),
            coef0,
            degree,
        },
        2 => Kernel::Rbf {
            gamma: gamma.unwrap_or(0.0),
        },
        _ => Kernel::Sigmoid {
            gamma: gamma.unwrap_or(0.0),
            coef0,
        },
    };
    Ok(TrainOptions {
        params,
        gamma,
        folds,
        quiet,
        training_file,
        model_file,
    })
}

pub fn parse_predict(arguments: &[String]) -> Result<PredictOptions, Failure> {
    let (mut probability, mut quiet) = (false, false);
    let mut position = 0;
    while position < arguments.len()
        && arguments[position].starts_with('-')
        && arguments[position].len() > 1
    {
        match arguments[position].as_str() {
            "--help" => return Err(Failure::Usage(PREDICT_USAGE.into())),
            "-q" => {
                quiet = true;
                position += 1;
            }
            "-b" => {
                probability = flag("-b", arguments.get(position + 1), PREDICT_USAGE)?;
                position += 2;
            }
            other => return Err(usage(&format!("unknown option: {other}"), PREDICT_USAGE)),
        }
    }
    match &arguments[position..] {
        [test, model, output] => Ok(PredictOptions {
            probability,
            quiet,
            test_file: test.into(),
            model_file: model.into(),
            output_file: output.into(),
        }),
        _ => Err(usage(
            "expected test_file model_file output_file",
            PREDICT_USAGE,
        )),
    }
}

/// Sets the kernel's gamma to `gamma`, keeping its other parameters.
pub fn with_gamma(kernel: Kernel, gamma: f64) -> Kernel {
    match kernel {
        Kernel::Linear => Kernel::Linear,
        Kernel::Polynomial { coef0, degree, .. } => Kernel::Polynomial {
            gamma,
            coef0,
            degree,
        },
        Kernel::Rbf { .. } => Kernel::Rbf { gamma },
        Kernel::Sigmoid { coef0, .. } => Kernel::Sigmoid { gamma, coef0 },
    }
}
