#!/usr/bin/env bash
# The policies stage of the test suite: formatting, Regal lint, strict compile, unit tests and cases.json,
# coverage (>= 90 % of policy lines), the committed wasm build is current and agrees with
# cases.json on the wasm runtime, and the OPA server bundle builds.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
opa() { bash scripts/opa.sh "$@"; }
TESTS=(src test/popart cases:test/cases.json)

echo "-- opa fmt"
if ! opa fmt --list --fail src test; then
  echo "the files above need 'opa fmt -w' (bash policies/scripts/opa.sh fmt -w policies/src policies/test)" >&2
  exit 1
fi
echo "-- regal lint (settings and their reasons: .regal/config.yaml)"
"${POPART_REGAL:-regal}" lint src test
echo "-- opa check --strict"
opa check --strict src test
echo "-- opa test"
# every case of cases.json in one test: on a loaded 2-core machine it can take longer than opa's 5 s default
opa test --timeout 120s "${TESTS[@]}"
echo "-- coverage"
opa test --timeout 120s --coverage --format json "${TESTS[@]}" | node scripts/coverage.mjs 90
echo "-- wasm build is current"
bash scripts/check-wasm.sh
echo "-- wasm runtime agrees with test/cases.json"
node scripts/check-cases-wasm.mjs
echo "-- server bundle"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
opa build -b src -o "$tmp/bundle.tar.gz"
echo "policies: bundle builds ($(wc -c < "$tmp/bundle.tar.gz") bytes)"
