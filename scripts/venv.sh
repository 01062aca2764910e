#!/usr/bin/env bash
# Usage: scripts/venv.sh REQUIREMENTS_FILE
# Creates .venv with `python3 -m venv` (installing Debian's venv package when it is missing
# and we are root) and installs the requirements into it with --require-hashes: the files are
# lock files compiled by pip-tools (`make lock`), every package pinned with its hashes. A stamp
# file keyed on the hash of the file skips the install when it is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

req=${1:-requirements.txt}
python=${PYTHON:-python3}
venv=.venv

die() { echo "error: $*" >&2; exit 1; }

command -v "$python" >/dev/null || die "$python not found: install Python 3.11 or newer."
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "$("$python" -V 2>&1) is too old: Python 3.11 or newer is needed."

# The lock files REQ holds too, at the same versions: requirements-dev.txt is compiled with
# requirements.txt as its constraint (see `make lock`), so installing it installs the runtime set.
files=("$req")
if [ "$(basename "$req")" = requirements-dev.txt ]; then
  files+=("$(dirname "$req")/requirements.txt")
fi
hash=$(sha256sum <"$req" | cut -c1-16)
stamp="$venv/.installed-$(basename "$req" .txt).$hash"

if [ -f "$stamp" ] && [ -x "$venv/bin/python" ]; then
  exit 0
fi

if [ ! -x "$venv/bin/pip" ]; then
  rm -rf "$venv"
  if ! "$python" -m venv "$venv" 2>/tmp/venv-error.$$; then
    cat /tmp/venv-error.$$ >&2
    rm -rf "$venv" /tmp/venv-error.$$
    # Debian ships venv's ensurepip separately (python3-venv / python3.X-venv).
    command -v apt-get >/dev/null || die "$python -m venv failed."
    [ "$(id -u)" -eq 0 ] || die "$python -m venv failed; as root run: apt-get install -y python3-venv"
    minor=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    echo "Installing Debian's venv support for Python $minor ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y "python$minor-venv" || apt-get install -y python3-venv
    "$python" -m venv "$venv"
  fi
  rm -f /tmp/venv-error.$$
fi

echo "Installing $req into $venv ..."
"$venv/bin/python" -m pip install --disable-pip-version-check --quiet --require-hashes -r "$req"
rm -f "$venv"/.installed-"$(basename "$req" .txt)".*
touch "$stamp"
# What REQ holds is installed now too: stamp it, so `make run` after `make test` skips.
for included in "${files[@]:1}"; do
  included_hash=$(cat "$included" | sha256sum | cut -c1-16)
  rm -f "$venv"/.installed-"$(basename "$included" .txt)".*
  touch "$venv/.installed-$(basename "$included" .txt).$included_hash"
done
