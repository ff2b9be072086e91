"""svmq on a million rows with the RBF kernel, against what users do today: an exact RBF
SVM tuned on a 20,000-row sample. And on 50,000 rows, where the exact search can still
run, svmq's Nyström approximation and its random Fourier features against svmq's exact
solver.

Data: scikit-learn's make_classification (20 features, 10 informative, 4 redundant,
3 clusters per class, 2 % of the labels flipped), one draw of rows + 50,000 rows, the
extra rows held out. The smaller sets are the first rows of the large one, so every
model is scored on the same held-out rows. Each run is `svmq train` with the defaults
(50 trials, 5 folds, TPE, halving and approximation chosen automatically) unless said;
the exact runs add `--approximation none`. The optional scikit-learn row is
HalvingRandomSearchCV(SVC) on the 20,000-row sample, the same number of candidates and
folds, n_jobs=1 (svmq uses its own rayon pool: all cores).

Prints wall time, peak resident memory of the svmq process (its own rusage) and the
accuracy on the held-out rows.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np


def generate(rows, holdout, seed):
    from sklearn.datasets import make_classification
    x, y = make_classification(n_samples=rows + holdout, n_features=20, n_informative=10,
                               n_redundant=4, n_clusters_per_class=3, flip_y=0.02,
                               class_sep=1.0, random_state=seed)
    return x[:rows], y[:rows], x[rows:], y[rows:]


def write_csv(path, x, y):
    header = ",".join(f"x{i}" for i in range(x.shape[1])) + ",label"
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header=header, comments="",
               fmt=["%.5f"] * x.shape[1] + ["%d"])


def run_svmq(binary, home, data, extra):
    command = [binary, "--home", home, "train", data, "--target", "label", "--json"] + extra
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    output = bytearray()
    # Read stdout as it comes so the pipe never fills, then reap with wait4 for this
    # child's own peak memory.
    while True:
        chunk = process.stdout.read(65536)
        if not chunk:
            break
        output.extend(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {process.stderr.read()[-2000:]}")
    result = json.loads(output)
    target = result["report"]["targets"][0]
    return {
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024.0,
        "model": result["model_id"],
        "approximation": target.get("approximation"),
    }


def holdout_accuracy(binary, home, model, holdout_csv, labels, out_dir):
    predictions = os.path.join(out_dir, f"predictions-{model}.csv")
    subprocess.run([binary, "--home", home, "predict", model, holdout_csv, "-o", predictions,
                    "--no-probability"], check=True, capture_output=True)
    predicted = np.loadtxt(predictions, skiprows=1)
    return float((predicted == labels).mean())


def run_sklearn(x, y, x_holdout, y_holdout, trials, folds):
    from scipy.stats import loguniform
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    search = HalvingRandomSearchCV(
        make_pipeline(StandardScaler(), SVC()),
        {"svc__C": loguniform(1e-3, 1e3), "svc__gamma": loguniform(1e-4, 1e1)},
        n_candidates=trials, cv=folds, factor=3, resource="n_samples", min_resources=500,
        random_state=7, n_jobs=1)
    started = time.perf_counter()
    search.fit(x, y)
    return time.perf_counter() - started, float(search.score(x_holdout, y_holdout))


RUN_KEYS = ("large", "sample", "middle-nystroem", "middle-rff", "middle-exact", "sklearn")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--svmq", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--middle", type=int, default=50_000)
    parser.add_argument("--holdout", type=int, default=50_000)
    parser.add_argument("--exact-trials", type=int, default=50,
                        help="trials of the exact search on the middle set")
    parser.add_argument("--landmarks", type=int,
                        help="landmarks of the Nyström runs (default: svmq's)")
    parser.add_argument("--no-sklearn", action="store_true")
    parser.add_argument("--only", help="comma-separated runs to make, of: " + ", ".join(RUN_KEYS)
                        + " (default: all)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    x, y, x_holdout, y_holdout = generate(args.rows, args.holdout, seed=5)
    files = {}
    for name, rows in (("large", args.rows), ("sample", args.sample), ("middle", args.middle)):
        files[name] = os.path.join(args.out, f"large-rbf-{rows}.csv")
        write_csv(files[name], x[:rows], y[:rows])
    holdout_csv = os.path.join(args.out, "large-rbf-holdout.csv")
    write_csv(holdout_csv, x_holdout, y_holdout)
    home = os.path.join(args.out, "large-rbf-home")

    landmarks = ["--landmarks", str(args.landmarks)] if args.landmarks else []
    trials = ["--trials", str(args.exact_trials)]
    runs = [
        ("large", f"svmq train, {args.rows} rows (defaults)", "large", landmarks),
        ("sample", f"svmq train --approximation none, {args.sample}-row sample", "sample",
         ["--approximation", "none"]),
        ("middle-nystroem", f"svmq train --approximation nystroem, first {args.middle} rows",
         "middle", ["--approximation", "nystroem"] + trials + landmarks),
        ("middle-rff", f"svmq train --approximation rff, first {args.middle} rows", "middle",
         ["--approximation", "rff"] + trials + landmarks),
        ("middle-exact", f"svmq train --approximation none, first {args.middle} rows", "middle",
         ["--approximation", "none"] + trials),
    ]
    chosen = set(args.only.split(",")) if args.only else set(RUN_KEYS)
    unknown = chosen - set(RUN_KEYS)
    if unknown:
        parser.error(f"unknown runs {sorted(unknown)}; choose among {', '.join(RUN_KEYS)}")
    runs = [run[1:] for run in runs if run[0] in chosen]
    print(f"# make_classification, 20 features; {args.holdout} held-out rows scored by every "
          f"model; svmq with its rayon pool on all {os.cpu_count()} cores; 5 folds", flush=True)
    print("| run | wall s | peak RSS MB | held-out accuracy | approximation (exact vs "
          "approximate on a sample) |")
    print("| --- | ---: | ---: | ---: | --- |")
    for label, data, extra in runs:
        result = run_svmq(args.svmq, home, files[data], extra)
        accuracy = holdout_accuracy(args.svmq, home, result["model"], holdout_csv, y_holdout,
                                    args.out)
        approximation = result["approximation"]
        if approximation:
            check = approximation.get("check") or {}
            size = (f"random Fourier, {approximation['landmarks']} features"
                    if approximation["method"] == "rff"
                    else f"Nyström, {approximation['landmarks']} landmarks")
            note = (size
                    + (f" ({check['exact']:.4f} vs {check['approximate']:.4f} on "
                       f"{check['training_rows']} rows)" if check else ""))
        else:
            note = "exact"
        print(f"| {label} | {result['seconds']:.1f} | {result['peak_mb']:.0f} | "
              f"{accuracy:.4f} | {note} |", flush=True)
    if not args.no_sklearn and "sklearn" in chosen:
        seconds, accuracy = run_sklearn(x[:args.sample], y[:args.sample], x_holdout, y_holdout,
                                        50, 5)
        print(f"| scikit-learn HalvingRandomSearchCV(SVC), {args.sample}-row sample, n_jobs=1 "
              f"| {seconds:.1f} | - | {accuracy:.4f} | exact |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
