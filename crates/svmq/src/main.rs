//! The `svmq` command: parses the command line and hands each subcommand to its module.
//! Exit codes: 0 success, 1 failure, 2 usage error.

mod libsvm_tools;
mod number_format;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "svmq",
    version,
    about = "Train support vector machines, fast and reproducibly.",
    long_about = "svmq trains support vector machines with its own SMO engine.\n\n\
        Its svm-train and svm-predict subcommands are drop-in replacements for LIBSVM's tools: \
        same options, same model files, same printed lines."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// LIBSVM-compatible training: svmq svm-train [options] training_set_file [model_file]
    #[command(
        name = "svm-train",
        disable_help_flag = true,
        after_help = "Run `svmq svm-train` without arguments for LIBSVM's option list.\n\n\
            Example:\n  svmq svm-train -c 10 -g 0.5 heart_scale heart.model\n  svmq svm-train -v 5 heart_scale"
    )]
    SvmTrain {
        /// LIBSVM options then files, exactly as for LIBSVM's svm-train.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        arguments: Vec<String>,
    },
    /// LIBSVM-compatible prediction: svmq svm-predict [-b 0|1] [-q] test_file model_file output_file
    #[command(
        name = "svm-predict",
        disable_help_flag = true,
        after_help = "Example:\n  svmq svm-predict test.libsvm heart.model predictions.txt"
    )]
    SvmPredict {
        /// LIBSVM options then files, exactly as for LIBSVM's svm-predict.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        arguments: Vec<String>,
    },
}

/// How a subcommand failed: a usage mistake (exit 2) or anything else (exit 1).
pub enum Failure {
    Usage(String),
    Other(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(error: E) -> Failure {
        Failure::Other(error.into())
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SVMQ_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::SvmTrain { arguments } => libsvm_tools::train::run(&arguments),
        Command::SvmPredict { arguments } => libsvm_tools::predict::run(&arguments),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
        Err(Failure::Other(error)) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
