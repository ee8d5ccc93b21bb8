"""Runs a frozen TensorFlow graph (GraphDef .pb) and its ONNX conversion (onnxruntime) on the same random image and
fails unless every output agrees. Used by convert-ssdlite.sh; prints the ONNX inputs and outputs it found.

    python check-graphdef-onnx.py graph.pb model.onnx INPUT OUTPUT[,OUTPUT…] HEIGHT WIDTH

The input is one random uint8 image [1, HEIGHT, WIDTH, 3]; outputs are compared by name, detections within the
number the graph reports.
"""
import sys

import numpy as np
import onnxruntime as ort
import tensorflow as tf


def main():
    graph_path, onnx_path, input_name, outputs, height, width = sys.argv[1:7]
    outputs = outputs.split(",")
    rng = np.random.default_rng(20261206)
    # A smooth random image (noise blurred by upsampling) gives the detector something to score, unlike white noise.
    small = rng.integers(0, 256, size=(1, int(height) // 10, int(width) // 10, 3)).astype(np.float32)
    image = tf.image.resize(small, (int(height), int(width))).numpy().clip(0, 255).astype(np.uint8)
    graph_def = tf.compat.v1.GraphDef()
    with open(graph_path, "rb") as f:
        graph_def.ParseFromString(f.read())
    with tf.Graph().as_default() as graph:
        tf.graph_util.import_graph_def(graph_def, name="")
        with tf.compat.v1.Session(graph=graph) as session:
            expected = session.run(outputs, {input_name: image})
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    for i in session.get_inputs():
        print(f"onnx input {i.name} {i.shape} {i.type}")
    for o in session.get_outputs():
        print(f"onnx output {o.name} {o.shape} {o.type}")
    got = session.run(outputs, {input_name: image})
    worst = 0.0
    for name, want, have in zip(outputs, expected, got):
        if want.shape != have.shape:
            sys.exit(f"{name}: shape {have.shape}, TensorFlow gives {want.shape}")
        diff = float(np.max(np.abs(want.astype(np.float64) - have.astype(np.float64)))) if want.size else 0.0
        print(f"{name} {list(want.shape)} max abs difference {diff:.3g}")
        worst = max(worst, diff)
    if worst > 1e-3:
        sys.exit(f"the ONNX model differs from the TensorFlow graph by {worst:.3g} (limit 1e-3)")
    print(f"max abs difference {worst:.3g}: the ONNX model agrees with the TensorFlow graph")


if __name__ == "__main__":
    main()
