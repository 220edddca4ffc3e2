#!/usr/bin/env bash
# A fresh virtualenv holding exactly the locked runtime (hashes required) and OPEN's wheel, nothing else.
set -euo pipefail
dist=${1:?usage: install-wheel.sh DIST_DIR VENV_DIR}
venv=${2:?usage: install-wheel.sh DIST_DIR VENV_DIR}
uv=${UV:-uv}
"$uv" venv --quiet "$venv"
"$uv" pip install --quiet --python "$venv/bin/python" --require-hashes --requirement "$dist/requirements.txt"
"$uv" pip install --quiet --python "$venv/bin/python" --no-deps "$dist"/openproc-*.whl
