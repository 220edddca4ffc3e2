#!/usr/bin/env bash
# The image's install in two files: OPEN's wheel (with its migrations and page) and the locked, hashed
# requirements of its runtime, taken from uv.lock. The Dockerfile and tests/deploy/test_wheel.py both run this.
set -euo pipefail
out=${1:?usage: build-wheel.sh OUT_DIR}
uv=${UV:-uv}
# From an sdist (uv build's default): a wheel built in the tree would take stale files from build/.
"$uv" build --out-dir "$out" --quiet
"$uv" export --frozen --no-dev --no-emit-project --quiet --output-file "$out/requirements.txt"
