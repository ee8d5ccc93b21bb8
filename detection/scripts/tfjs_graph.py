"""Repairs for TFJS graph models that TensorFlow and tf2onnx cannot read as they are.

The TFJS converter drops attributes that have a default (and `TArgs` of fused ops), and it writes a TFJS-only op,
`FusedDepthwiseConv2dNative` (a depthwise convolution with its bias and activation). NanoDet has neither; MoveNet has
both. `add_missing_attrs` puts the attributes back (TensorFlow's op registry gives the defaults), `unfuse_tfjs_ops`
rewrites the TFJS-only op as TensorFlow's own DepthwiseConv2dNative → BiasAdd → activation, so TensorFlow itself can
run the graph (the independent check of a conversion).

    python tfjs_graph.py model.json fixed.json     # writes model.json with the attributes back (same weights file)
"""
import base64
import json
import sys

from google.protobuf.json_format import MessageToDict
from tensorflow.python.framework import op_def_registry

FUSED = ("_FusedConv2D", "FusedDepthwiseConv2dNative", "_FusedMatMul")


def add_missing_attrs(model):
    """Adds, in place, the attributes the TFJS converter left out; returns how many."""
    added = 0
    for node in model["modelTopology"]["node"]:
        attrs = node.setdefault("attr", {})
        if node["op"] in FUSED and "TArgs" not in attrs:
            count = int(attrs.get("num_args", {}).get("i", "0"))
            attrs["TArgs"] = {"list": {"type": [attrs["T"]["type"]] * count}}
            added += 1
        op_def = op_def_registry.get(node["op"])
        if op_def is None:
            continue
        for attr in op_def.attr:
            if attr.name not in attrs and attr.HasField("default_value"):
                attrs[attr.name] = MessageToDict(attr.default_value)
                added += 1
    return added


def unfuse_tfjs_ops(model):
    """Rewrites, in place, each FusedDepthwiseConv2dNative as DepthwiseConv2dNative → BiasAdd → activation."""
    out = []
    for node in model["modelTopology"]["node"]:
        if node["op"] != "FusedDepthwiseConv2dNative":
            out.append(node)
            continue
        attrs = node["attr"]
        fused = [base64.b64decode(s).decode() for s in attrs.get("fused_ops", {}).get("list", {}).get("s", [])]
        conv_attrs = {k: v for k, v in attrs.items() if k in ("T", "strides", "padding", "dilations", "data_format", "explicit_paddings")}
        steps = [{"name": node["name"] + "/depthwise", "op": "DepthwiseConv2dNative", "input": node["input"][:2], "attr": conv_attrs}]
        rest = list(fused)
        if rest and rest[0] == "BiasAdd":
            steps.append({"name": node["name"] + "/bias", "op": "BiasAdd", "input": [steps[-1]["name"], node["input"][2]],
                          "attr": {"T": attrs["T"], "data_format": attrs.get("data_format", {"s": base64.b64encode(b"NHWC").decode()})}})
            rest = rest[1:]
        for activation in rest:
            if activation not in ("Relu", "Relu6", "Elu", "Sigmoid", "Tanh"):
                raise SystemExit(f"{node['name']}: fused op {activation} is not handled")
            steps.append({"name": node["name"] + "/" + activation.lower(), "op": activation, "input": [steps[-1]["name"]], "attr": {"T": attrs["T"]}})
        steps[-1]["name"] = node["name"]  # the last step keeps the node's name, so its consumers are unchanged
        out.extend(steps)
    model["modelTopology"]["node"] = out


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        graph_model = json.load(f)
    print(f"attributes added: {add_missing_attrs(graph_model)}", file=sys.stderr)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(graph_model, f)
