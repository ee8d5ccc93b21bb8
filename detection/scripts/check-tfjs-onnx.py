"""Runs a TFJS graph model (rebuilt as a TensorFlow graph from its JSON topology and the weights decoded by
tensorflowjs.read_weights) and its ONNX conversion (onnxruntime) on the same random input, and fails unless every
output agrees. Used by convert-nanodet.sh and convert-movenet.sh; prints the ONNX inputs and outputs it found.

    python check-tfjs-onnx.py model.json model.onnx [N,H,W,C]

The input is random: floats in [0, 1) for a float input, integers 0..255 for an integer one (images); its shape is
the ONNX input's, or the one given for a model with dynamic dimensions.
"""
import importlib.util
import json
import os
import sys
import types

import numpy as np
import onnxruntime as ort
import tensorflow as tf
from google.protobuf.json_format import ParseDict
from tensorflow.core.framework import graph_pb2

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tfjs_graph import add_missing_attrs, unfuse_tfjs_ops  # noqa: E402  pylint: disable=wrong-import-position


def load_read_weights():
    """tensorflowjs.read_weights without the package's __init__, which imports every converter (Keras, JAX,
    TF-DF, TF-Hub: dependencies this check does not install). Its submodules are imported from the package folder."""
    spec = importlib.util.find_spec("tensorflowjs")
    package = types.ModuleType("tensorflowjs")
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules["tensorflowjs"] = package
    from tensorflowjs import read_weights  # pylint: disable=import-outside-toplevel
    return read_weights


def tf_outputs(model_json_path, feed):
    with open(model_json_path, encoding="utf-8") as f:
        model = json.load(f)
    add_missing_attrs(model)
    unfuse_tfjs_ops(model)
    graph_def = ParseDict(model["modelTopology"], graph_pb2.GraphDef())
    weights = load_read_weights().read_weights(model["weightsManifest"], os.path.dirname(model_json_path))
    values = {w["name"]: w["data"] for group in weights for w in group}
    for node in graph_def.node:
        if node.op == "Const" and node.name in values:
            # TFJS stores int64 constants as int32: cast back to the dtype the graph declares.
            dtype = tf.dtypes.as_dtype(node.attr["dtype"].type)
            value = values[node.name].astype(dtype.as_numpy_dtype)
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value, dtype=dtype))
    # Keyed by the signature's output keys (tf2onnx names the ONNX outputs so); run by their tensor names.
    signature = model["signature"]
    outputs = sorted(signature["outputs"].keys())
    names = [signature["outputs"][k].get("name", k) for k in outputs]
    inputs = [v.get("name", k) for k, v in signature["inputs"].items()]
    with tf.Graph().as_default() as graph:
        tf.graph_util.import_graph_def(graph_def, name="")
        with tf.compat.v1.Session(graph=graph) as session:
            results = session.run(names, {inputs[0]: feed})
    return dict(zip(outputs, results))


def main():
    model_json, onnx_path = sys.argv[1], sys.argv[2]
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    (inp,) = session.get_inputs()
    print(f"onnx input {inp.name} {inp.shape} {inp.type}")
    for out in session.get_outputs():
        print(f"onnx output {out.name} {out.shape} {out.type}")
    shape = [int(v) for v in sys.argv[3].split(",")] if len(sys.argv) > 3 else inp.shape
    if not all(isinstance(v, int) for v in shape):
        raise SystemExit(f"input {inp.name} has dynamic dimensions {inp.shape}: give the shape to test (e.g. 1,256,256,3)")
    rng = np.random.default_rng(5)
    if inp.type == "tensor(int32)":
        feed = rng.integers(0, 256, size=shape, dtype=np.int32)
    else:
        feed = rng.random(shape, dtype=np.float32)
    expected = tf_outputs(model_json, feed)
    got = dict(zip([o.name for o in session.get_outputs()], session.run(None, {inp.name: feed})))
    worst = 0.0
    for name, value in expected.items():
        if name not in got:
            raise SystemExit(f"output {name} missing from the ONNX model (has {sorted(got)})")
        if got[name].shape != value.shape:
            raise SystemExit(f"output {name}: shape {got[name].shape} in ONNX, {value.shape} in TensorFlow")
        worst = max(worst, float(np.max(np.abs(got[name] - value))))
    print(f"max |onnx - tensorflow| over {len(expected)} outputs: {worst:.2e}")
    if worst > 1e-3:
        raise SystemExit("the ONNX model does not agree with the TensorFlow graph")


if __name__ == "__main__":
    main()
