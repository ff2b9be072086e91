"""Trains LIBLINEAR (the `liblinear-official` package) on a CSV file and prints its
decision functions as JSON, for svmq's agreement tests.

Usage: python liblinear_fit.py DATA.csv OPTIONS
DATA.csv: one row per line, the target first, then the features (no header).
OPTIONS: LIBLINEAR's training options, e.g. "-s 1 -c 1 -B 1 -e 0.1 -q".
Prints {"labels": [...], "weights": [[...], ...], "intercepts": [...],
"reached_iteration_limit": bool, "switched_to_primal": bool}: one weight vector and
intercept per decision function, in LIBLINEAR's label order (no labels for
regression), whether LIBLINEAR warned that its dual solver stopped at its iteration
limit, and whether it then went on with its primal solver (it does for the L2 losses).
Both are read from LIBLINEAR's own output, which goes to a temporary file meanwhile.
"""

import json
import os
import sys
import tempfile

import numpy as np
from liblinear.liblinearutil import parameter, problem, train


def main() -> None:
    path, options = sys.argv[1], sys.argv[2]
    table = np.loadtxt(path, delimiter=",", ndmin=2)
    targets, features = table[:, 0], np.ascontiguousarray(table[:, 1:])
    param = parameter(options)
    prob = problem(targets, features)
    if param.bias >= 0:
        prob.set_bias(param.bias)
    # LIBLINEAR prints from C to file descriptor 1: catch it there.
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile(mode="w+") as captured:
        os.dup2(captured.fileno(), 1)
        try:
            model = train(prob, param)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        captured.seek(0)
        report = captured.read()
        reached_limit = "reaching max number of iterations" in report
        switched = "Switching to use" in report
    regression = model.is_regression_model()
    labels = [] if regression else [float(label) for label in model.get_labels()]
    functions = 1 if regression or len(labels) == 2 else len(labels)
    weights, intercepts = [], []
    for index in range(functions):
        vector, intercept = model.get_decfun(index)
        weights.append([float(value) for value in vector])
        intercepts.append(float(intercept))
    # get_decfun lists only the features LIBLINEAR saw (up to the last non-zero
    # column); pad to the data's width.
    width = features.shape[1]
    weights = [vector + [0.0] * (width - len(vector)) for vector in weights]
    answer = {
        "labels": labels,
        "weights": weights,
        "intercepts": intercepts,
        "reached_iteration_limit": reached_limit,
        "switched_to_primal": switched,
    }
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
