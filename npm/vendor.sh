#!/usr/bin/env bash
# GraphiQL's browser files: the npm packages pinned in package-lock.json (integrity-checked by `npm ci`), and of
# them only the files vendor.txt lists, copied into DEST. Run by `make graphiql` and by the Dockerfile.
set -euo pipefail
dest=$(realpath -m "${1:?usage: vendor.sh DEST}")
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
rm -rf "$dest" && mkdir -p "$dest"
xargs -a vendor.txt cp -t "$dest"
