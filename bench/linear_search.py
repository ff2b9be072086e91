"""Linear search benchmark: `svmq train --kernel linear` against LIBLINEAR running the
same fits one by one.

What it measures
----------------
One generated two-class set (``linear.py``'s generator, seeded): standard normal
features, labels from the sign of a random hyperplane with an offset, a tenth flipped.
It is written as a CSV file and trained with

    svmq --json train FILE --target label --kernel linear --trials T --folds K

whose whole run is timed from outside: reading the CSV, preprocessing every fold, the
search, the final fit on the training split with its probability model (five more
fits), permutation importance and the report.

LIBLINEAR (``liblinear-official``) then runs the fits that search asked for, one by one:
for every trial, its C (and class weights, for a trial with balanced weights) on each
of K folds of a training split of the same size as svmq's (the test share held out
first, 20 % by default), ``-s 3 -e 0.1 -B 1`` (the hinge loss, the loss svmq's linear
path trains, with the same stopping rule and bias feature). The folds are cut here from
a seeded shuffle: of the same sizes as svmq's, not the same rows. Only the training
calls are timed; the fold problems are built once, before, and not counted.

svmq prunes a trial after its first folds when it cannot beat the best; LIBLINEAR runs
every fold of every trial, which is what a user scripting it would do. The fits each
side ran are printed.

Threads: LIBLINEAR is single-threaded. svmq runs with ``RAYON_NUM_THREADS=1`` by
default (``--svmq-threads`` changes it; 0 leaves rayon's default, one per core).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version as package_version
from pathlib import Path

import numpy as np
from liblinear.liblinearutil import parameter, problem, train

sys.path.insert(0, str(Path(__file__).parent))
from linear import generate, liblinear_fit, processor_name  # noqa: E402

log = lambda message: print(f"[linear_search.py] {message}", file=sys.stderr, flush=True)


def write_csv(path: Path, features: np.ndarray, labels: np.ndarray) -> None:
    columns = features.shape[1]
    with open(path, "w") as file:
        file.write(",".join([f"x{j}" for j in range(1, columns + 1)] + ["label"]) + "\n")
        block = 20_000
        for start in range(0, features.shape[0], block):
            rows = np.column_stack([features[start : start + block], labels[start : start + block]])
            np.savetxt(file, rows, fmt="%.6g", delimiter=",")


def run_svmq(binary: str, data: Path, trials: int, folds: int, threads: int, seed: int):
    environment = dict(os.environ)
    if threads > 0:
        environment["RAYON_NUM_THREADS"] = str(threads)
    with tempfile.TemporaryDirectory() as home:
        command = [
            binary, "--home", home, "--json", "train", str(data), "--target", "label",
            "--kernel", "linear", "--trials", str(trials), "--folds", str(folds),
            "--seed", str(seed),
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        output = subprocess.run(command, capture_output=True, text=True, env=environment)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if output.returncode != 0:
        raise RuntimeError(f"svmq failed ({output.returncode}): {output.stderr[-2000:]}")
    answer = json.loads(output.stdout)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return seconds, cpu, after.ru_maxrss / 1024.0, answer


def liblinear_search(
    features, labels, trials, folds: int, test_size: float, seed: int, time_limit: float
):
    """Every trial's C on every fold: the training call's seconds and the fold accuracy.
    Stops early once the training calls took `time_limit` seconds in all (0: no limit)."""
    generator = np.random.default_rng(seed)
    order = generator.permutation(len(labels))
    train_rows = order[int(round(test_size * len(labels))) :]
    parts = np.array_split(train_rows, folds)
    prepared = []
    for fold in range(folds):
        fitting = np.concatenate([parts[k] for k in range(folds) if k != fold])
        prob = problem(labels[fitting], features[fitting])
        prob.set_bias(1)
        counts = {label: int(np.sum(labels[fitting] == label)) for label in (-1.0, 1.0)}
        prepared.append((prob, counts, (features[parts[fold]], labels[parts[fold]])))
    results = []
    for number, trial in enumerate(trials):
        c = trial["params"]["c"]
        balanced = trial["params"].get("balanced_class_weights", False)
        for fold, (prob, counts, valid) in enumerate(prepared):
            options = f"-s 3 -c {c!r} -e 0.1 -B 1"
            if balanced:
                total = sum(counts.values())
                for label, count in counts.items():
                    options += f" -w{int(label)} {total / (2 * count)!r}"
            if time_limit > 0 and sum(result[3] for result in results) >= time_limit:
                log(f"LIBLINEAR: stopped at the time limit after {len(results)} fits")
                return results
            seconds, accuracy, passes, ending = liblinear_fit(prob, options, valid)
            results.append((number, fold, c, seconds, accuracy, passes, ending))
            log(
                f"LIBLINEAR trial {number} fold {fold}: C={c:.4g}{' balanced' if balanced else ''} "
                f"{seconds:.2f} s, {accuracy:.2f}%, {passes} passes{f' ({ending})' if ending else ''}"
            )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--svmq", required=True, help="the svmq binary")
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--svmq-threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    # LIBLINEAR's fits at a large C run to the 300-pass limit and can take minutes each:
    # a limit stops its side early, and the ratio is then an upper bound.
    parser.add_argument("--liblinear-time-limit", type=float, default=0.0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "out"))
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    log(f"generating {args.rows}x{args.columns}, seed {args.seed}")
    (features, labels), _ = generate(args.rows, 0, args.columns, args.seed)
    data = out / "linear-search.csv"
    write_csv(data, features, labels)
    log(f"svmq: train --kernel linear --trials {args.trials} --folds {args.folds}")
    seconds, cpu, peak, answer = run_svmq(
        args.svmq, data, args.trials, args.folds, args.svmq_threads, args.seed
    )
    trials = answer["trials"]
    fits = sum(len(trial.get("fold_scores", [])) for trial in trials)
    search_seconds = sum(trial.get("seconds", 0.0) for trial in trials)
    accuracy = answer["test_metrics"].get("accuracy", float("nan"))
    log(f"svmq: {seconds:.1f} s wall, {cpu:.1f} s CPU, {fits} fold fits, peak RSS {peak:.0f} MB")
    reference = liblinear_search(
        features, labels, trials, args.folds, 0.2, args.seed, args.liblinear_time_limit
    )
    reference_seconds = sum(result[3] for result in reference)
    complete = len(reference) == len(trials) * args.folds
    # With LIBLINEAR stopped early its time is a lower bound, so the ratio an upper one.
    bound = "" if complete else "≤ "
    fits_run = f"{len(reference)}" if complete else f"{len(reference)} of {len(trials) * args.folds} (time limit)"
    scored = sorted({r[0] for r in reference})
    best = max(scored, key=lambda number: np.mean([r[4] for r in reference if r[0] == number]))
    threads = "rayon's default (one per core)" if args.svmq_threads == 0 else str(args.svmq_threads)
    lines = [
        f"- date: {datetime.datetime.now():%Y-%m-%d %H:%M}",
        f"- machine: {processor_name()}, {os.cpu_count()} cores, load average {load:.2f} at the start",
        f"- LIBLINEAR: liblinear-official {package_version('liblinear-official')} "
        f"(Python {platform.python_version()}), one thread; svmq: release build, "
        f"RAYON_NUM_THREADS {threads}",
        f"- data: {args.rows}x{args.columns} generated, seed {args.seed}; "
        f"{args.trials} trials x {args.folds} folds, hinge loss, tolerance 0.1, bias feature 1",
        "",
        "| side | what is timed | fits | seconds | svmq/LIBLINEAR |",
        "| --- | --- | ---: | ---: | ---: |",
        f"| LIBLINEAR | the training calls alone | {fits_run} | {reference_seconds:.1f} | |",
        f"| svmq | the trials (sum of their times) | {fits} | {search_seconds:.1f} | "
        f"{bound}{search_seconds / reference_seconds:.3f} |",
        f"| svmq | the whole `svmq train` command | {fits} + final fit + 5 probability fits | "
        f"{seconds:.1f} | {bound}{seconds / reference_seconds:.3f} |",
        "",
        f"- svmq: {cpu:.1f} s CPU, peak RSS {peak:.0f} MB; best C {answer['best_params']['c']:.4g}, "
        f"cross-validated accuracy {answer['best_cv_score'] * 100:.2f}%, "
        f"test accuracy {accuracy * 100:.2f}%",
        f"- LIBLINEAR: best scored trial's C {trials[best]['params']['c']:.4g}, its mean fold accuracy "
        f"{np.mean([r[4] for r in reference if r[0] == best]):.2f}%; fits that stopped at the "
        f"pass limit: {sum(1 for r in reference if r[6])} of {len(reference)}",
    ]
    text = "\n".join(lines) + "\n"
    (out / "linear-search-results.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
