"""Engine benchmark: svmq versus LIBSVM and scikit-learn on the same data.

What it measures
----------------
For each data set (a nonlinear binary classification problem and an
epsilon-SVR regression problem, both generated deterministically with fixed
seeds) it trains and predicts with three tools, using the same
hyper-parameters (RBF kernel, C, gamma, epsilon, tolerance 1e-3, 200 MB kernel
cache, shrinking on):

* ``LIBSVM``  -- Debian's ``svm-train`` / ``svm-predict`` (the reference);
* ``svmq``    -- ``svmq svm-train`` / ``svmq svm-predict`` (the drop-in);
* ``sklearn`` -- scikit-learn's ``SVC`` / ``SVR``, fit and predict in-process.

The tools run alternately (LIBSVM, svmq, sklearn, LIBSVM, ...) ``--repeat``
times, so that slow drifts of the machine affect all of them alike.  For each
tool it reports:

* ``fit s``     -- median wall time of training (the ``svm-train`` command,
                   including reading the file and writing the model, measured
                   with time.perf_counter around the subprocess; or ``fit()``
                   on in-memory arrays for scikit-learn);
* ``vs LIBSVM`` -- LIBSVM's median fit time divided by the tool's: above 1
                   means faster than LIBSVM (2.0x = twice as fast), below 1
                   means slower;
* ``predict s`` -- median wall time of prediction on the test set;
* accuracy (classification, in %) or mean squared error (regression), computed
  here from each tool's predictions on the test set;
* ``nSV``       -- number of support vectors (``total_sv`` in the model file,
                   ``n_support_.sum()`` for scikit-learn);
* ``peak RSS``  -- peak resident memory of the training command, measured with
                   ``/usr/bin/time -f %M`` (not available for scikit-learn,
                   which runs inside this process).

A failing svmq is reported and the other tools are still benchmarked; the
script exits non-zero only if a reference tool (LIBSVM or scikit-learn) fails.
The table is also written as markdown to ``bench/out/engine-results.md``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_classification, make_friedman1
from sklearn.svm import SVC, SVR

BENCH_DIRECTORY = Path(__file__).resolve().parent
DEFAULT_OUTPUT_DIRECTORY = BENCH_DIRECTORY / "out"

CLASSIFICATION_SEED = 20240601
REGRESSION_SEED = 20240602

TOLERANCE = 1e-3
CACHE_MEGABYTES = 200

LIBSVM_TRAIN = "svm-train"
LIBSVM_PREDICT = "svm-predict"

LIBSVM = "LIBSVM"
SVMQ = "svmq"
SKLEARN = "sklearn"
SKLEARNEX = "sklearnex"
REFERENCE_TOOLS = (LIBSVM, SKLEARN)

# The exact solver's goal (issue "Large data"): at most this share of each reference's fit time.
EXACT_GOALS = {LIBSVM: 1.0 / 5.0, SKLEARNEX: 2.0 / 3.0}


def load_sklearnex_estimators():
    """scikit-learn-intelex's SVC and SVR (oneDAL), or None when it is not installed."""
    try:
        from sklearnex.svm import SVC as IntelSVC, SVR as IntelSVR
    except ImportError:
        return None
    return IntelSVC, IntelSVR


# --------------------------------------------------------------------------
# Data sets
# --------------------------------------------------------------------------


@dataclass
class Dataset:
    """A train/test split plus the SVM hyper-parameters to use on it."""

    name: str
    task: str  # "classification" or "regression"
    train_features: np.ndarray
    train_targets: np.ndarray
    test_features: np.ndarray
    test_targets: np.ndarray
    cost: float
    gamma: float
    epsilon: float | None = None  # epsilon-SVR only
    train_path: Path = Path()
    test_path: Path = Path()

    @property
    def shape_description(self) -> str:
        rows, columns = self.train_features.shape
        return f"{rows}x{columns} train, {len(self.test_targets)} test"

    def libsvm_options(self) -> list[str]:
        """Command-line options for svm-train (LIBSVM and svmq alike)."""
        svm_type = "0" if self.task == "classification" else "3"
        options = [
            "-s", svm_type,
            "-t", "2",
            "-c", format_number(self.cost),
            "-g", format_number(self.gamma),
            "-e", format_number(TOLERANCE),
            "-m", str(CACHE_MEGABYTES),
            "-h", "1",
        ]
        if self.epsilon is not None:
            options += ["-p", format_number(self.epsilon)]
        return options

    def sklearn_estimator(self, classes=(SVC, SVR)):
        classifier, regressor = classes
        common = dict(
            kernel="rbf",
            C=self.cost,
            gamma=self.gamma,
            tol=TOLERANCE,
            cache_size=CACHE_MEGABYTES,
            shrinking=True,
        )
        if self.task == "classification":
            return classifier(**common)
        return regressor(epsilon=self.epsilon, **common)


def format_number(value: float) -> str:
    """Shortest exact text for a float on the command line: 1.0 -> "1", 1/30 -> "0.03333333333333333"."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def standardize(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale both sets with the training set's mean and standard deviation."""
    mean = train.mean(axis=0)
    deviation = train.std(axis=0)
    deviation[deviation == 0.0] = 1.0
    return (train - mean) / deviation, (test - mean) / deviation


def make_classification_dataset(train_rows: int, test_rows: int, columns: int) -> Dataset:
    """Nonlinear binary problem: several Gaussian clusters per class, 5% label noise.

    Ten informative and five redundant columns, or 8 and 2 when there are only ten.
    """
    informative, redundant = (10, 5) if columns >= 15 else (columns - 2, 2)
    features, labels = make_classification(
        n_samples=train_rows + test_rows,
        n_features=columns,
        n_informative=informative,
        n_redundant=redundant,
        n_clusters_per_class=4,
        flip_y=0.05,
        class_sep=1.0,
        random_state=CLASSIFICATION_SEED,
    )
    targets = np.where(labels == 1, 1.0, -1.0)
    train_features, test_features = standardize(features[:train_rows], features[train_rows:])
    return Dataset(
        name=f"classification {train_rows}x{columns}",
        task="classification",
        train_features=train_features,
        train_targets=targets[:train_rows],
        test_features=test_features,
        test_targets=targets[train_rows:],
        cost=1.0,
        gamma=1.0 / columns,
    )


def make_regression_dataset(train_rows: int, test_rows: int, columns: int) -> Dataset:
    """Friedman #1: y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise.

    Only 5 of the columns matter; X is standardized, y stays in its own units.
    """
    features, targets = make_friedman1(
        n_samples=train_rows + test_rows,
        n_features=columns,
        noise=1.0,
        random_state=REGRESSION_SEED,
    )
    train_features, test_features = standardize(features[:train_rows], features[train_rows:])
    return Dataset(
        name=f"regression {train_rows}x{columns}",
        task="regression",
        train_features=train_features,
        train_targets=targets[:train_rows],
        test_features=test_features,
        test_targets=targets[train_rows:],
        cost=1.0,
        gamma=1.0 / columns,
        epsilon=0.1,
    )


def format_label(task: str, value: float) -> str:
    if task == "classification":
        return str(int(value))
    return repr(float(value))


def write_libsvm_file(path: Path, task: str, features: np.ndarray, targets: np.ndarray) -> None:
    """Write LIBSVM's sparse text format: zeros omitted, floats at full precision (repr)."""
    lines = []
    for row, target in zip(features.tolist(), targets.tolist()):
        entries = " ".join(f"{index}:{value!r}" for index, value in enumerate(row, start=1) if value != 0.0)
        lines.append(f"{format_label(task, target)} {entries}\n")
    path.write_text("".join(lines))


def file_stem(dataset: Dataset) -> str:
    rows, columns = dataset.train_features.shape
    return f"{dataset.task}-{rows}x{columns}"


def write_dataset_files(dataset: Dataset, output_directory: Path) -> None:
    stem = file_stem(dataset)
    dataset.train_path = output_directory / f"{stem}.train"
    dataset.test_path = output_directory / f"{stem}.test"
    write_libsvm_file(dataset.train_path, dataset.task, dataset.train_features, dataset.train_targets)
    write_libsvm_file(dataset.test_path, dataset.task, dataset.test_features, dataset.test_targets)


# --------------------------------------------------------------------------
# Running the tools
# --------------------------------------------------------------------------


class ToolFailure(Exception):
    """A tool exited with an error, timed out, or produced unreadable output."""


@dataclass
class RunResult:
    fit_seconds: float
    predict_seconds: float
    metric: float  # accuracy in % or mean squared error
    support_vectors: int
    peak_rss_megabytes: float | None
    predictions: np.ndarray
    printed_metric: float | None = None  # what svm-predict printed, if anything


@dataclass
class ToolRecord:
    """All repetitions of one tool on one data set."""

    tool: str
    runs: list[RunResult] = field(default_factory=list)
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None and bool(self.runs)

    def median(self, attribute: str) -> float | None:
        values = [getattr(run, attribute) for run in self.runs]
        values = [value for value in values if value is not None]
        return statistics.median(values) if values else None


@dataclass
class CommandOutcome:
    seconds: float
    stdout: str
    peak_rss_megabytes: float | None


def time_command_available() -> bool:
    return Path("/usr/bin/time").is_file() and os.access("/usr/bin/time", os.X_OK)


def short_command(command: list[str]) -> str:
    """The program part of a command line: `svmq svm-train ...` rather than every argument."""
    for index, word in enumerate(command):
        if word.endswith(("svm-train", "svm-predict")):
            return " ".join(command[: index + 1]) + " ..."
    return " ".join(command)


def describe_failure(command: list[str], returncode: int, stdout: str, stderr: str) -> str:
    output = " ".join((stderr.strip() or stdout.strip()).split())[-500:]
    message = f"`{short_command(command)}` exited with status {returncode}"
    return f"{message}: {output}" if output else message


def run_in_own_session(command: list[str], timeout: float) -> tuple[int, str, str]:
    """Run a command in a session of its own and return (exit status, stdout, stderr).

    On timeout the whole process group is killed (the tool and any wrapper such
    as /usr/bin/time or a shell script), then subprocess.TimeoutExpired is raised.
    """
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return process.returncode, stdout, stderr


def run_command(command: list[str], timeout: float, measure_memory: bool) -> CommandOutcome:
    """Run a command, timing its wall clock; optionally under /usr/bin/time for peak RSS."""
    if shutil.which(command[0]) is None:
        raise ToolFailure(f"`{command[0]}` not found or not executable")
    rss_file = None
    full_command = command
    if measure_memory:
        rss_handle, rss_name = tempfile.mkstemp(prefix="engine-rss-")
        os.close(rss_handle)
        rss_file = Path(rss_name)
        full_command = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file), *command]
    try:
        start = time.perf_counter()
        try:
            returncode, stdout, stderr = run_in_own_session(full_command, timeout)
        except subprocess.TimeoutExpired as error:
            raise ToolFailure(f"`{short_command(command)}` timed out after {timeout:.0f} s") from error
        except OSError as error:
            raise ToolFailure(f"`{short_command(command)}` could not start: {error}") from error
        seconds = time.perf_counter() - start
        if returncode != 0:
            raise ToolFailure(describe_failure(command, returncode, stdout, stderr))
        peak = read_peak_rss_megabytes(rss_file) if rss_file else None
        return CommandOutcome(seconds=seconds, stdout=stdout, peak_rss_megabytes=peak)
    finally:
        if rss_file:
            rss_file.unlink(missing_ok=True)


def read_peak_rss_megabytes(path: Path) -> float | None:
    """GNU time writes %M (peak RSS in KiB) as the last line of its -o file."""
    try:
        lines = path.read_text().strip().splitlines()
        return int(lines[-1]) / 1024.0
    except (OSError, ValueError, IndexError):
        return None


def read_total_support_vectors(model_path: Path) -> int:
    try:
        with model_path.open() as model:
            for line in model:
                if line.startswith("total_sv"):
                    return int(line.split()[1])
                if line.startswith("SV"):
                    break
    except (OSError, ValueError, IndexError) as error:
        raise ToolFailure(f"cannot read total_sv from {model_path}: {error}") from error
    raise ToolFailure(f"no total_sv line in {model_path}")


def read_predictions(path: Path, expected_count: int) -> np.ndarray:
    try:
        predictions = np.loadtxt(path, dtype=float, ndmin=1)
    except (OSError, ValueError) as error:
        raise ToolFailure(f"cannot read predictions from {path}: {error}") from error
    if predictions.shape != (expected_count,):
        raise ToolFailure(f"{path} has {predictions.size} predictions, expected {expected_count}")
    return predictions


def parse_printed_metric(task: str, stdout: str) -> float | None:
    """The metric svm-predict printed: `Accuracy = 97.5% (...)` or `Mean squared error = 0.12 (...)`."""
    pattern = r"Accuracy = ([-+0-9.eE]+)%" if task == "classification" else r"Mean squared error = ([-+0-9.eEnaif]+)"
    match = re.search(pattern, stdout)
    return float(match.group(1)) if match else None


def compute_metric(task: str, truth: np.ndarray, predictions: np.ndarray) -> float:
    if task == "classification":
        return 100.0 * float(np.mean(predictions == truth))
    return float(np.mean((predictions - truth) ** 2))


def run_command_line_tool(
    tool: str,
    train_program: list[str],
    predict_program: list[str],
    dataset: Dataset,
    output_directory: Path,
    timeout: float,
    measure_memory: bool,
) -> RunResult:
    """`<train_program> -q opts train model`, then `<predict_program> test model out`.

    For LIBSVM the programs are `svm-train` and `svm-predict`; for svmq they are
    `svmq svm-train` and `svmq svm-predict`.
    """
    stem = f"{file_stem(dataset)}.{tool.lower()}"
    model_path = output_directory / f"{stem}.model"
    predictions_path = output_directory / f"{stem}.predictions"
    model_path.unlink(missing_ok=True)
    predictions_path.unlink(missing_ok=True)

    train_command = [*train_program, "-q", *dataset.libsvm_options(),
                     str(dataset.train_path), str(model_path)]
    predict_command = [*predict_program, str(dataset.test_path), str(model_path), str(predictions_path)]

    training = run_command(train_command, timeout, measure_memory)
    support_vectors = read_total_support_vectors(model_path)
    prediction = run_command(predict_command, timeout, measure_memory=False)
    predictions = read_predictions(predictions_path, len(dataset.test_targets))
    return RunResult(
        fit_seconds=training.seconds,
        predict_seconds=prediction.seconds,
        metric=compute_metric(dataset.task, dataset.test_targets, predictions),
        support_vectors=support_vectors,
        peak_rss_megabytes=training.peak_rss_megabytes,
        predictions=predictions,
        printed_metric=parse_printed_metric(dataset.task, prediction.stdout),
    )


def run_sklearn(dataset: Dataset, classes=(SVC, SVR)) -> RunResult:
    estimator = dataset.sklearn_estimator(classes)
    try:
        start = time.perf_counter()
        estimator.fit(dataset.train_features, dataset.train_targets)
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        predictions = estimator.predict(dataset.test_features)
        predict_seconds = time.perf_counter() - start
    except Exception as error:  # any sklearn error is a reference-tool failure
        raise ToolFailure(f"scikit-learn failed: {type(error).__name__}: {error}") from error
    return RunResult(
        fit_seconds=fit_seconds,
        predict_seconds=predict_seconds,
        metric=compute_metric(dataset.task, dataset.test_targets, predictions),
        support_vectors=int(estimator.n_support_.sum()),
        peak_rss_megabytes=None,
        predictions=np.asarray(predictions, dtype=float),
    )


def benchmark_dataset(
    dataset: Dataset,
    svmq_binary: str,
    repeats: int,
    output_directory: Path,
    timeout: float,
    measure_memory: bool,
) -> dict[str, ToolRecord]:
    """Run every tool `repeats` times, alternating tools within each repetition."""
    intel = load_sklearnex_estimators()
    tools = (LIBSVM, SVMQ, SKLEARN) + ((SKLEARNEX,) if intel else ())
    records = {tool: ToolRecord(tool) for tool in tools}
    for repetition in range(1, repeats + 1):
        for tool, record in records.items():
            if record.error is not None:
                continue  # a tool that failed once is not retried
            try:
                if tool == LIBSVM:
                    result = run_command_line_tool(LIBSVM, [LIBSVM_TRAIN], [LIBSVM_PREDICT], dataset,
                                                   output_directory, timeout, measure_memory)
                elif tool == SVMQ:
                    result = run_command_line_tool(SVMQ, [svmq_binary, "svm-train"],
                                                   [svmq_binary, "svm-predict"], dataset,
                                                   output_directory, timeout, measure_memory)
                elif tool == SKLEARNEX:
                    result = run_sklearn(dataset, intel)
                else:
                    result = run_sklearn(dataset)
            except ToolFailure as failure:
                record.error = str(failure)
                print(f"  [{repetition}/{repeats}] {tool:8s} FAILED: {failure}", file=sys.stderr, flush=True)
                continue
            record.runs.append(result)
            print(
                f"  [{repetition}/{repeats}] {tool:8s} fit {result.fit_seconds:8.3f} s"
                f"  predict {result.predict_seconds:7.3f} s"
                f"  {format_metric(dataset.task, result.metric):>10s}  nSV {result.support_vectors}",
                flush=True,
            )
    return records


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

TABLE_HEADER = ["dataset", "tool", "fit s (median)", "vs LIBSVM", "predict s",
                "accuracy / MSE", "nSV", "peak RSS MB"]


def format_metric(task: str, value: float | None) -> str:
    if value is None:
        return "-"
    if task == "classification":
        return f"{value:.2f}%"
    return f"MSE {value:.4f}"


def table_rows(dataset: Dataset, records: dict[str, ToolRecord]) -> list[list[str]]:
    libsvm_fit = records[LIBSVM].median("fit_seconds") if records[LIBSVM].succeeded else None
    rows = []
    for tool, record in records.items():
        if not record.succeeded:
            rows.append([dataset.name, tool, "FAILED", "-", "-", "-", "-", "-"])
            continue
        fit = record.median("fit_seconds")
        ratio = f"{libsvm_fit / fit:.2f}x" if libsvm_fit and fit else "-"
        rss = record.median("peak_rss_megabytes")
        rows.append([
            dataset.name,
            tool,
            f"{fit:.3f}",
            ratio,
            f"{record.median('predict_seconds'):.3f}",
            format_metric(dataset.task, record.runs[-1].metric),
            str(record.runs[-1].support_vectors),
            f"{rss:.1f}" if rss is not None else "-",
        ])
    return rows


def summary_line(dataset: Dataset, records: dict[str, ToolRecord]) -> str:
    libsvm, svmq = records[LIBSVM], records[SVMQ]
    prefix = f"{dataset.name}: svmq speedup vs LIBSVM:"
    if not svmq.succeeded:
        reason = " ".join((svmq.error or "no successful run").split())
        return f"{prefix} n/a (svmq failed: {reason[:200]})"
    if not libsvm.succeeded:
        return f"{prefix} n/a (LIBSVM failed)"
    speedup = libsvm.median("fit_seconds") / svmq.median("fit_seconds")
    svmq_run, libsvm_run = svmq.runs[-1], libsvm.runs[-1]
    if dataset.task == "classification":
        difference = f"accuracy diff {svmq_run.metric - libsvm_run.metric:+.2f} points"
        agreement = 100.0 * float(np.mean(svmq_run.predictions == libsvm_run.predictions))
        agreement_text = f"predictions agree {agreement:.2f}%"
    else:
        relative = (svmq_run.metric - libsvm_run.metric) / libsvm_run.metric * 100.0 if libsvm_run.metric else 0.0
        difference = f"MSE diff {svmq_run.metric - libsvm_run.metric:+.4g} ({relative:+.2f}%)"
        largest = float(np.max(np.abs(svmq_run.predictions - libsvm_run.predictions)))
        agreement_text = f"max |prediction diff| {largest:.3g}"
    return (f"{prefix} {speedup:.1f}x (median of {len(svmq.runs)}), {difference}, "
            f"nSV {svmq_run.support_vectors} vs {libsvm_run.support_vectors}, {agreement_text}")


def goal_lines(dataset: Dataset, records: dict[str, ToolRecord]) -> list[str]:
    """svmq's median fit time as a share of each reference's, beside the exact solver's goal."""
    svmq = records[SVMQ]
    lines = []
    for tool, goal in EXACT_GOALS.items():
        reference = records.get(tool)
        if not svmq.succeeded or reference is None or not reference.succeeded:
            continue
        share = svmq.median("fit_seconds") / reference.median("fit_seconds")
        verdict = "met" if share <= goal else "not met"
        lines.append(f"{dataset.name}: svmq fit time / {tool}'s = {share:.3f} "
                     f"(goal at most {goal:.3f}: {verdict})")
    return lines


def printed_metric_warnings(dataset: Dataset, records: dict[str, ToolRecord]) -> list[str]:
    """Check that the line svm-predict printed matches the metric computed from its output file."""
    warnings = []
    for tool in (LIBSVM, SVMQ):
        record = records[tool]
        if not record.succeeded:
            continue
        run = record.runs[-1]
        if run.printed_metric is None:
            warnings.append(f"{dataset.name}: {tool} svm-predict printed no "
                            f"{'Accuracy' if dataset.task == 'classification' else 'Mean squared error'} line")
        elif abs(run.printed_metric - run.metric) > 1e-3 * max(1.0, abs(run.metric)):
            warnings.append(f"{dataset.name}: {tool} svm-predict printed {run.printed_metric:g}, "
                            f"predictions file gives {run.metric:g}")
    return warnings


def format_text_table(rows: list[list[str]]) -> str:
    widths = [max(len(row[column]) for row in [TABLE_HEADER, *rows]) for column in range(len(TABLE_HEADER))]
    numeric_columns = set(range(2, len(TABLE_HEADER)))

    def format_row(row: list[str]) -> str:
        cells = [cell.rjust(width) if index in numeric_columns else cell.ljust(width)
                 for index, (cell, width) in enumerate(zip(row, widths))]
        return "  ".join(cells).rstrip()

    separator = "  ".join("-" * width for width in widths)
    return "\n".join([format_row(TABLE_HEADER), separator, *(format_row(row) for row in rows)])


def format_markdown_table(rows: list[list[str]]) -> str:
    alignment = ["---", "---"] + ["---:"] * (len(TABLE_HEADER) - 2)
    lines = ["| " + " | ".join(TABLE_HEADER) + " |", "| " + " | ".join(alignment) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def libsvm_version() -> str:
    try:
        completed = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libsvm-tools"],
                                   capture_output=True, text=True, timeout=10)
        if completed.returncode == 0 and completed.stdout.strip():
            return f"libsvm-tools {completed.stdout.strip()}"
    except (OSError, subprocess.TimeoutExpired):
        pass
    return "unknown version"


def svmq_version(svmq_binary: str) -> str:
    try:
        returncode, stdout, _ = run_in_own_session([svmq_binary, "--version"], timeout=10)
        if returncode == 0 and stdout.strip():
            return stdout.strip().splitlines()[0]
    except (OSError, subprocess.TimeoutExpired):
        pass
    return f"{svmq_binary} (version unknown)"


def processor_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown processor"


def environment_description(svmq_binary: str, repeats: int) -> list[str]:
    return [
        f"date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        f"machine: {processor_name()}, {os.cpu_count()} cores",
        f"LIBSVM: {libsvm_version()}; svmq: {svmq_version(svmq_binary)}; "
        f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, Python {platform.python_version()}",
        f"repetitions: {repeats} (tools alternated; medians reported)",
    ]


def write_markdown_report(
    path: Path,
    environment: list[str],
    datasets: list[Dataset],
    rows: list[list[str]],
    summaries: list[str],
    warnings: list[str],
) -> None:
    parts = [
        "# svmq engine benchmark",
        "",
        "Generated by `bench/engine.sh`. `vs LIBSVM` is LIBSVM's median fit time divided by the tool's "
        "(above 1x = faster than LIBSVM). Fit time is the `svm-train` command's wall time "
        "(file reading and model writing included) or `fit()` on in-memory arrays for scikit-learn. "
        "Peak RSS is the training command's (`/usr/bin/time -f %M`); not measured for scikit-learn (in-process).",
        "",
        *(f"- {line}" for line in environment),
        "",
        "Data sets and options (same for all tools; tolerance 1e-3, cache 200 MB, shrinking on):",
        "",
        *(f"- {dataset.name} ({dataset.shape_description}): `svm-train {' '.join(dataset.libsvm_options())}`"
          for dataset in datasets),
        "",
        format_markdown_table(rows),
        "",
        *(f"- {line}" for line in summaries),
    ]
    if warnings:
        parts += ["", "Warnings:", "", *(f"- {line}" for line in warnings)]
    path.write_text("\n".join(parts) + "\n")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--svmq", default="svmq", help="path to the svmq binary (default: svmq on PATH)")
    sets = parser.add_mutually_exclusive_group()
    sets.add_argument("--quick", action="store_true",
                        help="small data sets (4000x50 and 2000x20) for a fast check")
    sets.add_argument("--exact", action="store_true",
                        help="the exact solver's goal sets instead: classification 15000x10, "
                             "20000x50 and 50000x20, with the goal ratios against LIBSVM and "
                             "scikit-learn-intelex")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per tool (default 3)")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds before a single command is considered hung (default 1800)")
    parser.add_argument("--output-directory", type=Path, default=DEFAULT_OUTPUT_DIRECTORY,
                        help="where data, models and engine-results.md go (default bench/out)")
    arguments = parser.parse_args(argv)
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    return arguments


def build_datasets(quick: bool, exact: bool) -> list[Dataset]:
    if exact:
        return [
            make_classification_dataset(train_rows=15000, test_rows=5000, columns=10),
            make_classification_dataset(train_rows=20000, test_rows=5000, columns=50),
            make_classification_dataset(train_rows=50000, test_rows=5000, columns=20),
        ]
    if quick:
        return [
            make_classification_dataset(train_rows=4000, test_rows=1000, columns=50),
            make_regression_dataset(train_rows=2000, test_rows=500, columns=20),
        ]
    return [
        make_classification_dataset(train_rows=20000, test_rows=5000, columns=50),
        make_regression_dataset(train_rows=10000, test_rows=2500, columns=20),
    ]


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    output_directory: Path = arguments.output_directory
    output_directory.mkdir(parents=True, exist_ok=True)

    for command in (LIBSVM_TRAIN, LIBSVM_PREDICT):
        if shutil.which(command) is None:
            print(f"error: LIBSVM's {command} not found "
                  "(apt-get install -y --no-install-recommends libsvm-tools)", file=sys.stderr)
            return 2

    measure_memory = time_command_available()
    if not measure_memory:
        print("note: /usr/bin/time not found; peak memory is not measured", file=sys.stderr)

    environment = environment_description(arguments.svmq, arguments.repeat)
    for line in environment:
        print(line)

    datasets = build_datasets(arguments.quick, arguments.exact)
    all_rows: list[list[str]] = []
    summaries: list[str] = []
    warnings: list[str] = []
    reference_failed = False

    for dataset in datasets:
        print(f"\n== {dataset.name} ({dataset.shape_description}) "
              f"options: {' '.join(dataset.libsvm_options())}", flush=True)
        write_dataset_files(dataset, output_directory)
        records = benchmark_dataset(dataset, arguments.svmq, arguments.repeat,
                                    output_directory, arguments.timeout, measure_memory)
        reference_failed |= any(not records[tool].succeeded for tool in REFERENCE_TOOLS)
        all_rows += table_rows(dataset, records)
        summaries.append(summary_line(dataset, records))
        summaries += goal_lines(dataset, records)
        warnings += printed_metric_warnings(dataset, records)

    print()
    print(format_text_table(all_rows))
    print()
    for line in summaries:
        print(line)
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)

    report_path = output_directory / "engine-results.md"
    write_markdown_report(report_path, environment, datasets, all_rows, summaries, warnings)
    print(f"\nmarkdown table written to {report_path}")

    if reference_failed:
        print("error: a reference tool (LIBSVM or scikit-learn) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
