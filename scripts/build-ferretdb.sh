#!/usr/bin/env bash
# Builds FerretDB (Apache-2.0) from the Go module proxy once and caches the binary.
# v1.24.1 is refused by the proxy here ("not available"), and `go install` needs the
# module's version list, which is refused too, so this builds v1.24.0 from the module
# source that `go mod download` fetches. Linked to .cache/ferretdb/ferretdb, where the
# test helpers look (or set FERRETDB_BIN).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=v1.24.0
cache="${PARLEY_CACHE:-$HOME/.cache/parley}/ferretdb-$VERSION"
bin="$cache/ferretdb"
mkdir -p .cache/ferretdb

if [ ! -x "$bin" ]; then
  command -v go >/dev/null || { echo "build-ferretdb: Go is not installed (apt-get install golang-go)"; exit 1; }
  echo "build-ferretdb: building FerretDB $VERSION (once; cached in $cache)"
  src=$(go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] || { echo "build-ferretdb: could not download FerretDB $VERSION"; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cp -r "$src" "$work/src"
  chmod -R u+w "$work/src"
  # Upstream's task runner writes this before a build; the binary refuses to start without it.
  mkdir -p "$work/src/build/version"
  echo "$VERSION" > "$work/src/build/version/version.txt"
  mkdir -p "$cache"
  (cd "$work/src" && GOFLAGS=-buildvcs=false go build -trimpath -o "$bin.tmp" ./cmd/ferretdb)
  mv "$bin.tmp" "$bin"
fi
ln -sf "$bin" .cache/ferretdb/ferretdb
echo "build-ferretdb: $("$bin" --version 2>&1 | head -1)"
