#!/usr/bin/env bash
# The whole test suite: installs missing tools, builds, lints, checks the Rego policies, runs every workspace's tests on the
# embedded defaults and on real PostgreSQL, then checks every STIX bundle the tests wrote with the
# official OASIS validator.
set -euo pipefail
cd "$(dirname "$0")/.."
# assigned first: a failing install stops the suite here (eval "$(…)" alone would hide the failure)
tools_env="$(bash scripts/tools.sh)"
eval "$tools_env"
echo "== build"
# one command a line: under set -e a failure inside an && list would not stop the script
npx tsc --build
node scripts/postbuild.mjs
node portal/scripts/api-types.mjs --check
npm run build --silent -w portal
echo "== lint"
npx eslint . --max-warnings 0
echo "== policies (opa fmt, check --strict, test + coverage, wasm build current and agreeing with cases.json, bundle)"
bash policies/scripts/test.sh
export CORE_CHAINCODE_LOGGING_LEVEL="${CORE_CHAINCODE_LOGGING_LEVEL:-WARNING}"
export POPART_STIX_OUT="$PWD/.test-output/stix-bundles"
rm -rf "$POPART_STIX_OUT" && mkdir -p "$POPART_STIX_OUT"
echo "== tests"
mapfile -t files < <(node scripts/find-tests.mjs)
node --test --test-concurrency=2 --test-reporter=spec "${files[@]}"
echo "== Fabric: the same node on a real Fabric 3.1.5 network (each test file brings its own network up and down)"
mapfile -t fabric_files < <(node scripts/find-tests.mjs --fabric)
node --test --test-concurrency=1 --test-reporter=spec "${fabric_files[@]}"
echo "== OASIS stix2-validator over the bundles the tests produced"
node --test --test-reporter=spec node/dist/test/oasis-validator.check.js
