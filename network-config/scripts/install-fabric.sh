#!/usr/bin/env bash
# Installs Hyperledger Fabric 3.1.5 (peer, orderer, configtxgen, cryptogen, osnadmin) and the
# chaincode-as-a-service builder (bin/detect, build, release) into a cache outside the repo:
#   ${POPART_CACHE:-$HOME/.cache/popart}/fabric-3.1.5/{bin,ccaas/bin,config}
# (config/ holds Fabric's own sampleconfig core.yaml and orderer.yaml, the defaults the network scripts start from,
# as in Fabric's release archives.)
# Sources, first that applies:
#   1. POPART_FABRIC_BIN=<folder with peer, orderer, configtxgen, cryptogen, osnadmin> (and, optionally,
#      POPART_CCAAS_BIN=<folder with detect, build, release>; else the builder is built from source);
#   2. the source archive fabric-3.1.5-src.tar.xz in POPART_FABRIC_SRC_DIR (default ../shared/fabric
#      next to the repository, or next to the repository it was cloned from), its sha256 checked against SHA256SUMS;
#   3. go install …@86c1172bec37e6590c6b1ae6f847833df48d65fc from the Go module proxy.
# Reused when present and `peer version` says 3.1.5 (--force rebuilds). Progress goes to stderr; the last
# line on stdout is `export POPART_FABRIC_HOME_BIN=…` style lines for eval. With CI=true any failure is fatal
# (it always is: this script never skips).
set -euo pipefail
VERSION=3.1.5
COMMIT=86c1172bec37e6590c6b1ae6f847833df48d65fc
REPO_ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="${POPART_CACHE:-$HOME/.cache/popart}"
DEST="$CACHE/fabric-$VERSION"
# The archive's folder: POPART_FABRIC_SRC_DIR, else ../shared/fabric next to this repository, else next to the
# repository this one was cloned from (a clean clone made elsewhere, as CI makes, still finds it).
find_src_dir() {
  [ -n "${POPART_FABRIC_SRC_DIR:-}" ] && { echo "$POPART_FABRIC_SRC_DIR"; return; }
  local candidates=("$REPO_ROOT/../shared/fabric") origin
  origin="$(git -C "$REPO_ROOT" remote get-url origin 2>/dev/null || true)"
  origin="${origin#file://}"
  [ -n "$origin" ] && [ -d "$origin" ] && candidates+=("$origin/../shared/fabric")
  for c in "${candidates[@]}"; do
    [ -f "$c/fabric-$VERSION-src.tar.xz" ] && { echo "$c"; return; }
  done
  echo "${candidates[0]}"
}
SRC_DIR="$(find_src_dir)"
[ -d "$SRC_DIR" ] && SRC_DIR="$(cd "$SRC_DIR" && pwd)"
TOOLS=(peer orderer configtxgen cryptogen osnadmin)
CCAAS=(detect build release)
LDFLAGS="-X github.com/hyperledger/fabric/common/metadata.Version=$VERSION"
FORCE=0

say() { printf '[fabric] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

usage() {
  cat <<USAGE
Usage: install-fabric.sh [--force] [--help]

Installs Hyperledger Fabric $VERSION binaries (${TOOLS[*]}) and the ccaas builder (${CCAAS[*]})
into $DEST (bin/ and ccaas/bin/), then prints shell export lines (eval "\$(…)").

Sources, in order: POPART_FABRIC_BIN (prebuilt binaries; POPART_CCAAS_BIN for the builder),
the archive in POPART_FABRIC_SRC_DIR (default: ../shared/fabric next to the repo or next to the
repo it was cloned from, sha256 checked),
or 'go install' at commit $COMMIT from the Go module proxy.

  --force   rebuild even if a matching install is present
  --help    this text

Environment: POPART_CACHE (default ~/.cache/popart), POPART_FABRIC_BIN, POPART_CCAAS_BIN,
POPART_FABRIC_SRC_DIR, CI (true: any missing piece is an error, never a skip).
USAGE
}

for arg in "$@"; do
  case "$arg" in
    --help|-h) usage; exit 0 ;;
    --force) FORCE=1 ;;
    *) usage >&2; die "unknown argument $arg" ;;
  esac
done

installed_ok() {
  for t in "${TOOLS[@]}"; do [ -x "$DEST/bin/$t" ] || return 1; done
  for t in "${CCAAS[@]}"; do [ -x "$DEST/ccaas/bin/$t" ] || return 1; done
  "$DEST/bin/peer" version 2>/dev/null | grep -q "Version: $VERSION\$" || return 1
  "$DEST/bin/orderer" version 2>/dev/null | grep -q "Version: $VERSION\$" || return 1
}

print_env() {
  echo "export POPART_FABRIC_BIN_DIR='$DEST/bin'"
  echo "export POPART_FABRIC_CCAAS_DIR='$DEST/ccaas'"
  echo "export POPART_FABRIC_CONFIG_DIR='$DEST/config'"
}

# Fabric's default core.yaml and orderer.yaml (sampleconfig of the same version) into $1/config.
copy_config() { # $1 = destination root; sources tried: POPART_FABRIC_CONFIG, $POPART_FABRIC_BIN/../config, the archive, the module cache
  local out="$1/config" candidate
  mkdir -p "$out"
  for candidate in "${POPART_FABRIC_CONFIG:-}" "${POPART_FABRIC_BIN:+$POPART_FABRIC_BIN/../config}"; do
    if [ -n "$candidate" ] && [ -f "$candidate/core.yaml" ] && [ -f "$candidate/orderer.yaml" ]; then
      cp "$candidate/core.yaml" "$candidate/orderer.yaml" "$out/"; say "config (core.yaml, orderer.yaml) from $candidate"; return 0
    fi
  done
  local archive="$SRC_DIR/fabric-$VERSION-src.tar.xz"
  if [ -f "$archive" ]; then
    tar -xJf "$archive" -C "$out" --strip-components=2 "fabric-$VERSION/sampleconfig/core.yaml" "fabric-$VERSION/sampleconfig/orderer.yaml"
    say "config (core.yaml, orderer.yaml) from the sampleconfig of $archive"; return 0
  fi
  if command -v go >/dev/null; then
    candidate=$(ls -d "$(go env GOMODCACHE)"/github.com/hyperledger/fabric@*"${COMMIT:0:12}" 2>/dev/null | head -n 1 || true)
    if [ -n "$candidate" ] && [ -f "$candidate/sampleconfig/core.yaml" ]; then
      cp "$candidate/sampleconfig/core.yaml" "$candidate/sampleconfig/orderer.yaml" "$out/"; chmod u+w "$out"/*.yaml
      say "config (core.yaml, orderer.yaml) from $candidate/sampleconfig"; return 0
    fi
  fi
  die "no core.yaml/orderer.yaml for Fabric $VERSION: set POPART_FABRIC_CONFIG to a folder holding them"
}

if [ "$FORCE" = 0 ] && installed_ok; then
  [ -f "$DEST/config/core.yaml" ] && [ -f "$DEST/config/orderer.yaml" ] || copy_config "$DEST"
  say "Fabric $VERSION already installed in $DEST ($(cat "$DEST/SOURCE" 2>/dev/null || echo 'source unknown'))"
  print_env
  exit 0
fi

STAGE="$(mktemp -d "$CACHE/.fabric-install.XXXXXX" 2>/dev/null || { mkdir -p "$CACHE"; mktemp -d "$CACHE/.fabric-install.XXXXXX"; })"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/bin" "$STAGE/ccaas/bin"
export CGO_ENABLED=0
start=$(date +%s)

build_ccaas_from() { # $1 = ccaas_builder source folder
  say "building the ccaas builder (detect, build, release) from $1 (its two modules come from the Go module proxy)"
  (cd "$1" && GOFLAGS=-mod=mod go build -trimpath -o "$STAGE/ccaas/bin/" ./cmd/detect ./cmd/build ./cmd/release) >&2
}

source_used=""
if [ -n "${POPART_FABRIC_BIN:-}" ]; then
  say "using prebuilt binaries from POPART_FABRIC_BIN=$POPART_FABRIC_BIN"
  for t in "${TOOLS[@]}"; do
    [ -x "$POPART_FABRIC_BIN/$t" ] || die "$POPART_FABRIC_BIN/$t is missing or not executable"
    cp "$POPART_FABRIC_BIN/$t" "$STAGE/bin/$t"
  done
  source_used="prebuilt binaries from $POPART_FABRIC_BIN"
  if [ -n "${POPART_CCAAS_BIN:-}" ]; then
    for t in "${CCAAS[@]}"; do
      [ -x "$POPART_CCAAS_BIN/$t" ] || die "$POPART_CCAAS_BIN/$t is missing or not executable"
      cp "$POPART_CCAAS_BIN/$t" "$STAGE/ccaas/bin/$t"
    done
    source_used="$source_used; ccaas builder from $POPART_CCAAS_BIN"
  fi
fi

need_src=0
[ -z "$source_used" ] && need_src=1
[ -x "$STAGE/ccaas/bin/detect" ] || need_src=1

if [ "$need_src" = 1 ]; then
  command -v go >/dev/null || die "Go is needed to build Fabric $VERSION (or point POPART_FABRIC_BIN at prebuilt binaries)"
  ARCHIVE="$SRC_DIR/fabric-$VERSION-src.tar.xz"
  if [ -f "$ARCHIVE" ]; then
    say "checking the sha256 of $ARCHIVE against $SRC_DIR/SHA256SUMS"
    [ -f "$SRC_DIR/SHA256SUMS" ] || die "$SRC_DIR/SHA256SUMS is missing"
    (cd "$SRC_DIR" && grep " fabric-$VERSION-src.tar.xz\$" SHA256SUMS | sha256sum -c --quiet -) >&2 \
      || die "sha256 of $ARCHIVE does not match SHA256SUMS"
    say "unpacking the source archive"
    tar -xJf "$ARCHIVE" -C "$STAGE"
    SRC="$STAGE/fabric-$VERSION"
    if [ -z "$source_used" ]; then
      say "building ${TOOLS[*]} from the archive (vendored, offline; about a minute on 2 cores)"
      (cd "$SRC" && GOFLAGS=-mod=vendor go build -trimpath -ldflags "$LDFLAGS" -o "$STAGE/bin/" \
        ./cmd/peer ./cmd/orderer ./cmd/configtxgen ./cmd/cryptogen ./cmd/osnadmin) >&2
      source_used="source archive $ARCHIVE (sha256 checked)"
    fi
    [ -x "$STAGE/ccaas/bin/detect" ] || build_ccaas_from "$SRC/ccaas_builder"
  else
    say "no source archive at $ARCHIVE: trying go install …@$COMMIT from the Go module proxy ($(go env GOPROXY))"
    if [ -z "$source_used" ]; then
      for t in "${TOOLS[@]}"; do
        say "go install github.com/hyperledger/fabric/cmd/$t@$COMMIT"
        GOBIN="$STAGE/bin" GOFLAGS= go install -trimpath -ldflags "$LDFLAGS" "github.com/hyperledger/fabric/cmd/$t@$COMMIT" >&2 \
          || die "the module proxy did not serve github.com/hyperledger/fabric@$COMMIT; set POPART_FABRIC_BIN or POPART_FABRIC_SRC_DIR"
      done
      source_used="go install @$COMMIT from $(go env GOPROXY)"
    fi
    if [ ! -x "$STAGE/ccaas/bin/detect" ]; then
      for t in "${CCAAS[@]}"; do
        GOBIN="$STAGE/ccaas/bin" GOFLAGS= go install -trimpath "github.com/hyperledger/fabric/ccaas_builder/cmd/$t@$COMMIT" >&2 \
          || die "the module proxy did not serve the ccaas builder at $COMMIT"
      done
    fi
  fi
fi

"$STAGE/bin/peer" version | grep -q "Version: $VERSION\$" || die "peer version does not say $VERSION: $("$STAGE/bin/peer" version | head -3 | tr '\n' ' ')"
"$STAGE/bin/orderer" version | grep -q "Version: $VERSION\$" || die "orderer version does not say $VERSION"
copy_config "$STAGE"
rm -rf "$DEST"
mkdir -p "$DEST"
mv "$STAGE/bin" "$STAGE/ccaas" "$STAGE/config" "$DEST/"
echo "$source_used" > "$DEST/SOURCE"
say "Fabric $VERSION installed in $DEST from $source_used ($(( $(date +%s) - start )) s)"
say "$("$DEST/bin/peer" version | sed -n 's/^ *Version: /peer version /p')"
print_env
