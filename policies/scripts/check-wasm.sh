#!/usr/bin/env bash
# Fails when the committed build (policies/build) is not what the sources compile to: rebuilds
# into a temporary folder and compares policy.wasm, data.json and revision byte for byte.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
bash "$here/scripts/build-wasm.sh" "$tmp" 2>/dev/null
for f in policy.wasm data.json revision; do
  if ! cmp -s "$tmp/$f" "$here/build/$f"; then
    echo "policies/build/$f is stale: run 'bash policies/scripts/build-wasm.sh' and commit policies/build" >&2
    exit 1
  fi
done
echo "policies: build/ matches the sources (revision $(cat "$here/build/revision"))"
