//! Claim throughput and wake-up latency of the PostgreSQL store with 1, 2 and 4
//! workers, each worker with its own store (its own connections), as separate machines
//! would have.
//!
//! For each worker count and each round (`--rounds`, default 3), in a fresh schema:
//! 1. claim throughput: `--tasks` tasks (default 2 000) are submitted, then the workers
//!    claim and complete them (`claim_next_task` then `complete_task`, the store traffic
//!    of a worker running a task that takes no time) until the queue is empty, with a
//!    global limit above the worker count so that only the claim lock serializes them;
//!    the rate is tasks per second of wall time;
//! 2. wake-up latency: real `Worker`s with a runner that returns at once sit idle
//!    (polling every 500 ms, the longest poll the worker allows); `--samples` tasks
//!    (default 20) are submitted one at a time at irregular (seeded) intervals, and the
//!    latency is the database's `started_at − created_at` of each: the time from the
//!    submit's commit to a worker's claim. Without LISTEN/NOTIFY it would be about half
//!    the poll interval on average.
//!
//! Rates are the median round with its range; latencies are percentiles over every
//! round's samples. The machine is shared: the range shows its noise. It prints a
//! Markdown table on stdout; progress goes to stderr.
//!
//! Usage: `cargo run --release -p svmq-queue --example queue_postgres_benchmark --
//! --database URL [--tasks N] [--samples N] [--rounds N]` (the schemas it makes are
//! dropped afterwards).

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use svmq_queue::{
    ClaimedTask, NewTask, PostgresOptions, PostgresStore, RunOutcome, Shutdown, Store,
    SubmitLimits, TaskContext, TaskRunner, TaskState, Worker, WorkerConfig, WorkerId,
};

const WORKER_COUNTS: [usize; 3] = [1, 2, 4];
const POLL_INTERVAL: Duration = Duration::from_millis(500);

struct Options {
    database: String,
    tasks: usize,
    samples: usize,
    rounds: usize,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        database: String::new(),
        tasks: 2_000,
        samples: 20,
        rounds: 3,
    };
    let mut arguments = std::env::args().skip(1);
    while let Some(flag) = arguments.next() {
        let value = arguments
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        let count = || -> Result<usize, String> {
            value
                .parse::<usize>()
                .ok()
                .filter(|count| *count > 0)
                .ok_or_else(|| format!("{flag} needs a positive whole number, got {value:?}"))
        };
        match flag.as_str() {
            "--database" => options.database = value.clone(),
            "--tasks" => options.tasks = count()?,
            "--samples" => options.samples = count()?,
            "--rounds" => options.rounds = count()?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.database.is_empty() {
        return Err("--database postgres://USER@HOST:PORT/DATABASE is required".into());
    }
    Ok(options)
}

fn progress(message: &str) {
    let _ = writeln!(std::io::stderr(), "[queue_postgres_benchmark] {message}");
}

/// A fresh schema, dropped when this is dropped.
struct Schema {
    database: String,
    name: String,
}

impl Schema {
    fn new(database: &str, label: &str) -> Schema {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .subsec_nanos();
        Schema {
            database: database.to_string(),
            name: format!("svmq_bench_{label}_{}_{nanos}", std::process::id()),
        }
    }

    fn open(&self) -> Result<Arc<dyn Store>, svmq_queue::QueueError> {
        let options = PostgresOptions {
            schema: self.name.clone(),
            application_name: "svmq-benchmark".into(),
            ..PostgresOptions::default()
        };
        Ok(Arc::new(PostgresStore::connect(&self.database, options)?))
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.database, postgres::NoTls) {
            let _ =
                client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.name));
        }
    }
}

type Failure = Box<dyn std::error::Error>;

fn no_limits() -> SubmitLimits {
    SubmitLimits::default()
}

/// Claim-and-complete rate of `workers` workers draining `tasks` tasks.
fn claim_throughput(options: &Options, workers: usize) -> Result<f64, Failure> {
    let schema = Schema::new(&options.database, "claims");
    let submitter = schema.open()?;
    for index in 0..options.tasks {
        submitter.submit(
            &NewTask::new("bench", json!({ "index": index }), "u"),
            &no_limits(),
        )?;
    }
    let stores = (0..workers)
        .map(|_| schema.open())
        .collect::<Result<Vec<_>, _>>()?;
    let started = Instant::now();
    let done: Result<Vec<usize>, String> = std::thread::scope(|scope| {
        let handles: Vec<_> = stores
            .iter()
            .map(|store| {
                scope.spawn(move || -> Result<usize, String> {
                    let worker = WorkerId::generate();
                    let mut claimed = 0;
                    loop {
                        let task = store
                            .claim_next_task(&worker, Duration::from_secs(60), 1_000)
                            .map_err(|error| error.to_string())?;
                        let Some(task) = task else {
                            return Ok(claimed);
                        };
                        store
                            .complete_task(&task.id, &worker, &json!({}))
                            .map_err(|error| error.to_string())?;
                        claimed += 1;
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().map_err(|_| "a worker panicked".to_string())?)
            .collect()
    });
    let elapsed = started.elapsed();
    let total: usize = done?.iter().sum();
    if total != options.tasks {
        return Err(format!("{total} tasks claimed, {} submitted", options.tasks).into());
    }
    Ok(total as f64 / elapsed.as_secs_f64())
}

/// A runner whose tasks finish at once.
struct InstantRunner;

impl TaskRunner for InstantRunner {
    fn run(&self, _task: &ClaimedTask, _context: &TaskContext) -> RunOutcome {
        RunOutcome::completed(json!({}))
    }
}

/// A small seeded generator for the pauses between submits.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

/// Milliseconds from submit to claim of `samples` tasks, with `workers` idle workers.
fn wake_up_latencies(options: &Options, workers: usize, seed: u64) -> Result<Vec<i64>, Failure> {
    let schema = Schema::new(&options.database, "wake");
    let submitter = schema.open()?;
    let shutdown = Shutdown::new();
    let mut threads = Vec::new();
    for _ in 0..workers {
        let config = WorkerConfig {
            max_concurrent: 1,
            global_max_concurrent: 64,
            poll_interval: POLL_INTERVAL,
            hostname: "benchmark".into(),
            ..WorkerConfig::default()
        };
        let worker = Worker::new(schema.open()?, Arc::new(InstantRunner), config)?;
        let signal = shutdown.clone();
        threads.push(std::thread::spawn(move || worker.run(&signal)));
    }
    // Let every worker connect and go idle.
    std::thread::sleep(Duration::from_millis(700));
    let mut random = Lcg(seed);
    let mut latencies = Vec::new();
    for index in 0..options.samples {
        std::thread::sleep(Duration::from_millis(100 + random.below(400)));
        let id = submitter
            .submit(
                &NewTask::new("bench", json!({ "index": index }), "u"),
                &no_limits(),
            )?
            .task_id;
        let deadline = Instant::now() + Duration::from_secs(30);
        let record = loop {
            let record = submitter.get_task(&id)?;
            if record.state() == TaskState::Completed {
                break record;
            }
            if Instant::now() > deadline {
                return Err(format!("task {id} was not run within 30 s").into());
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        latencies.push(record.phase.started_at().unwrap_or(record.created_at) - record.created_at);
    }
    shutdown.trigger();
    for thread in threads {
        thread.join().map_err(|_| "a worker panicked")??;
    }
    Ok(latencies)
}

fn percentile(sorted: &[i64], percent: f64) -> i64 {
    let index = ((sorted.len() as f64 - 1.0) * percent / 100.0).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() -> Result<(), Failure> {
    let options = parse_options().map_err(|message| {
        progress(&format!("usage error: {message}"));
        message
    })?;
    let mut rows = Vec::new();
    for workers in WORKER_COUNTS {
        let mut rates = Vec::new();
        let mut latencies = Vec::new();
        for round in 0..options.rounds {
            progress(&format!("{workers} worker(s), round {}: claims", round + 1));
            rates.push(claim_throughput(&options, workers)?);
            progress(&format!(
                "{workers} worker(s), round {}: wake-ups",
                round + 1
            ));
            latencies.extend(wake_up_latencies(&options, workers, 17 + round as u64)?);
        }
        rates.sort_by(f64::total_cmp);
        latencies.sort_unstable();
        rows.push(format!(
            "| {workers} | {:.0} ({:.0} – {:.0}) | {} ms | {} ms | {} ms |",
            rates[rates.len() / 2],
            rates[0],
            rates[rates.len() - 1],
            percentile(&latencies, 50.0),
            percentile(&latencies, 90.0),
            latencies[latencies.len() - 1],
        ));
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} rounds per worker count, each in a fresh schema: {} tasks claimed and completed; {} wake-up samples with idle workers polling every {} ms.\n",
        options.rounds,
        options.tasks,
        options.samples,
        POLL_INTERVAL.as_millis()
    )?;
    writeln!(out, "| workers | claims per second: median round (least – most) | wake-up median | wake-up p90 | wake-up max |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for row in rows {
        writeln!(out, "{row}")?;
    }
    Ok(())
}
