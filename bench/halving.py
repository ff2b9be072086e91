"""svmq's search with and without successive halving, side by side with scikit-learn's
HalvingRandomSearchCV, on generated two-class data of growing size.

For each size: `svmq train --fidelity full` and `--fidelity halving` (same trials,
folds, seed and data, tools alternated over the repetitions), and scikit-learn's
HalvingRandomSearchCV(SVC) with resource='n_samples', factor 3, the same number of
candidates and folds. With `--hyperband`, also `--fidelity hyperband` (the same halving
in Hyperband's brackets). Prints median wall times, the ratio full / halving, and the
held-out accuracy of each (svmq holds out its own stratified 20 %; scikit-learn a
stratified 20 % of the same file with another shuffle: same size, other rows).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np


def generate(rows, features, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, features))
    signal = np.sin(2.0 * x[:, 0]) + x[:, 1] * x[:, 2] + 0.5 * x[:, 3]
    y = (signal + 0.3 * rng.standard_normal(rows) > 0).astype(int)
    return x, y


def write_csv(path, x, y):
    header = ",".join(f"x{i}" for i in range(x.shape[1])) + ",label"
    np.savetxt(path, np.column_stack([x, y]), delimiter=",", header=header, comments="",
               fmt=["%.6f"] * x.shape[1] + ["%d"])


def run_svmq(binary, data, fidelity, trials, folds, home, probability):
    started = time.perf_counter()
    extra = [] if probability else ["--no-probability"]
    out = subprocess.run(
        [binary, "--home", home, "train", data, "--target", "label", "--trials", str(trials),
         "--folds", str(folds), "--seed", "7", "--fidelity", fidelity, "--json"] + extra,
        check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    report = json.loads(out.stdout)["report"]
    target = report["targets"][0]
    trials_on_samples = sum(1 for t in target["trials"]
                            if t["state"] == "pruned" and t.get("sample_scores"))
    return seconds, target["test_metrics"]["accuracy"], trials_on_samples


def run_sklearn(x, y, trials, folds):
    from scipy.stats import loguniform
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=7)
    search = HalvingRandomSearchCV(
        make_pipeline(StandardScaler(), SVC()),
        {"svc__C": loguniform(1e-3, 1e3), "svc__gamma": loguniform(1e-4, 1e1)},
        n_candidates=trials, cv=folds, factor=3, resource="n_samples", min_resources=500,
        random_state=7, n_jobs=1)
    started = time.perf_counter()
    search.fit(x_train, y_train)
    seconds = time.perf_counter() - started
    return seconds, float(search.score(x_test, y_test))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--svmq", required=True)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000])
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-sklearn", action="store_true")
    parser.add_argument("--hyperband", action="store_true",
                        help="also run svmq with --fidelity hyperband")
    parser.add_argument("--probability", action="store_true",
                        help="let svmq fit Platt probabilities on the final model (its "
                             "default; scikit-learn's SVC does not, so off here)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "out"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    print(f"# {args.trials} trials, {args.folds} folds, {args.features} features, "
          f"{args.repeat} repetition(s); svmq uses its default threads (rayon), "
          f"scikit-learn n_jobs=1; svmq's final model "
          f"{'with' if args.probability else 'without'} probabilities, scikit-learn's without",
          flush=True)
    hyperband_header = (" svmq hyperband s | full / hyperband | accuracy hyperband | "
                        "hyperband trials stopped on samples |" if args.hyperband else "")
    print("| rows | svmq full s | svmq halving s | full / halving | accuracy full | "
          "accuracy halving | trials stopped on samples | sklearn halving s | sklearn accuracy |"
          + hyperband_header)
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
          + (" ---: | ---: | ---: | ---: |" if args.hyperband else ""))
    fidelities = ["full", "halving"] + (["hyperband"] if args.hyperband else [])
    for rows in args.sizes:
        x, y = generate(rows, args.features, seed=rows)
        data = os.path.join(args.out, f"halving-{rows}.csv")
        write_csv(data, x, y)
        results = {fidelity: [] for fidelity in fidelities}
        for repetition in range(args.repeat):
            home = os.path.join(args.out, f"halving-home-{rows}-{repetition}")
            order = fidelities if repetition % 2 == 0 else list(reversed(fidelities))
            for fidelity in order:
                result = run_svmq(args.svmq, data, fidelity, args.trials, args.folds, home,
                                  args.probability)
                results[fidelity].append(result)
        full, halving = results["full"], results["halving"]
        full_s = statistics.median(r[0] for r in full)
        halving_s = statistics.median(r[0] for r in halving)
        sk = ("-", "-")
        if not args.no_sklearn:
            seconds, accuracy = run_sklearn(x, y, args.trials, args.folds)
            sk = (f"{seconds:.1f}", f"{accuracy:.4f}")
        print(f"| {rows} | {full_s:.1f} | {halving_s:.1f} | {full_s / halving_s:.2f}x | "
              f"{full[0][1]:.4f} | {halving[0][1]:.4f} | {halving[0][2]} of {args.trials} | "
              f"{sk[0]} | {sk[1]} |" + hyperband_cells(results, full_s, args.trials), flush=True)


def hyperband_cells(results, full_s, trials):
    """The hyperband columns of a table row, when it was run."""
    runs = results.get("hyperband")
    if not runs:
        return ""
    seconds = statistics.median(r[0] for r in runs)
    return (f" {seconds:.1f} | {full_s / seconds:.2f}x | {runs[0][1]:.4f} | "
            f"{runs[0][2]} of {trials} |")


if __name__ == "__main__":
    sys.exit(main())
