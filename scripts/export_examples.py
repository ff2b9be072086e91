"""Exports scikit-learn's bundled data sets (BSD-3-Clause) to the files under examples/.

Run with a Python that has scikit-learn: python scripts/export_examples.py
The output is deterministic: the same scikit-learn data gives the same files.
"""

from pathlib import Path

from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def scaled_columns(rows):
    """Scales each column to [-1, 1], as LIBSVM's svm-scale does by default."""
    columns = list(zip(*rows))
    bounds = [(min(c), max(c)) for c in columns]
    scaled = []
    for row in rows:
        values = []
        for value, (low, high) in zip(row, bounds):
            values.append(0.0 if high == low else -1.0 + 2.0 * (value - low) / (high - low))
        scaled.append(values)
    return scaled


def write_libsvm(path, targets, rows):
    with open(path, "w") as out:
        for target, row in zip(targets, rows):
            features = " ".join(f"{i + 1}:{value:.6g}" for i, value in enumerate(row) if value != 0.0)
            out.write(f"{target:g} {features}\n".replace(" \n", "\n"))


def write_csv(path, names, target_name, targets, rows):
    with open(path, "w") as out:
        out.write(",".join(list(names) + [target_name]) + "\n")
        for target, row in zip(targets, rows):
            out.write(",".join(f"{value:.10g}" for value in row) + f",{target}\n")


def main():
    EXAMPLES.mkdir(exist_ok=True)
    cancer = load_breast_cancer()
    labels = [1 if t == 1 else -1 for t in cancer.target]  # +1 benign, -1 malignant
    write_libsvm(EXAMPLES / "breast_cancer.libsvm", labels, scaled_columns(cancer.data.tolist()))
    names = [n.replace(" ", "_") for n in cancer.feature_names]
    classes = [cancer.target_names[t] for t in cancer.target]
    write_csv(EXAMPLES / "breast_cancer.csv", names, "diagnosis", classes, cancer.data.tolist())

    wine = load_wine()
    write_libsvm(EXAMPLES / "wine.libsvm", [t + 1 for t in wine.target], scaled_columns(wine.data.tolist()))
    iris = load_iris()
    names = [n.replace(" (cm)", "").replace(" ", "_") for n in iris.feature_names]
    write_csv(EXAMPLES / "iris.csv", names, "species", [iris.target_names[t] for t in iris.target], iris.data.tolist())

    digits = load_digits()
    names = [f"pixel_{i}" for i in range(digits.data.shape[1])]
    write_csv(EXAMPLES / "digits.csv", names, "digit", digits.target.tolist(), digits.data.astype(int).tolist())

    diabetes = load_diabetes()
    write_libsvm(EXAMPLES / "diabetes.libsvm", diabetes.target.tolist(), scaled_columns(diabetes.data.tolist()))
    write_csv(EXAMPLES / "diabetes.csv", diabetes.feature_names, "progression", [f"{t:g}" for t in diabetes.target], diabetes.data.tolist())


if __name__ == "__main__":
    main()
