#!/usr/bin/env bash
# Compiles the Rego of policies/src to WebAssembly for the node's in-process runtime:
#   <out>/policy.wasm   the module with every entrypoint below
#   <out>/data.json     the data document (data.popart.config)
#   <out>/revision      sha256 of the policy sources (also the bundle manifest's revision)
# <out> defaults to policies/build (committed). The build is deterministic: same sources, same bytes.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/build}"
opa() { bash "$here/scripts/opa.sh" "$@"; }
ENTRYPOINTS=(
  popart/release/decision
  popart/release/decisions
  popart/visibility/decision
  popart/redaction/decision
  popart/redaction/paths
  popart/routing/decision
  popart/gate/decisions
  popart/gate/verdicts
  popart/gate/subject_fields
)
cd "$here/src"
# The revision names the sources: sha256 over the sorted paths and contents of the policy files.
revision="sha256:$(find . -type f \( -name '*.rego' -o -name 'data.json' \) ! -name '*_test.rego' | LC_ALL=C sort |
  while read -r f; do printf '%s\n' "$f"; sha256sum < "$f"; done | sha256sum | cut -c1-16)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
args=()
for e in "${ENTRYPOINTS[@]}"; do args+=(-e "$e"); done
opa build -t wasm -b . --ignore '*_test.rego' --revision "$revision" "${args[@]}" -o "$tmp/bundle.tar.gz"
tar -xzf "$tmp/bundle.tar.gz" -C "$tmp" /policy.wasm /data.json 2>/dev/null || tar -xzf "$tmp/bundle.tar.gz" -C "$tmp" policy.wasm data.json
mkdir -p "$out"
cp "$tmp/policy.wasm" "$tmp/data.json" "$out/"
chmod 644 "$out/policy.wasm" "$out/data.json"
printf '%s\n' "$revision" > "$out/revision"
echo "policies: built $out/policy.wasm ($(wc -c < "$out/policy.wasm") bytes), revision $revision" >&2
