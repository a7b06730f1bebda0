#!/usr/bin/env bash
# Builds the broker bundle: one reproducible tarball with everything /opt/vnf-broker needs
# (dist/, dictionaries/, systemd/, image/{install,fetch-node,vr-userdata}.sh, package*.json, README.md,
# production node_modules), no Node runtime.
#   image/bundle.sh [OUT.tar.gz]        default: image/build/vnf-broker-bundle.tar.gz
# Needs a checkout with `npm ci` done (it runs `npm run build`) and the npm registry (or cache)
# for `npm ci --omit=dev`. SOURCE_DATE_EPOCH (default: the last commit's time) fixes every mtime.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/image/build/vnf-broker-bundle.tar.gz}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)}"
mkdir -p "$(dirname "$OUT")"

cd "$ROOT"
[ -d node_modules/typescript ] || { echo "bundle: run 'npm ci' first (the build needs typescript)" >&2; exit 2; }
npm run -s build

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/vnf-broker"
cp -a package.json package-lock.json README.md dist dictionaries systemd "$STAGE/vnf-broker/"
mkdir -p "$STAGE/vnf-broker/image"
cp -a image/install.sh image/fetch-node.sh image/vr-userdata.sh image/config.yaml.sample "$STAGE/vnf-broker/image/"
find "$STAGE/vnf-broker/dist" -name '*.map' -delete
# --ignore-scripts: `prepare` (tsc) is a dev step; ssh2's optional native helper is not needed.
(cd "$STAGE/vnf-broker" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
rm -rf "$STAGE/vnf-broker/node_modules/.package-lock.json"
tar -C "$STAGE" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --mode='go-w' \
  -cf - vnf-broker | gzip -n -9 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "bundle: $OUT ($(du -h "$OUT" | cut -f1))" >&2
