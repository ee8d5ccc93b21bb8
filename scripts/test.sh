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
export POPART_CAP_OUT="$PWD/.test-output/cap-messages"
rm -rf "$POPART_CAP_OUT" && mkdir -p "$POPART_CAP_OUT"
# A stage that hangs fails with its name instead of running into CI's limit: every test has --test-timeout, and the
# stage as a whole a deadline (a file that never exits, e.g. an open handle, is caught by the latter).
run_stage() { # $1 = deadline in seconds, $2 = name, then the command
  local limit="$1" name="$2" rc=0
  shift 2
  timeout -k 30 "$limit" "$@" || rc=$?
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "!! the $name stage did not finish within $limit s: the test files not reported above as passed or failed hung" >&2
  fi
  return "$rc"
}
echo "== tests"
mapfile -t files < <(node scripts/find-tests.mjs)
run_stage 2400 tests node --test --test-concurrency=2 --test-timeout=600000 --test-reporter=spec "${files[@]}"
echo "== Fabric: the same node on a real Fabric 3.1.5 network (each test file brings its own network up and down)"
mapfile -t fabric_files < <(node scripts/find-tests.mjs --fabric)
run_stage 2400 Fabric node --test --test-concurrency=1 --test-timeout=900000 --test-reporter=spec "${fabric_files[@]}"
echo "== OASIS stix2-validator over the bundles the tests produced"
node --test --test-reporter=spec node/dist/test/oasis-validator.check.js
echo "== OASIS CAP 1.2 schema (xmllint) over the CAP messages the tests produced"
node --test --test-reporter=spec node/dist/test/cap-xsd.check.js
