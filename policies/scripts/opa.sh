#!/usr/bin/env bash
# Runs the pinned OPA: $POPART_OPA (set by scripts/tools.sh), else the one tools.sh installs.
set -euo pipefail
OPA="${POPART_OPA:-${POPART_CACHE:-$HOME/.cache/popart}/bin/opa}"
[ -x "$OPA" ] || { echo "OPA not found at $OPA: run 'eval \"\$(bash scripts/tools.sh)\"' from the repository root" >&2; exit 1; }
exec "$OPA" "$@"
