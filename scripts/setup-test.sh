#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine, then the npm
# packages. Idempotent: what is installed is skipped, and the FerretDB build is cached.
#   - Debian: chromium (browser tests), redis-server (multi-node tests), Dovecot (IMAP,
#     POP3, LMTP) and openssl for the mail tests, which start private instances
#     (test/helpers/dovecot.ts); the system-wide Dovecot the package starts is stopped.
#   - FerretDB 1.x, a MongoDB-wire-compatible server with an SQLite backend, built from
#     the Go module proxy (no MongoDB server can be installed from this machine's
#     registries), for the mongoose store's tests. Cached in $PARLEY_CACHE.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium fonts-liberation redis-server dovecot-imapd dovecot-pop3d dovecot-lmtpd openssl)
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
  # The package starts a system-wide Redis; tests start their own on free ports.
  { command -v systemctl >/dev/null && $sudo systemctl disable --now redis-server >/dev/null 2>&1; } || true
  { command -v systemctl >/dev/null && $sudo systemctl disable --now dovecot.service dovecot.socket >/dev/null 2>&1; } || true
fi

# The package's own Dovecot (started by apt where services may start, and not by
# systemd everywhere): stop it so nothing answers on 143/110/993/995 or reads the system
# config during tests. Only the instance of /etc/dovecot (pid in /run/dovecot), never the
# tests' private ones.
if [ -e /run/dovecot/master.pid ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo doveadm stop >/dev/null 2>&1 && echo "setup:test: stopped the system Dovecot" ||
    $sudo sh -c 'kill "$(cat /run/dovecot/master.pid)"' 2>/dev/null || true
fi

npm ci --no-audit --no-fund

bash scripts/build-ferretdb.sh || echo "setup:test: FerretDB could not be built; the MongoDB suites will say they were skipped"
echo "setup:test: ready (chromium: $(command -v chromium), redis: $(command -v redis-server), dovecot: $(command -v dovecot))"
