#!/bin/sh
# Builds exo.vsix from the npm registry, pinned by package-lock.json.
# Usage: editors/vscode/build.sh   (needs node >= 20 and npm)
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm test
npx vsce package -o exo.vsix
echo "built $(pwd)/exo.vsix"
