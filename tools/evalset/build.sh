#!/usr/bin/env bash
# Build the real-people evaluation set into target/evalset/ (see tools/evalset/README.md).
# Needs: python3 (3.9-3.12), npm, apt-get + dpkg-deb (Debian), network access to PyPI/npm/Debian.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=target/tools-venv-eval
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r tools/evalset/requirements.txt
exec "$VENV/bin/python" tools/evalset/build.py "$@"
