"""Runs an ONNX model that svmq exported from a LIBSVM model file on the rows of a
LIBSVM data file with ONNX Runtime.

usage: run_libsvm_onnx.py MODEL.onnx DATA.libsvm

The model's input is float [N, F], feature index j in column j - 1, a missing feature
0. A row with a feature above F is an error: the model cannot take it. Prints one
JSON object: every output of the model as lists, by output name, the input's name
and width, and the element type of each output.
"""

import json
import sys

import numpy as np
import onnxruntime as ort


def main():
    model_path, data_path = sys.argv[1:3]
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    (model_input,) = session.get_inputs()
    width = model_input.shape[1]
    rows = []
    with open(data_path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            tokens = line.split()
            if not tokens:
                continue
            row = np.zeros(width, dtype=np.float32)
            for token in tokens[1:]:
                index, value = token.split(":")
                index = int(index)
                if not 1 <= index <= width:
                    sys.exit(f"line {number}: feature {index} is outside 1..{width}")
                row[index - 1] = float(value)
            rows.append(row)
    features = np.stack(rows)
    names = [output.name for output in session.get_outputs()]
    results = session.run(names, {model_input.name: features})
    report = {
        "input": model_input.name,
        "width": width,
        "types": {output.name: output.type for output in session.get_outputs()},
    }
    for name, value in zip(names, results):
        report[name] = value.tolist()
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
