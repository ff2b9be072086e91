"""Linear benchmark: svmq's dual coordinate descent against LIBLINEAR on one large set.

What it measures
----------------
One generated two-class set (seeded): standard normal features, labels from the sign
of a random hyperplane with an offset, a tenth of them flipped. The same rows go to
both tools: to svmq as a binary file read by the ``linear_fit`` example of svmq-core,
to LIBLINEAR (the ``liblinear-official`` package) as a problem built in this process.

For each loss (LIBLINEAR ``-s 1``, L2 loss, its default; ``-s 3``, L1 loss) both fit
with ``-c C -e 0.1 -B 1``, alternately (LIBLINEAR, svmq, LIBLINEAR, ...) ``--repeat``
times, each on one thread (LIBLINEAR is single-threaded; svmq runs with
``RAYON_NUM_THREADS=1``, and a two-class fit is one sequential descent anyway). Times
are of the training call alone: ``train(prob, param)`` for LIBLINEAR (the problem is
built once, before), ``fit_linear`` for svmq (measured inside the example, after it
read the file). Accuracy is on held-out rows from the same generator.

It prints a Markdown table and writes it to ``bench/out/linear-results.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version as package_version
from pathlib import Path

import numpy as np
from liblinear.liblinearutil import parameter, problem, train

MAGIC = b"SVMQF64\n"
LOSSES = {"l2": 1, "l1": 3}


def generate(rows: int, test_rows: int, columns: int, seed: int):
    generator = np.random.default_rng(seed)
    features = generator.standard_normal((rows + test_rows, columns))
    plane = generator.standard_normal(columns)
    score = features @ plane / np.sqrt(columns) + 0.3
    labels = np.where(score > 0, 1.0, -1.0)
    flipped = generator.random(rows + test_rows) < 0.1
    labels[flipped] *= -1.0
    return (features[:rows], labels[:rows]), (features[rows:], labels[rows:])


def write_set(path: Path, features: np.ndarray, labels: np.ndarray) -> None:
    rows, columns = features.shape
    with open(path, "wb") as file:
        file.write(MAGIC)
        file.write(np.array([rows, columns], dtype="<u8").tobytes())
        file.write(np.ascontiguousarray(features, dtype="<f8").tobytes())
        file.write(np.ascontiguousarray(labels, dtype="<f8").tobytes())


def liblinear_fit(prob, options: str, test) -> tuple[float, float, int, str]:
    """Times `train`; its own report (passes, the iteration-limit warning) is caught
    from file descriptor 1, where its C code prints, into a temporary file."""
    param = parameter(options)
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile(mode="w+") as captured:
        os.dup2(captured.fileno(), 1)
        try:
            start = time.perf_counter()
            model = train(prob, param)
            seconds = time.perf_counter() - start
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        captured.seek(0)
        report = captured.read()
    passes = re.search(r"#iter = (\d+)", report)
    # At its pass limit LIBLINEAR goes on with its primal solver for the L2 loss.
    if "Switching to use" in report:
        ending = "limit, then primal"
    elif "reaching max number of iterations" in report:
        ending = "limit"
    else:
        ending = ""
    weights, intercept = model.get_decfun(0)
    weights = np.array(weights + [0.0] * (test[0].shape[1] - len(weights)))
    labels = model.get_labels()
    predictions = np.where(test[0] @ weights + intercept > 0, labels[0], labels[1])
    accuracy = 100.0 * float(np.mean(predictions == test[1]))
    return seconds, accuracy, int(passes.group(1)) if passes else -1, ending


def svmq_fit(example: str, train_path: Path, test_path: Path, loss: str, c: float):
    environment = dict(os.environ, RAYON_NUM_THREADS="1")
    command = [example, str(train_path), str(test_path), "--loss", loss, "--c", str(c)]
    output = subprocess.run(command, capture_output=True, text=True, env=environment)
    if output.returncode != 0:
        raise RuntimeError(f"svmq failed: {output.stderr}")
    answer = json.loads(output.stdout)
    if not answer["converged"]:
        ending = "limit"
    elif answer["newton_iterations"] > 0:
        ending = f"limit, then primal ({answer['newton_iterations']} Newton steps)"
    else:
        ending = ""
    return answer["fit_seconds"], answer["accuracy"], answer["passes"], ending


def processor_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--svmq-example", required=True)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--test-rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=50)
    # At C = 1 (LIBLINEAR's default) both tools stop at their 300-pass limit on this
    # set with the L2 loss; at 0.1 both converge, and the accuracy is the same.
    parser.add_argument("--c", type=float, default=0.1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--loss", choices=list(LOSSES), nargs="+", default=["l2", "l1"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).parent / "out"))
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = lambda message: print(f"[linear.py] {message}", file=sys.stderr, flush=True)
    log(f"generating {args.rows}x{args.columns} (+{args.test_rows} test rows), seed {args.seed}")
    train_set, test_set = generate(args.rows, args.test_rows, args.columns, args.seed)
    train_path, test_path = out / "linear-train.bin", out / "linear-test.bin"
    write_set(train_path, *train_set)
    write_set(test_path, *test_set)
    prob = problem(train_set[1], train_set[0])
    prob.set_bias(1)

    results = {loss: {"liblinear": [], "svmq": []} for loss in args.loss}
    load = os.getloadavg()[0]
    for round_number in range(1, args.repeat + 1):
        for loss in args.loss:
            options = f"-s {LOSSES[loss]} -c {args.c} -e 0.1 -B 1"
            seconds, accuracy, passes, ending = liblinear_fit(prob, options, test_set)
            results[loss]["liblinear"].append((seconds, accuracy, passes, ending))
            log(
                f"round {round_number} {loss}: LIBLINEAR {seconds:.3f} s, {accuracy:.2f}%, "
                f"{passes} passes{f' ({ending})' if ending else ''}"
            )
            seconds, accuracy, passes, ending = svmq_fit(
                args.svmq_example, train_path, test_path, loss, args.c
            )
            results[loss]["svmq"].append((seconds, accuracy, passes, ending))
            log(
                f"round {round_number} {loss}: svmq {seconds:.3f} s, {accuracy:.2f}%, "
                f"{passes} passes{f' ({ending})' if ending else ''}"
            )

    version = package_version("liblinear-official")
    lines = [
        f"- date: {datetime.datetime.now():%Y-%m-%d %H:%M}",
        f"- machine: {processor_name()}, {os.cpu_count()} cores, "
        f"load average {load:.2f} at the start",
        f"- LIBLINEAR: liblinear-official {version} (Python {platform.python_version()}); "
        "svmq: the svmq-core `linear_fit` example, release build",
        f"- data: {args.rows}x{args.columns} train, {args.test_rows} test, seed {args.seed}; "
        f"C = {args.c}, tolerance 0.1, bias feature 1",
        f"- repetitions: {args.repeat} (tools alternated; medians reported), one thread each",
        "",
        "| loss | LIBLINEAR fit s (median) | svmq fit s (median) | svmq/LIBLINEAR | "
        "LIBLINEAR accuracy | svmq accuracy | difference (points) | passes LIBLINEAR / svmq |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for loss in args.loss:
        median = lambda tool, field: statistics.median(r[field] for r in results[loss][tool])
        reference, ours = median("liblinear", 0), median("svmq", 0)
        reference_accuracy, our_accuracy = median("liblinear", 1), median("svmq", 1)
        # How the last repetition ended (the pass limit, the primal solver), if not by
        # the tolerance.
        limit = lambda tool: f" ({results[loss][tool][-1][3]})" if results[loss][tool][-1][3] else ""
        passes = (
            f"{median('liblinear', 2):.0f}{limit('liblinear')} / "
            f"{median('svmq', 2):.0f}{limit('svmq')}"
        )
        name = f"{loss.upper()} (-s {LOSSES[loss]})"
        lines.append(
            f"| {name} | {reference:.3f} | {ours:.3f} | {ours / reference:.3f} | "
            f"{reference_accuracy:.2f}% | {our_accuracy:.2f}% | "
            f"{our_accuracy - reference_accuracy:+.2f} | {passes} |"
        )
    lines.append("")
    for loss in args.loss:
        times = lambda tool: ", ".join(f"{r[0]:.3f}" for r in results[loss][tool])
        lines.append(f"- {loss.upper()} times, LIBLINEAR: {times('liblinear')}; svmq: {times('svmq')}")
    text = "\n".join(lines) + "\n"
    (out / "linear-results.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
