"""Runs an ONNX model exported by svmq on the rows of a CSV file with ONNX Runtime.

usage: run_onnx.py MODEL.onnx DATA.csv SUMMARY.json

SUMMARY.json is `svmq export --json`'s output: it names the model's inputs and, for
the numeric one, its columns. Prints one JSON object: every output of the model as
lists, by output name, plus the input names ONNX Runtime reports.
"""

import csv
import json
import math
import sys

import numpy as np
import onnxruntime as ort

MISSING = {"", "na", "n/a", "nan", "null", "?"}


def number(text):
    text = text.strip()
    if text.lower() in MISSING:
        return math.nan
    return float(text)


def main():
    model_path, data_path, summary_path = sys.argv[1:4]
    with open(summary_path, encoding="utf-8") as handle:
        summary = json.load(handle)
    with open(data_path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    feeds = {}
    for spec in summary["inputs"]:
        if spec["type"] == "float":
            feeds[spec["name"]] = np.array(
                [[number(row[column]) for column in spec["columns"]] for row in rows],
                dtype=np.float32,
            )
        else:
            feeds[spec["name"]] = np.array(
                [[row[spec["name"]].strip()] for row in rows], dtype=object
            )
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    results = session.run(names, feeds)
    report = {"inputs": [i.name for i in session.get_inputs()]}
    for name, value in zip(names, results):
        report[name] = value.tolist()
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
