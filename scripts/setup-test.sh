#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then the npm
# packages. Idempotent: installed packages are skipped. Later issues add Dovecot,
# Redis and a MongoDB-compatible server here.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium fonts-liberation)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup:test: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi

npm ci --no-audit --no-fund
echo "setup:test: ready (chromium: $(command -v chromium))"
