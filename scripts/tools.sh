#!/usr/bin/env bash
# Installs the external tools the test suite needs, when they are missing, and prints the
# environment lines to use them (eval "$(bash scripts/tools.sh)"). Progress goes to stderr.
#   - OASIS stix2-validator 3.2.0 (PyPI) in a virtualenv under the cache folder
#   - PostgreSQL server binaries (Debian package postgresql), for the read-model tests on real PostgreSQL
set -euo pipefail
CACHE="${POPART_CACHE:-$HOME/.cache/popart}"
mkdir -p "$CACHE"
say() { printf '[tools] %s\n' "$*" >&2; }

STIX_VALIDATOR_VERSION=3.2.0
VENV="$CACHE/venv-stix2-validator-$STIX_VALIDATOR_VERSION"
if [ ! -x "$VENV/bin/stix2_validator" ]; then
  say "installing stix2-validator==$STIX_VALIDATOR_VERSION into $VENV"
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "stix2-validator==$STIX_VALIDATOR_VERSION" >&2
fi
installed=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("stix2-validator"))')
[ "$installed" = "$STIX_VALIDATOR_VERSION" ] || { say "stix2-validator $installed found, $STIX_VALIDATOR_VERSION expected"; exit 1; }
say "stix2-validator $installed"
echo "export POPART_STIX2_VALIDATOR='$VENV/bin/stix2_validator'"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/pg_ctl" ]; then
  if [ "$(id -u)" != 0 ]; then say "PostgreSQL server binaries missing: run 'sudo apt-get install -y postgresql'"; exit 1; fi
  say "installing PostgreSQL (Debian package postgresql)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
say "PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}')"
echo "export POPART_PG_BIN='$(pg_bin)'"
