#!/usr/bin/env bash
# Usage: scripts/system-deps.sh test|run
# Installs, with apt-get, the Debian packages whose binaries are missing:
#   test: postgresql (server binaries in /usr/lib/postgresql/*/bin), redis-server, chromium
#         (Playwright drives Debian's /usr/bin/chromium; never `playwright install`), gettext;
#   run:  nothing (the compiled .mo catalogs are committed).
# It starts no server: tests/servers.py starts PostgreSQL and Redis for the test run.
# Without root and with something missing it stops, saying what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-test}
missing=()

if [ "$mode" = test ]; then
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v msgfmt >/dev/null || missing+=(gettext)
elif [ "$mode" != run ]; then
  echo "usage: $0 test|run" >&2; exit 2
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "error: missing Debian packages: ${missing[*]}" >&2
  echo "       run as root, or first: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
command -v apt-get >/dev/null || { echo "error: missing ${missing[*]} and no apt-get to install them" >&2; exit 1; }
echo "Installing ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y "${missing[@]}"
