//! The `svmq` command: parses the command line, resolves configuration once, and hands
//! each subcommand to its module. Exit codes: 0 success, 1 failure, 2 usage error.

mod commands;
mod config;
mod libsvm_tools;
mod number_format;
mod progress_bar;
mod settings;
mod table;
mod training_args;

use clap::{CommandFactory, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// The user that local commands act as, unless `--user` says otherwise.
pub const DEFAULT_USER: &str = "local";

#[derive(Parser)]
#[command(
    name = "svmq",
    version,
    about = "Train support vector machines, fast and reproducibly.",
    long_about = "svmq trains support vector machines on tabular data with hyperparameter search, \
        through a durable training queue, and serves the models.\n\n\
        Quick start:\n  svmq train examples/iris.csv --target species\n  svmq models\n  \
        svmq predict MODEL_ID examples/iris.csv\n\n\
        Its svm-train and svm-predict subcommands are drop-in replacements for LIBSVM's tools."
)]
struct Cli {
    /// Where the store, the models and the optional svmq.toml live (default: $SVMQ_HOME,
    /// else ./svmq-data in the working directory).
    #[arg(long, global = true)]
    home: Option<PathBuf>,
    /// A shared PostgreSQL database for the queue and the models, e.g.
    /// postgres://svmq@db.example:5432/svmq (default: $SVMQ_DATABASE_URL, else the
    /// embedded store in the home). Workers on many machines can share one.
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// The user the command acts as.
    #[arg(long, global = true, default_value = DEFAULT_USER)]
    user: String,
    /// How log lines on stderr are written: `text` (coloured only on a terminal and
    /// without NO_COLOR) or `json`, one object per line, for servers. SVMQ_LOG sets the
    /// level (default: warn).
    #[arg(long, global = true, value_parser = ["text", "json"], default_value = "text")]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model now: split, search hyperparameters by cross-validation, refit, test.
    #[command(
        after_help = "Examples:\n  svmq train examples/iris.csv --target species\n  \
        svmq train examples/digits.csv --target digit --kernel auto --trials 100\n  \
        svmq train examples/diabetes.csv --target progression --task regression --metric rmse"
    )]
    Train {
        #[command(flatten)]
        arguments: training_args::TrainingArgs,
        /// Print the training's log to stderr as it goes, each line with the seconds
        /// since the start: the data read, the search's trials, the final fit.
        #[arg(long)]
        verbose: bool,
    },
    /// Check a data file before training: columns, class balance or target summary,
    /// warnings and blocking problems.
    #[command(
        after_help = "Exit status: 0 when the data is trainable, 1 when the report has blocking \
        problems (or the file cannot be read), 2 for usage mistakes.\n\n\
        Examples:\n  svmq validate examples/iris.csv --target species\n  \
        svmq validate examples/diabetes.csv --target progression --task regression\n  \
        svmq validate data.csv --target label --folds 10 --json"
    )]
    Validate(commands::validate::ValidateArgs),
    /// Predict with a trained model, from a data file or JSON rows.
    #[command(
        after_help = "Examples:\n  svmq predict MODEL_ID examples/iris.csv -o predictions.csv\n  \
        svmq predict MODEL_ID --values '[5.1, 3.5, 1.4, 0.2]'"
    )]
    Predict(commands::predict::PredictArgs),
    /// Export a model: ONNX (raw features in) or LIBSVM's model format (preprocessed features in).
    #[command(
        after_help = "Examples:\n  svmq export MODEL_ID --format onnx -o model.onnx\n  \
        svmq export MODEL_ID --format libsvm -o model.txt --data examples/iris.csv --data-output iris.scaled\n  \
        svmq export --libsvm-model model.txt --format onnx -o model.onnx"
    )]
    Export(commands::export::ExportArgs),
    /// Write a model's HTML report (data, parameters, metrics, charts) and print its path.
    #[command(
        after_help = "Examples:\n  svmq report MODEL_ID\n  svmq report MODEL_ID -o report.html --open"
    )]
    Report(commands::report::ReportArgs),
    /// The model registry: list, show, delete.
    #[command(
        after_help = "Examples:\n  svmq models\n  svmq models show MODEL_ID\n  svmq models delete MODEL_ID"
    )]
    Models {
        #[command(subcommand)]
        command: Option<commands::models::ModelsCommand>,
    },
    /// Queue a training task (run by `svmq worker`); prints its task id.
    #[command(
        after_help = "Example:\n  svmq submit examples/iris.csv --target species --priority 5"
    )]
    Submit(commands::queue::SubmitArgs),
    /// A task's status, progress, result or error.
    #[command(after_help = "Examples:\n  svmq status TASK_ID\n  svmq status TASK_ID --watch")]
    Status {
        task_id: String,
        /// Refresh every second until the task ends; exit 1 if it failed or was cancelled.
        #[arg(long)]
        watch: bool,
    },
    /// List tasks, newest first.
    #[command(
        after_help = "Examples:\n  svmq tasks\n  svmq tasks --status running\n  svmq tasks --of-user alice --limit 10"
    )]
    Tasks {
        /// Only this status: queued, running, completed, failed, cancelled.
        #[arg(long)]
        status: Option<String>,
        /// Only this user's tasks (default: everyone's).
        #[arg(long = "of-user")]
        of_user: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Cancel a queued or running task.
    #[command(after_help = "Example:\n  svmq cancel TASK_ID")]
    Cancel { task_id: String },
    /// Counts of tasks per state, the concurrency limit, live workers.
    #[command(after_help = "Examples:\n  svmq queue\n  svmq queue --json")]
    Queue,
    /// A task's log lines (trial results, warnings).
    #[command(after_help = "Examples:\n  svmq logs TASK_ID\n  svmq logs TASK_ID --tail 5")]
    Logs {
        task_id: String,
        /// Only the last N lines.
        #[arg(long)]
        tail: Option<u32>,
    },
    /// Run queued tasks until interrupted (SIGINT/SIGTERM).
    #[command(
        after_help = "Examples:\n  svmq worker\n  svmq worker --max-concurrent 2 --retention-days 7\n  \
        svmq --database postgres://svmq@db.internal/svmq worker"
    )]
    Worker {
        /// Tasks run at once, across every worker sharing the store (default: svmq.toml's
        /// queue.max_concurrent, else 3).
        #[arg(long)]
        max_concurrent: Option<u32>,
        /// Seconds a task stays claimed without a heartbeat; a dead worker's tasks run
        /// again after it (default: svmq.toml's queue.lease_seconds, else 30).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        lease_seconds: Option<u64>,
        /// Days finished tasks and their logs are kept, 0 for ever; models are kept
        /// (default: svmq.toml's queue.retention_days, else 30).
        #[arg(long)]
        retention_days: Option<u64>,
    },
    /// Serve the MCP tools on stdio (logs on stderr) and run queued trainings.
    #[command(after_help = "Examples:\n  svmq serve --data-root examples\n  \
        svmq serve --http 127.0.0.1:8765 --data-root examples   # dashboard at http://127.0.0.1:8765/\n  \
        svmq serve --http 0.0.0.0:8765 --auth-token-file tokens.txt --workers 0")]
    Serve(commands::serve::ServeArgs),
    /// Print a shell completion script for bash, zsh, fish or powershell.
    #[command(
        after_help = "Examples:\n  svmq completions bash > ~/.local/share/bash-completion/completions/svmq\n  \
        svmq completions zsh > \"${fpath[1]}/_svmq\"\n  \
        svmq completions fish > ~/.config/fish/completions/svmq.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_parser = ["bash", "zsh", "fish", "powershell", "elvish"])]
        shell: String,
    },
    /// Print svmq's manual page (roff), e.g. to install as svmq.1.
    #[command(after_help = "Examples:\n  svmq man > svmq.1 && man ./svmq.1\n  \
        svmq man > ~/.local/share/man/man1/svmq.1")]
    Man,
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
    /// The command has printed why it failed (`validate`'s blocking problems): exit 1
    /// without another message.
    Reported,
    Other(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(error: E) -> Failure {
        Failure::Other(error.into())
    }
}

/// Whether log lines are JSON (set once, at start).
static JSON_LOGS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Log lines go to stderr: plain text, with colour only on a terminal and without
/// `NO_COLOR`, at level warn unless SVMQ_LOG says otherwise; or JSON lines, at level
/// info, for servers whose logs are collected.
fn start_logging(format: &str) {
    let json = format == "json";
    let _ = JSON_LOGS.set(json);
    let default_level = if json { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SVMQ_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let logger = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    if json {
        logger.json().with_current_span(false).init();
    } else {
        let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        logger.with_ansi(colour).init();
    }
}

/// Tells the person who started a long-running command what it is doing (listening
/// where, stopped how): a plain line on stderr, or a log event when logs are JSON, so
/// that a collected log holds only JSON.
pub fn announce(message: &str) {
    if JSON_LOGS.get().copied().unwrap_or(false) {
        tracing::info!("{message}");
    } else {
        eprintln!("{message}");
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    start_logging(&cli.log_format);
    let result = run(cli);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
        Err(Failure::Reported) => ExitCode::from(1),
        Err(Failure::Other(error)) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(Failure::Other(error)) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// Output cut short by the reader (`svmq … | head`) is not a failure.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `svmq completions SHELL`: the completion script on stdout.
fn print_completions(shell: &str) -> Result<(), Failure> {
    use clap_complete::Shell;
    let shell: Shell = shell
        .parse()
        .map_err(|error: String| Failure::Usage(error))?;
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "svmq", &mut std::io::stdout());
    Ok(())
}

/// `svmq man`: the manual page, with a section per subcommand, on stdout.
fn print_manual() -> Result<(), Failure> {
    let command = Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    for subcommand in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        page.extend_from_slice(
            format!(".SH \"SVMQ {}\"\n", subcommand.get_name().to_uppercase()).as_bytes(),
        );
        let manual = clap_mangen::Man::new(subcommand.clone());
        manual.render_description_section(&mut page)?;
        manual.render_options_section(&mut page)?;
        manual.render_extra_section(&mut page)?;
    }
    std::io::Write::write_all(&mut std::io::stdout(), &page)?;
    Ok(())
}

fn run(cli: Cli) -> Result<(), Failure> {
    use commands::{export, models, predict, queue, serve, train, validate, worker};
    settings::resolve_database(cli.database.clone());
    let json = cli.json;
    let user = cli.user.as_str();
    let home = || settings::home(cli.home.clone());
    let config = || -> Result<config::Config, Failure> {
        config::Config::load(&home()?).map_err(|error| Failure::Usage(error.to_string()))
    };
    let service = || -> Result<svmq_service::Service, Failure> {
        Ok(settings::open_service(&home()?, &config()?)?)
    };
    match &cli.command {
        Command::SvmTrain { arguments } => libsvm_tools::train::run(arguments),
        Command::SvmPredict { arguments } => libsvm_tools::predict::run(arguments),
        Command::Completions { shell } => print_completions(shell),
        Command::Man => print_manual(),
        Command::Train { arguments, verbose } => {
            train::run(&service()?, arguments, user, json, *verbose)
        }
        Command::Validate(arguments) => validate::run(&config()?, arguments, json),
        Command::Predict(arguments) => predict::run(&service()?, arguments, json),
        Command::Export(arguments) => match &arguments.libsvm_model {
            Some(input) => export::run_libsvm_model(input, arguments, json),
            None => export::run(&service()?, arguments, json),
        },
        Command::Report(arguments) => commands::report::run(&service()?, arguments, json),
        Command::Models { command } => models::run(&service()?, command.as_ref(), user, json),
        Command::Submit(arguments) => queue::submit(&service()?, arguments, user, json),
        Command::Status { task_id, watch } => queue::status(&service()?, task_id, *watch, json),
        Command::Tasks {
            status,
            of_user,
            limit,
        } => queue::tasks(
            &service()?,
            of_user.as_deref(),
            status.as_deref(),
            *limit,
            json,
        ),
        Command::Cancel { task_id } => queue::cancel(&service()?, task_id, json),
        Command::Queue => queue::queue(&service()?, json),
        Command::Logs { task_id, tail } => queue::logs(&service()?, task_id, *tail, json),
        Command::Serve(arguments) => serve::run(&home()?, &config()?, arguments, user),
        Command::Worker {
            max_concurrent,
            lease_seconds,
            retention_days,
        } => {
            let config = config()?;
            worker::run(
                &home()?,
                &config,
                max_concurrent.unwrap_or(config.max_concurrent()),
                lease_seconds.unwrap_or(config.lease_seconds()),
                retention_days.unwrap_or(config.retention_days()),
            )
        }
    }
}
