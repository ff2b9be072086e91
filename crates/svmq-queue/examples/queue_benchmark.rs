//! Throughput and latency of the SQLite store with a large queue, against the goals of
//! the durable-queue issue: at least 2 000 submits per second, status queries under 2 ms
//! at the 99th percentile.
//!
//! Each round (`--rounds`, default 3) measures in a fresh store, in this order:
//! 1. submits: `--tasks` tasks (default 10 000) one `submit` each, as separate callers
//!    would, each its own durable transaction;
//! 2. status queries with every task queued: `get_task` alone, and `get_task` plus
//!    `queue_estimate` (what `svmq status` asks for a queued task), on ids in a seeded
//!    random order;
//! 3. claims: `claim_next_task` alone, and followed by `complete_task`, until the queue
//!    is empty.
//!
//! The machine's other load shows in the tail of write latencies (an fsync waits for
//! the disk), so rates are reported as the median round with the range, and latency
//! percentiles over every round's samples. It prints a Markdown table on stdout
//! (progress goes to stderr) and exits with status 1 when a goal is missed. It does not run any task: the payload is a typical training
//! request, stored and read back as JSON.
//!
//! Usage: `cargo run --release -p svmq-queue --example queue_benchmark -- [--tasks N]
//! [--rounds N] [--status-queries N] [--dir DIR]` (the store goes in a new directory under DIR,
//! default the system's temporary directory, and is removed afterwards).

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::json;
use svmq_queue::{NewTask, SqliteOptions, SqliteStore, Store, SubmitLimits, TaskId, WorkerId};

/// The goals.
const GOAL_SUBMITS_PER_SECOND: f64 = 2_000.0;
const GOAL_STATUS_P99: Duration = Duration::from_millis(2);

/// Users the tasks are spread over, as on a shared server.
const USERS: usize = 10;

struct Options {
    tasks: usize,
    rounds: usize,
    status_queries: usize,
    parent: PathBuf,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        tasks: 10_000,
        rounds: 3,
        status_queries: 10_000,
        parent: std::env::temp_dir(),
    };
    let mut arguments = std::env::args().skip(1);
    while let Some(flag) = arguments.next() {
        let mut value = || {
            arguments
                .next()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--tasks" => options.tasks = parse_count(&value()?)?,
            "--rounds" => options.rounds = parse_count(&value()?)?,
            "--status-queries" => options.status_queries = parse_count(&value()?)?,
            "--dir" => options.parent = PathBuf::from(value()?),
            "--help" | "-h" => return Err(
                "usage: queue_benchmark [--tasks N] [--rounds N] [--status-queries N] [--dir DIR]"
                    .into(),
            ),
            other => return Err(format!("unknown option {other:?}; see --help")),
        }
    }
    Ok(options)
}

fn parse_count(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(count) if count > 0 => Ok(count),
        _ => Err(format!("{text:?} is not a positive count")),
    }
}

/// Latencies of one operation, sorted once for the percentiles.
struct Latencies {
    sorted: Vec<Duration>,
}

impl Latencies {
    fn new(mut samples: Vec<Duration>) -> Latencies {
        samples.sort_unstable();
        Latencies { sorted: samples }
    }

    /// The nearest-rank percentile: the smallest sample with at least `percent` % of
    /// the samples at or below it.
    fn percentile(&self, percent: f64) -> Duration {
        let rank = ((percent / 100.0) * self.sorted.len() as f64).ceil() as usize;
        self.sorted[rank.clamp(1, self.sorted.len()) - 1]
    }

    fn median(&self) -> Duration {
        self.percentile(50.0)
    }

    fn p99(&self) -> Duration {
        self.percentile(99.0)
    }
}

/// A small seeded generator (SplitMix64) for the order of status queries.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// A training request like the ones `svmq submit` stores.
fn training_payload(index: usize) -> serde_json::Value {
    json!({
        "cv_folds": 5,
        "data_source": "examples/iris.csv",
        "kernel": "rbf",
        "n_trials": 50,
        "optimize_hyperparameters": true,
        "parallel_trials": 2,
        "probability": true,
        "sampler": "tpe",
        "scaling_method": "standard",
        "scoring_metric": null,
        "seed": index,
        "target_column": "species",
        "target_dimension": 1,
        "task": "classification",
        "test_size": 0.2,
    })
}

fn milliseconds(duration: Duration) -> String {
    format!("{:.3} ms", duration.as_secs_f64() * 1e3)
}

fn progress(message: &str) {
    eprintln!("[queue_benchmark] {message}");
}

type Failure = Box<dyn std::error::Error>;

fn main() -> Result<(), Failure> {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let mut rounds = Vec::with_capacity(options.rounds);
    for round in 1..=options.rounds {
        progress(&format!("round {round} of {}", options.rounds));
        let directory = options.parent.join(format!(
            "svmq-queue-benchmark-{}-{}",
            std::process::id(),
            TaskId::generate()
        ));
        let measured = measure_round(&options, &directory);
        let _ = std::fs::remove_dir_all(&directory);
        rounds.push(measured?);
    }
    if !report(&options, &rounds)? {
        std::process::exit(1);
    }
    Ok(())
}

/// What one round measured, in a fresh store.
struct Round {
    submits_per_second: f64,
    claims_per_second: f64,
    submit: Vec<Duration>,
    status: Vec<Duration>,
    status_with_position: Vec<Duration>,
    claim: Vec<Duration>,
    claim_and_complete: Vec<Duration>,
}

fn measure_round(options: &Options, directory: &std::path::Path) -> Result<Round, Failure> {
    let store = SqliteStore::open_home(directory, SqliteOptions::default())?;
    let limits = SubmitLimits::default();

    // 1. Submits.
    let tasks: Vec<NewTask> = (0..options.tasks)
        .map(|index| {
            NewTask::new(
                "svm_classification",
                training_payload(index),
                format!("user-{}", index % USERS),
            )
        })
        .collect();
    let mut task_ids = Vec::with_capacity(options.tasks);
    let mut submit = Vec::with_capacity(options.tasks);
    let submits_started = Instant::now();
    for task in &tasks {
        let started = Instant::now();
        let submission = store.submit(task, &limits)?;
        submit.push(started.elapsed());
        task_ids.push(submission.task_id);
    }
    let submits_per_second = options.tasks as f64 / submits_started.elapsed().as_secs_f64();
    progress(&format!(
        "{} submits: {submits_per_second:.0} submits/s",
        options.tasks
    ));

    // 2. Status queries, with every task queued.
    let mut random = SplitMix64(42);
    let queried: Vec<&TaskId> = (0..options.status_queries)
        .map(|_| &task_ids[random.below(task_ids.len())])
        .collect();
    let mut status = Vec::with_capacity(queried.len());
    for id in &queried {
        let started = Instant::now();
        let record = store.get_task(id)?;
        status.push(started.elapsed());
        std::hint::black_box(record);
    }
    let mut status_with_position = Vec::with_capacity(queried.len());
    for id in &queried {
        let started = Instant::now();
        let record = store.get_task(id)?;
        let estimate = store.queue_estimate(id, 3)?;
        status_with_position.push(started.elapsed());
        std::hint::black_box((record, estimate));
    }

    // 3. Claims, until the queue is empty. Each task is completed before the next
    // claim, so the running cap never blocks a claim.
    let worker = WorkerId::generate();
    let lease = Duration::from_secs(30);
    let result = json!({ "model_id": "0123456789abcdef0123456789abcdef" });
    let mut claim = Vec::with_capacity(options.tasks);
    let mut claim_and_complete = Vec::with_capacity(options.tasks);
    let claims_started = Instant::now();
    loop {
        let started = Instant::now();
        let Some(claimed) = store.claim_next_task(&worker, lease, 3)? else {
            break;
        };
        claim.push(started.elapsed());
        store.complete_task(&claimed.id, &worker, &result)?;
        claim_and_complete.push(started.elapsed());
    }
    let claims_per_second = options.tasks as f64 / claims_started.elapsed().as_secs_f64();
    if claim_and_complete.len() != options.tasks {
        return Err(format!(
            "claimed {} tasks of {} submitted",
            claim_and_complete.len(),
            options.tasks
        )
        .into());
    }
    progress(&format!(
        "{} claims and completions: {claims_per_second:.0} tasks/s",
        options.tasks
    ));
    Ok(Round {
        submits_per_second,
        claims_per_second,
        submit,
        status,
        status_with_position,
        claim,
        claim_and_complete,
    })
}

/// The median, least and greatest of per-round rates.
fn rate_summary(mut rates: Vec<f64>) -> (f64, f64, f64) {
    rates.sort_by(f64::total_cmp);
    let median = if rates.len() % 2 == 1 {
        rates[rates.len() / 2]
    } else {
        (rates[rates.len() / 2 - 1] + rates[rates.len() / 2]) / 2.0
    };
    (median, rates[0], rates[rates.len() - 1])
}

/// Prints the Markdown table; returns whether every goal was met. Rates are the median
/// round's (with the range); latencies pool every round's samples.
fn report(options: &Options, rounds: &[Round]) -> Result<bool, Failure> {
    let pooled = |samples: fn(&Round) -> &Vec<Duration>| {
        Latencies::new(rounds.iter().flat_map(samples).copied().collect())
    };
    let submit = pooled(|round| &round.submit);
    let status = pooled(|round| &round.status);
    let status_with_position = pooled(|round| &round.status_with_position);
    let claim = pooled(|round| &round.claim);
    let claim_and_complete = pooled(|round| &round.claim_and_complete);
    let (submits_per_second, submits_least, submits_most) = rate_summary(
        rounds
            .iter()
            .map(|round| round.submits_per_second)
            .collect(),
    );
    let (claims_per_second, claims_least, claims_most) =
        rate_summary(rounds.iter().map(|round| round.claims_per_second).collect());

    let submits_met = submits_per_second >= GOAL_SUBMITS_PER_SECOND;
    let status_met = status.p99() < GOAL_STATUS_P99;
    let verdict = |met: bool| if met { "met" } else { "MISSED" };
    let table = [
        format!(
            "{} rounds, each in a fresh store: {} submits, {} status queries with all {} \
             tasks queued, then claims until the queue is empty. Rates: the median round \
             (least – most); latencies: every round's samples.",
            options.rounds, options.tasks, options.status_queries, options.tasks
        ),
        String::new(),
        "| measure | rate | median | p99 | goal |".into(),
        "|---|---|---|---|---|".into(),
        format!(
            "| submit | {submits_per_second:.0} submits/s ({submits_least:.0} – {submits_most:.0}) | {} | {} | ≥ {GOAL_SUBMITS_PER_SECOND:.0} submits/s: {} |",
            milliseconds(submit.median()),
            milliseconds(submit.p99()),
            verdict(submits_met)
        ),
        format!(
            "| status (`get_task`) | | {} | {} | p99 < {}: {} |",
            milliseconds(status.median()),
            milliseconds(status.p99()),
            milliseconds(GOAL_STATUS_P99),
            verdict(status_met)
        ),
        format!(
            "| status with queue position and ETA (`get_task` + `queue_estimate`) | | {} | {} | |",
            milliseconds(status_with_position.median()),
            milliseconds(status_with_position.p99()),
        ),
        format!(
            "| claim (`claim_next_task`) | | {} | {} | |",
            milliseconds(claim.median()),
            milliseconds(claim.p99()),
        ),
        format!(
            "| claim + complete | {claims_per_second:.0} tasks/s ({claims_least:.0} – {claims_most:.0}) | {} | {} | |",
            milliseconds(claim_and_complete.median()),
            milliseconds(claim_and_complete.p99()),
        ),
    ];
    let mut out = std::io::stdout().lock();
    for line in &table {
        writeln!(out, "{line}")?;
    }
    Ok(submits_met && status_met)
}
